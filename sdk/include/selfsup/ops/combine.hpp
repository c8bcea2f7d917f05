#pragma once

// Joining tensors and taking parts of them.

#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

// Joins tensors along `axis`; all other dimensions must agree (ShapeError
// naming the first disagreeing pair otherwise).
SELFSUP_API Tensor concat(const std::vector<Tensor>& srcs, int axis);
// The `length` indices from `start` along `axis`. Along axis 0 the result is
// a view sharing storage; along other axes it is a copy.
SELFSUP_API Tensor slice(const Tensor& src, int axis, int64_t start, int64_t length);

}  // namespace selfsup::ops
