#include "experiment/embeddings.hpp"

#include <algorithm>
#include <cmath>

#include "experiment/batch_stream.hpp"
#include "selfsup/autograd.hpp"

namespace selfsup {

namespace {

constexpr int64_t kEmbeddingBatch = 256;

}  // namespace

Embeddings embed(const Dataset& dataset, Encoder& encoder, Split split,
                 const std::vector<int64_t>& indices) {
    NoGradGuard no_grad;
    encoder.eval();
    Embeddings result;
    result.count = static_cast<int64_t>(indices.size());
    result.width = encoder.embedding_width();
    result.values.resize(static_cast<size_t>(result.count * result.width));
    BatchStream batches(dataset, split, indices, kEmbeddingBatch, false, 0);
    int64_t first = 0;
    while (std::optional<Batch> batch = batches.next()) {
        const Tensor output = encoder.forward(batch->images);
        std::copy_n(output.data(), output.numel(), result.row(first));
        first += output.dim(0);
    }
    return result;
}

double mean_norm(const Embeddings& embeddings) {
    if (embeddings.count == 0) return 0.0;
    double total = 0.0;
    for (int64_t i = 0; i < embeddings.count; ++i) {
        double squares = 0.0;
        for (int64_t j = 0; j < embeddings.width; ++j) {
            squares += static_cast<double>(embeddings.row(i)[j]) * embeddings.row(i)[j];
        }
        total += std::sqrt(squares);
    }
    return total / static_cast<double>(embeddings.count);
}

}  // namespace selfsup
