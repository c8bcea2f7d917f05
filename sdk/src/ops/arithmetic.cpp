#include "selfsup/ops/arithmetic.hpp"

#include <bit>

#include "dnnl_support.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::ops {

namespace {

using dnnl::algorithm;
using namespace dnnl_support;

dnnl::binary& binary_primitive(algorithm kind, const Shape& shape) {
    const std::string key =
        "binary:" + std::to_string(static_cast<int>(kind)) + ":" + key_of(shape);
    return PrimitiveCache::instance().get<dnnl::binary>(key, [&] {
        // Both operands and the result share one plain layout, so no broadcast
        // or reorder is ever involved.
        const dnnl::memory::desc md = plain_md(shape);
        return dnnl::binary(dnnl::binary::primitive_desc({kind, md, md, md}, engine()));
    });
}

// dst = src * factor + offset. The factors are part of the key (bit-exact, so
// 1e-7 and 2e-7 never share a primitive).
// TODO: a factor that changes every step (a schedule, a learned temperature)
// creates a primitive per value and grows the cache without bound; a runtime
// scale attribute or an own loop would avoid that.
Tensor linear(const Tensor& src, float factor, float offset) {
    const std::string key = "linear:" + std::to_string(std::bit_cast<uint32_t>(factor)) + ":" +
                            std::to_string(std::bit_cast<uint32_t>(offset)) + ":" +
                            key_of(src.shape());
    dnnl::eltwise_forward& forward =
        PrimitiveCache::instance().get<dnnl::eltwise_forward>(key, [&] {
            dnnl::eltwise_forward::primitive_desc pd(
                {dnnl::prop_kind::forward_inference, algorithm::eltwise_linear,
                 plain_md(src.shape()), factor, offset},
                engine());
            return dnnl::eltwise_forward(pd);
        });
    Tensor dst = Tensor::empty(src.shape());
    forward.execute(stream(), {{DNNL_ARG_SRC, wrap(src)}, {DNNL_ARG_DST, wrap(dst)}});
    stream().wait();
    return dst;
}

Tensor binary(algorithm kind, const Tensor& lhs, const Tensor& rhs) {
    Tensor dst = Tensor::empty(lhs.shape());
    binary_primitive(kind, lhs.shape())
        .execute(
            stream(),
            {{DNNL_ARG_SRC_0, wrap(lhs)}, {DNNL_ARG_SRC_1, wrap(rhs)}, {DNNL_ARG_DST, wrap(dst)}});
    stream().wait();
    return dst;
}

void check_same_shape(const char* name, const Tensor& lhs, const Tensor& rhs) {
    if (lhs.shape() != rhs.shape()) {
        throw ShapeError(detail::concat(name, ": operands of shapes ", lhs.shape().str(), " and ",
                                        rhs.shape().str(),
                                        " differ; element-wise ops need equal shapes (reshape "
                                        "or broadcast one of them first)"));
    }
}

}  // namespace

Tensor add(const Tensor& lhs, const Tensor& rhs) {
    check_same_shape("add", lhs, rhs);
    Tensor dst = binary(algorithm::binary_add, lhs, rhs);
    // The gradient passes through unchanged to both operands; handing out the
    // same tensor twice is safe because the tape never adds into it in place.
    return record("add", dst, {lhs, rhs}, [](const Tensor& diff_dst) {
        return std::vector<Tensor>{diff_dst, diff_dst};
    });
}

Tensor subtract(const Tensor& lhs, const Tensor& rhs) {
    check_same_shape("subtract", lhs, rhs);
    Tensor dst = binary(algorithm::binary_sub, lhs, rhs);
    const bool rhs_wanted = wants_grad(rhs);
    return record("subtract", dst, {lhs, rhs}, [rhs_wanted](const Tensor& diff_dst) {
        return std::vector<Tensor>{diff_dst, rhs_wanted ? linear(diff_dst, -1.0f, 0.0f) : Tensor()};
    });
}

Tensor multiply(const Tensor& lhs, const Tensor& rhs) {
    check_same_shape("multiply", lhs, rhs);
    Tensor dst = binary(algorithm::binary_mul, lhs, rhs);
    // Each operand's gradient is diff_dst times the other operand, so each
    // operand is kept only when the other one needs its gradient.
    const Tensor saved_lhs = wants_grad(rhs) ? lhs.detach() : Tensor();
    const Tensor saved_rhs = wants_grad(lhs) ? rhs.detach() : Tensor();
    return record("multiply", dst, {lhs, rhs}, [saved_lhs, saved_rhs](const Tensor& diff_dst) {
        return std::vector<Tensor>{
            saved_rhs.defined() ? binary(algorithm::binary_mul, diff_dst, saved_rhs) : Tensor(),
            saved_lhs.defined() ? binary(algorithm::binary_mul, diff_dst, saved_lhs) : Tensor()};
    });
}

Tensor scale(const Tensor& src, float factor, float offset) {
    Tensor dst = linear(src, factor, offset);
    return record("scale", dst, {src}, [factor](const Tensor& diff_dst) {
        return std::vector<Tensor>{linear(diff_dst, factor, 0.0f)};
    });
}

}  // namespace selfsup::ops
