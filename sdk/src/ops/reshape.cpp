#include "selfsup/ops/reshape.hpp"

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::ops {

Tensor reshape(const Tensor& src, const Shape& shape) {
    if (shape.numel() != src.numel()) {
        throw ShapeError(detail::concat("reshape: cannot view ", src.shape().str(), " (",
                                        src.numel(), " elements) as ", shape.str(), " (",
                                        shape.numel(), " elements)"));
    }
    const Shape src_shape = src.shape();
    return record("reshape", src.alias(shape), {src}, [src_shape](const Tensor& diff_dst) {
        return std::vector<Tensor>{diff_dst.alias(src_shape)};
    });
}

Tensor flatten(const Tensor& src) {
    if (src.rank() < 1) throw ShapeError("flatten: needs at least one dimension, got a scalar");
    return reshape(src, Shape{src.dim(0), src.shape().inner_numel()});
}

}  // namespace selfsup::ops
