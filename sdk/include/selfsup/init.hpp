#pragma once

// Parameter initialisation from a seeded Rng. fan_in and fan_out are computed
// from the weight shape: [out, in] for linear layers, [out, in, kH, kW] for
// convolutions (fan_in = in * kH * kW).

#include "selfsup/api.hpp"
#include "selfsup/rng.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::init {

// gain for ReLU is sqrt(2); 1 for linear and sigmoid outputs.
SELFSUP_API void kaiming_uniform(Tensor& weights, Rng& rng, float gain = 1.41421356f);
SELFSUP_API void kaiming_normal(Tensor& weights, Rng& rng, float gain = 1.41421356f);
SELFSUP_API void xavier_uniform(Tensor& weights, Rng& rng, float gain = 1.0f);
SELFSUP_API void xavier_normal(Tensor& weights, Rng& rng, float gain = 1.0f);
SELFSUP_API void uniform(Tensor& tensor, Rng& rng, float low, float high);
SELFSUP_API void zeros(Tensor& tensor);
SELFSUP_API void fill(Tensor& tensor, float value);

}  // namespace selfsup::init
