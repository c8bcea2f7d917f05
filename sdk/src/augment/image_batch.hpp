#pragma once

// What the augmentation transforms share: checking a batch and its per-image
// parameters, and finding pixels beyond the border.

#include <cstdint>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::augment::detail {

// Below this many values per batch one thread is faster than waking the others.
constexpr int64_t kParallelWork = 16384;

// The dimensions of an image batch, read once.
struct BatchDims {
    int64_t n = 0;
    int64_t c = 0;
    int64_t h = 0;
    int64_t w = 0;

    int64_t plane() const { return h * w; }
    int64_t image() const { return c * h * w; }
};

// Throws ShapeError unless `batch` is [N, C, H, W] with `count` parameters
// (one per image), and InternalError when it requires a gradient.
inline BatchDims check_batch(const Tensor& batch, std::size_t count, const char* op) {
    if (batch.requires_grad()) {
        throw InternalError(
            selfsup::detail::concat("augment::", op,
                                    ": the batch requires a gradient, which augmentation would not "
                                    "pass back; augment images.detach() instead"));
    }
    if (batch.rank() != 4) {
        throw ShapeError(selfsup::detail::concat(
            "augment::", op, ": expected a batch [N, C, H, W], got ", batch.shape().str()));
    }
    const BatchDims dims{batch.dim(0), batch.dim(1), batch.dim(2), batch.dim(3)};
    if (static_cast<int64_t>(count) != dims.n) {
        throw ShapeError(selfsup::detail::concat("augment::", op, ": ", count,
                                                 " per-image parameters for a batch of shape ",
                                                 batch.shape().str()));
    }
    return dims;
}

// A new batch of `batch`'s shape whose every channel plane is written by
// `fn(n, src_plane, dst_plane)`, n being the plane's image; planes run in
// parallel when the batch is large enough to pay for it.
template <class PlaneFn>
Tensor map_planes(const Tensor& batch, const BatchDims& dims, const PlaneFn& fn) {
    Tensor result = Tensor::empty(batch.shape());
    const float* src = batch.data();
    float* dst = result.data();
#pragma omp parallel for schedule(static) if (batch.numel() > kParallelWork)
    for (int64_t plane = 0; plane < dims.n * dims.c; ++plane) {
        fn(plane / dims.c, src + plane * dims.plane(), dst + plane * dims.plane());
    }
    return result;
}

// The index inside [0, size) that position `i` mirrors to, without repeating
// the edge: -1 -> 1, size -> size - 2. Any distance from the image works.
inline int64_t reflect_index(int64_t i, int64_t size) {
    if (size == 1) return 0;
    const int64_t period = 2 * (size - 1);
    int64_t folded = i % period;
    if (folded < 0) folded += period;
    return folded < size ? folded : period - folded;
}

}  // namespace selfsup::augment::detail
