#pragma once

// Loss functions. Each returns a scalar (rank-0) tensor, the mean over the
// batch (and over elements for the element-wise losses), recorded on the
// autograd tape so backward() can start from it. Gradients flow to every
// input that requires one, targets included.
//
// Large inputs are split across OpenMP threads, but values are summed in a
// fixed order, so one input gives bit-identical losses and gradients whatever
// the thread count. Inputs are only read; a throwing call records nothing.
//
// Mismatched shapes throw ShapeError naming the loss and both shapes; labels
// out of range throw DataError naming the label and its row. Targets of the
// binary losses are not checked to lie in [0, 1]; other values give a
// well-defined but meaningless loss.

#include <cstdint>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

// mean((prediction - target)^2) over all elements.
SELFSUP_API Tensor mse_loss(const Tensor& prediction, const Tensor& target);
// Binary cross-entropy of probabilities in [0, 1]; they are clamped to
// [1e-7, 1 - 1e-7] so log() stays finite. A probability outside that range
// gets a zero gradient (the clamp is flat there): prefer bce_with_logits_loss
// when the probabilities come from a sigmoid.
SELFSUP_API Tensor bce_loss(const Tensor& probabilities, const Tensor& target);
// Binary cross-entropy of logits, computed stably as
// max(x, 0) - x * t + log(1 + exp(-|x|)); finite, with finite gradient
// sigmoid(x) - t, for any finite logit.
SELFSUP_API Tensor bce_with_logits_loss(const Tensor& logits, const Tensor& target);
// logits [N, K], one integer label in [0, K) per row: the mean over rows of
// log-sum-exp(row) - row[label], with the row maximum subtracted first. A
// label count other than N throws ShapeError.
SELFSUP_API Tensor softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels);
// NT-Xent over 2N embeddings [2N, D] where rows i and i + N are two views of
// one image: cosine similarities divided by `temperature`, each row's
// positive is its twin, the other 2N - 2 rows are negatives and the row
// itself is left out; the mean over the 2N rows. Rows with a norm below 1e-8
// are divided by 1e-8 instead, so a zero embedding gives zero similarity
// rather than NaN. A row count that is odd or below 2 throws ShapeError; a
// temperature that is not positive and finite throws NumericalError.
SELFSUP_API Tensor nt_xent_loss(const Tensor& embeddings, float temperature);

}  // namespace selfsup::ops
