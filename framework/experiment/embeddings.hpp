#pragma once

// Frozen embeddings: an encoder's outputs for a set of images, as a plain
// row-major matrix, for the protocols that never train the encoder (k nearest
// neighbours, logistic regression) and for the report's 2-D projections.

#include <cstdint>
#include <vector>

#include "selfsup/plugin/dataset.hpp"
#include "selfsup/plugin/encoder.hpp"

namespace selfsup {

struct Embeddings {
    int64_t count = 0;
    int64_t width = 0;
    // count x width, row i belonging to the i-th requested image.
    std::vector<float> values;

    const float* row(int64_t i) const { return values.data() + i * width; }
    float* row(int64_t i) { return values.data() + i * width; }
};

// The encoder's embeddings of `indices` of `split`, in that order, computed in
// evaluation mode without recording gradients. The encoder is left in
// evaluation mode.
Embeddings embed(const Dataset& dataset, Encoder& encoder, Split split,
                 const std::vector<int64_t>& indices);

// The mean Euclidean norm of the rows: the scale a probe has to work with.
double mean_norm(const Embeddings& embeddings);

}  // namespace selfsup
