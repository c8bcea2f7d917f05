#pragma once

// Spatial pooling and resampling of [N, C, H, W] tensors on oneDNN primitives.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

struct Pool2dOptions {
    int kernel = 2;
    // 0 means "same as kernel".
    int stride = 0;
    int padding = 0;
};

SELFSUP_API Tensor max_pool2d(const Tensor& src, const Pool2dOptions& options = {});
// Padding cells are excluded from the average.
SELFSUP_API Tensor avg_pool2d(const Tensor& src, const Pool2dOptions& options = {});

enum class UpsampleMode { kNearest, kBilinear };

// Scales H and W by an integer factor.
SELFSUP_API Tensor upsample(const Tensor& src, int factor, UpsampleMode mode);

}  // namespace selfsup::ops
