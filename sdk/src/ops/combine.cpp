#include "selfsup/ops/combine.hpp"

#include <cstring>
#include <unordered_map>

#include "dnnl_support.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::ops {

namespace {

using namespace dnnl_support;

int resolved_axis(const char* name, const Shape& shape, int axis) {
    const int resolved = axis < 0 ? axis + shape.rank() : axis;
    if (resolved < 0 || resolved >= shape.rank()) {
        throw ShapeError(
            detail::concat(name, ": axis ", axis, " is out of range for shape ", shape.str()));
    }
    return resolved;
}

// Copies `outer` blocks of `count` floats, block o from src + o * src_stride
// to dst + o * dst_stride. A range of indices along one axis of a plain tensor
// is such a set of blocks: one per index of the axes before it.
void copy_blocks(const float* src, int64_t src_stride, float* dst, int64_t dst_stride,
                 int64_t outer, int64_t count) {
    const size_t bytes = static_cast<size_t>(count) * sizeof(float);
#pragma omp parallel for if (outer * count > 65536) schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
        std::memcpy(dst + o * dst_stride, src + o * src_stride, bytes);
    }
}

// Where the range [start, start + part.dim(axis)) along `axis` of `whole` lies.
struct Range {
    int64_t outer = 1;        // blocks
    int64_t offset = 0;       // elements of `whole` before the first block
    int64_t whole_block = 0;  // distance between blocks in `whole`
    int64_t part_block = 0;   // elements per block, and distance between them in the part
};

Range range_of(const Shape& whole, int axis, int64_t start, int64_t length) {
    int64_t inner = 1;
    for (int d = axis + 1; d < whole.rank(); ++d) inner *= whole[d];
    Range range;
    for (int d = 0; d < axis; ++d) range.outer *= whole[d];
    range.offset = start * inner;
    range.whole_block = whole[axis] * inner;
    range.part_block = length * inner;
    return range;
}

// The range of `whole` along `axis` from `start` with the given shape, in new
// storage.
Tensor gathered(const Tensor& whole, int axis, int64_t start, const Shape& part_shape) {
    const Range range = range_of(whole.shape(), axis, start, part_shape[axis]);
    Tensor part = Tensor::empty(part_shape);
    copy_blocks(whole.data() + range.offset, range.whole_block, part.data(), range.part_block,
                range.outer, range.part_block);
    return part;
}

// Writes `part` into the range of `whole` along `axis` from `start`.
void scatter(const Tensor& part, int axis, int64_t start, Tensor& whole) {
    const Range range = range_of(whole.shape(), axis, start, part.dim(axis));
    copy_blocks(part.data(), range.part_block, whole.data() + range.offset, range.whole_block,
                range.outer, range.part_block);
}

void check_concat_shapes(const std::vector<Tensor>& srcs, int axis) {
    const Shape& first = srcs[0].shape();
    for (size_t i = 1; i < srcs.size(); ++i) {
        const Shape& other = srcs[i].shape();
        bool agree = other.rank() == first.rank();
        for (int d = 0; agree && d < first.rank(); ++d) agree = d == axis || other[d] == first[d];
        if (!agree) {
            throw ShapeError(detail::concat("concat: along axis ", axis, ", tensor 0 has shape ",
                                            first.str(), " but tensor ", i, " has shape ",
                                            other.str(), "; all dimensions except axis ", axis,
                                            " must agree"));
        }
    }
}

}  // namespace

Tensor concat(const std::vector<Tensor>& srcs, int axis) {
    if (srcs.empty()) throw ShapeError("concat: needs at least one tensor, got none");
    axis = resolved_axis("concat", srcs[0].shape(), axis);
    check_concat_shapes(srcs, axis);

    // 1. The result's shape, and the cache key naming every input.
    Shape dst_shape = srcs[0].shape();
    // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string here.
    std::string key = "concat:";
    key += std::to_string(axis);
    for (size_t i = 1; i < srcs.size(); ++i) dst_shape[axis] += srcs[i].dim(axis);
    for (const Tensor& src : srcs) key.append(":").append(key_of(src.shape()));

    // 2. oneDNN's concat over the plain layouts of all inputs and the result.
    dnnl::concat& primitive = PrimitiveCache::instance().get<dnnl::concat>(key, [&] {
        std::vector<dnnl::memory::desc> mds;
        for (const Tensor& src : srcs) mds.push_back(plain_md(src.shape()));
        return dnnl::concat(dnnl::concat::primitive_desc(plain_md(dst_shape), axis, mds, engine()));
    });
    Tensor dst = Tensor::empty(dst_shape);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, wrap(dst)}};
    for (size_t i = 0; i < srcs.size(); ++i) {
        args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), wrap(srcs[i]));
    }
    primitive.execute(stream(), args);
    stream().wait();

    // 3. Backward hands each input its own range of the gradient.
    std::vector<Shape> src_shapes;
    std::vector<bool> wanted;
    for (const Tensor& src : srcs) {
        src_shapes.push_back(src.shape());
        wanted.push_back(wants_grad(src));
    }
    return record("concat", dst, srcs, [axis, src_shapes, wanted](const Tensor& diff_dst) {
        std::vector<Tensor> diff_srcs(src_shapes.size());
        int64_t start = 0;
        for (size_t i = 0; i < src_shapes.size(); ++i) {
            const Shape& shape = src_shapes[i];
            if (wanted[i]) {
                // Along axis 0 each input's range is contiguous: a view of diff_dst.
                diff_srcs[i] = axis == 0 ? diff_dst.alias(shape, start * shape.inner_numel())
                                         : gathered(diff_dst, axis, start, shape);
            }
            start += shape[axis];
        }
        return diff_srcs;
    });
}

Tensor slice(const Tensor& src, int axis, int64_t start, int64_t length) {
    axis = resolved_axis("slice", src.shape(), axis);
    Shape dst_shape = src.shape();
    dst_shape[axis] = length;
    if (start < 0 || length < 0 || start + length > src.dim(axis)) {
        throw ShapeError(detail::concat("slice: indices [", start, ", ", start + length,
                                        ") along axis ", axis, " (a result of shape ",
                                        dst_shape.str(), ") are out of range for shape ",
                                        src.shape().str()));
    }

    // Along axis 0 the range is one contiguous run, so a view suffices.
    const Shape src_shape = src.shape();
    Tensor dst = axis == 0 ? src.alias(dst_shape, start * src_shape.inner_numel())
                           : gathered(src, axis, start, dst_shape);
    return record("slice", dst, {src}, [src_shape, axis, start](const Tensor& diff_dst) {
        Tensor diff_src = Tensor::zeros(src_shape);
        scatter(diff_dst, axis, start, diff_src);
        return std::vector<Tensor>{diff_src};
    });
}

}  // namespace selfsup::ops
