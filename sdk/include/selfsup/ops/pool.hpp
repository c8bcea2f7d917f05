#pragma once

// Spatial pooling and resampling of [N, C, H, W] tensors on oneDNN primitives.
// Any other rank throws ShapeError naming the op and the shape.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

struct Pool2dOptions {
    int kernel = 2;
    // 0 means "same as kernel".
    int stride = 0;
    int padding = 0;
};

// The output is floor((H + 2 * padding - kernel) / stride) + 1 high, and as
// wide by the same rule. ShapeError when kernel or stride is below 1, padding
// is outside [0, kernel), or the kernel is larger than the padded input.
SELFSUP_API Tensor max_pool2d(const Tensor& src, const Pool2dOptions& options = {});
// Padding cells are excluded from the average.
SELFSUP_API Tensor avg_pool2d(const Tensor& src, const Pool2dOptions& options = {});

enum class UpsampleMode { kNearest, kBilinear };

// Scales H and W by an integer factor of at least 1. Bilinear places pixel
// centres at half-integers and clamps at the border (align_corners = false).
SELFSUP_API Tensor upsample(const Tensor& src, int factor, UpsampleMode mode);

}  // namespace selfsup::ops
