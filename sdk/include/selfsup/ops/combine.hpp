#pragma once

// Joining tensors and taking parts of them.

#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

// Joins tensors along `axis` (negative axes count from the end); all other
// dimensions must agree (ShapeError naming the first disagreeing pair
// otherwise). The result is a new tensor.
SELFSUP_API Tensor concat(const std::vector<Tensor>& srcs, int axis);
// The `length` indices from `start` along `axis`. Along axis 0 the result is
// a view sharing storage (writes to src show through it); along other axes it
// is a copy. A range outside the axis throws ShapeError naming it and src's
// shape.
SELFSUP_API Tensor slice(const Tensor& src, int axis, int64_t start, int64_t length);

}  // namespace selfsup::ops
