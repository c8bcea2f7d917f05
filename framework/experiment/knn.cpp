#include "experiment/knn.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/ops/linear.hpp"

namespace selfsup {

namespace {

// Similarities of this many queries at a time: bounds the [queries, labeled]
// block to 256 x 60,000 floats (61 MB) on the full Fashion-MNIST budget.
constexpr int64_t kQueryChunk = 256;

// Unit-length rows as a [count, width] tensor; a zero row stays zero.
Tensor normalised(const Embeddings& embeddings) {
    Tensor result = Tensor::empty(Shape({embeddings.count, embeddings.width}));
    for (int64_t i = 0; i < embeddings.count; ++i) {
        const float* source = embeddings.row(i);
        double squares = 0.0;
        for (int64_t j = 0; j < embeddings.width; ++j) squares += double(source[j]) * source[j];
        const float scale = squares > 0.0 ? static_cast<float>(1.0 / std::sqrt(squares)) : 0.0f;
        float* target = result.data() + i * embeddings.width;
        for (int64_t j = 0; j < embeddings.width; ++j) target[j] = source[j] * scale;
    }
    return result;
}

int32_t vote(const float* similarities, int64_t count, const std::vector<int32_t>& labels, int k,
             int classes, std::vector<int64_t>& order) {
    std::iota(order.begin(), order.end(), 0);
    const auto nearest = order.begin() + std::min<int64_t>(k, count);
    std::partial_sort(order.begin(), nearest, order.end(), [&](int64_t a, int64_t b) {
        return similarities[a] > similarities[b] || (similarities[a] == similarities[b] && a < b);
    });
    std::vector<double> weight(static_cast<size_t>(classes), 0.0);
    for (auto it = order.begin(); it != nearest; ++it) weight[labels[*it]] += similarities[*it];
    return static_cast<int32_t>(std::max_element(weight.begin(), weight.end()) - weight.begin());
}

}  // namespace

std::vector<int32_t> knn_predict(const Embeddings& labeled, const std::vector<int32_t>& labels,
                                 const Embeddings& queries, int k, int classes) {
    SELFSUP_CHECK(labeled.count > 0 && labeled.width == queries.width && k > 0,
                  "knn_predict: ", labeled.count, " labeled rows of width ", labeled.width,
                  ", queries of width ", queries.width, ", k ", k);
    NoGradGuard no_grad;
    const Tensor reference = normalised(labeled);
    const Tensor probes = normalised(queries);
    std::vector<int32_t> predicted(static_cast<size_t>(queries.count));
    std::vector<int64_t> order(static_cast<size_t>(labeled.count));
    for (int64_t first = 0; first < queries.count; first += kQueryChunk) {
        const int64_t rows = std::min(kQueryChunk, queries.count - first);
        const Tensor chunk = probes.alias(Shape({rows, queries.width}), first * queries.width);
        const Tensor similarities = ops::linear(chunk, reference, Tensor());
        for (int64_t row = 0; row < rows; ++row) {
            predicted[first + row] = vote(similarities.data() + row * labeled.count,
                                          labeled.count, labels, k, classes, order);
        }
    }
    return predicted;
}

}  // namespace selfsup
