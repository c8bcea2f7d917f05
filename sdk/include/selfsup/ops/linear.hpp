#pragma once

// Fully connected layers and matrix products on oneDNN primitives, forward and
// backward (a gradient for each input that requires one).
//
// All tensors are plain row-major. The primitives are made on the first call
// for a given set of shapes (and bias presence) and reused for the life of the
// process. Bad shapes throw ShapeError naming the op and both shapes, before
// any work is done.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

// src [N, in] x weights [out, in]^T + bias [out] -> [N, out] (inner product).
// bias may be an undefined Tensor for none.
SELFSUP_API Tensor linear(const Tensor& src, const Tensor& weights, const Tensor& bias);
// [M, K] x [K, N] -> [M, N], or batched [B, M, K] x [B, K, N] -> [B, M, N]
// with one batch size on both sides (no broadcasting).
SELFSUP_API Tensor matmul(const Tensor& lhs, const Tensor& rhs);

}  // namespace selfsup::ops
