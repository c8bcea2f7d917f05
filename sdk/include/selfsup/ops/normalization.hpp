#pragma once

// Batch normalisation and dropout: ops whose behaviour differs between
// training and evaluation.

#include "selfsup/api.hpp"
#include "selfsup/rng.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

struct BatchNormOptions {
    bool training = true;
    // running = (1 - momentum) * running + momentum * batch statistic
    float momentum = 0.1f;
    float eps = 1e-5f;
};

// Normalises src [N, C] or [N, C, H, W] per channel and applies gamma and
// beta (both [C]). In training it uses the batch's statistics and updates
// running_mean and running_var ([C], modified in place; running_var is the
// unbiased estimate); in evaluation it uses them. ShapeError when src has
// another rank, a per-channel tensor is not [C], or training sees one value
// per channel; NumericalError when eps <= 0 or momentum is outside [0, 1].
SELFSUP_API Tensor batch_norm(const Tensor& src, const Tensor& gamma, const Tensor& beta,
                              Tensor& running_mean, Tensor& running_var,
                              const BatchNormOptions& options = {});

// In training, zeroes each element with probability p and scales the rest by
// 1 / (1 - p), drawing from `rng`; in evaluation, or with p = 0, returns src
// itself. NumericalError when p is outside [0, 1).
SELFSUP_API Tensor dropout(const Tensor& src, float p, bool training, Rng& rng);

}  // namespace selfsup::ops
