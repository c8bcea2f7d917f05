#pragma once

// Element-wise activations, forward and backward on oneDNN's eltwise
// primitive. Each takes a tensor of any shape and returns one of that shape.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

SELFSUP_API Tensor relu(const Tensor& src);
// max(src, 0) + negative_slope * min(src, 0)
SELFSUP_API Tensor leaky_relu(const Tensor& src, float negative_slope = 0.01f);
// src for src > 0, alpha * (exp(src) - 1) otherwise
SELFSUP_API Tensor elu(const Tensor& src, float alpha = 1.0f);
// The exact (erf) form: src * Phi(src).
SELFSUP_API Tensor gelu(const Tensor& src);
SELFSUP_API Tensor sigmoid(const Tensor& src);
SELFSUP_API Tensor tanh(const Tensor& src);

}  // namespace selfsup::ops
