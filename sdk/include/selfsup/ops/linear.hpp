#pragma once

// Fully connected layers and matrix products on oneDNN primitives.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

// src [N, in] x weights [out, in]^T + bias [out] -> [N, out] (inner product).
// bias may be an undefined Tensor for none.
SELFSUP_API Tensor linear(const Tensor& src, const Tensor& weights, const Tensor& bias);
// [M, K] x [K, N] -> [M, N], or batched [B, M, K] x [B, K, N] -> [B, M, N].
SELFSUP_API Tensor matmul(const Tensor& lhs, const Tensor& rhs);

}  // namespace selfsup::ops
