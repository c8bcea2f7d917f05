#pragma once

// k nearest neighbours on frozen embeddings: the protocol that trains
// nothing, so nothing can be tuned to flatter an encoder.
//
// Each test embedding finds the k labeled embeddings most similar to it by
// cosine similarity; each neighbour votes for its class with its similarity
// as the weight, and the class with the largest total wins (ties go to the
// lower class index). k larger than the labeled set uses all of it.

#include <cstdint>
#include <vector>

#include "experiment/embeddings.hpp"

namespace selfsup {

std::vector<int32_t> knn_predict(const Embeddings& labeled, const std::vector<int32_t>& labels,
                                 const Embeddings& queries, int k, int classes);

}  // namespace selfsup
