#pragma once

// Loss functions: each returns a scalar (rank-0) tensor, the mean over the
// batch (and over elements for the element-wise losses), ready for
// backward(). Mismatched shapes throw ShapeError naming the loss and both
// shapes; labels out of range throw DataError naming the label and index.

#include <cstdint>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

SELFSUP_API Tensor mse_loss(const Tensor& prediction, const Tensor& target);
// Binary cross-entropy of probabilities in [0, 1]; they are clamped to
// [1e-7, 1 - 1e-7] so log() stays finite.
SELFSUP_API Tensor bce_loss(const Tensor& probabilities, const Tensor& target);
// Binary cross-entropy of logits, computed stably as
// max(x, 0) - x * t + log(1 + exp(-|x|)).
SELFSUP_API Tensor bce_with_logits_loss(const Tensor& logits, const Tensor& target);
// logits [N, K], one integer label in [0, K) per row.
SELFSUP_API Tensor softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels);
// NT-Xent over 2N embeddings [2N, D] where rows i and i + N are two views of
// one image: cosine similarities divided by `temperature`, each row's
// positive is its twin, the other 2N - 2 rows are negatives.
SELFSUP_API Tensor nt_xent_loss(const Tensor& embeddings, float temperature);

}  // namespace selfsup::ops
