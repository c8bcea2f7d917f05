#pragma once

// Element-wise arithmetic on tensors of one shape, on oneDNN's binary and
// eltwise primitives. Mismatched shapes throw ShapeError naming the op and
// both shapes.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

SELFSUP_API Tensor add(const Tensor& lhs, const Tensor& rhs);
SELFSUP_API Tensor subtract(const Tensor& lhs, const Tensor& rhs);
SELFSUP_API Tensor multiply(const Tensor& lhs, const Tensor& rhs);
// src * factor + offset
SELFSUP_API Tensor scale(const Tensor& src, float factor, float offset = 0.0f);

}  // namespace selfsup::ops
