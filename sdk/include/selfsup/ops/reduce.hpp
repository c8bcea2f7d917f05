#pragma once

// Reductions and normalisation along a dimension. Sums accumulate in double
// and combine partial sums in a fixed order, so a result does not depend on
// the thread count. Negative axes count from the end; an axis out of range
// throws ShapeError naming the op and the shape.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

// Sum and mean of every element: a scalar (rank-0) tensor.
SELFSUP_API Tensor sum(const Tensor& src);
SELFSUP_API Tensor mean(const Tensor& src);
// Sum along `axis`, which is kept with size 1 (e.g. [N, C] -> [N, 1]).
SELFSUP_API Tensor sum(const Tensor& src, int axis);
// src / max(||src||_2 along axis, eps): unit vectors along `axis`. eps must
// be positive (NumericalError otherwise).
SELFSUP_API Tensor l2_normalize(const Tensor& src, int axis = 1, float eps = 1e-12f);

}  // namespace selfsup::ops
