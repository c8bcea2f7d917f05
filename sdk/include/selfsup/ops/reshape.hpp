#pragma once

// Ops that change how a tensor's elements are indexed without moving them.
// Results are views: they share storage with their source.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

// `src` seen with `shape`; throws ShapeError naming both shapes when the
// element counts differ.
SELFSUP_API Tensor reshape(const Tensor& src, const Shape& shape);
// [N, ...] -> [N, product of the rest]
SELFSUP_API Tensor flatten(const Tensor& src);

}  // namespace selfsup::ops
