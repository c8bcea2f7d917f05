#include "experiment/pca.hpp"

#include <cmath>

#include "selfsup/errors.hpp"

namespace selfsup {

namespace {

constexpr int kPowerIterations = 300;

std::vector<double> multiply(const std::vector<double>& matrix, const std::vector<double>& v) {
    const size_t d = v.size();
    std::vector<double> result(d, 0.0);
    for (size_t i = 0; i < d; ++i) {
        for (size_t j = 0; j < d; ++j) result[i] += matrix[i * d + j] * v[j];
    }
    return result;
}

double norm(const std::vector<double>& v) {
    double squares = 0.0;
    for (double value : v) squares += value * value;
    return std::sqrt(squares);
}

// The leading eigenvector of a symmetric positive semi-definite matrix, and
// its eigenvalue.
std::pair<std::vector<double>, double> leading(const std::vector<double>& matrix, size_t d) {
    std::vector<double> v(d);
    for (size_t i = 0; i < d; ++i) v[i] = 1.0 + 0.01 * static_cast<double>(i % 7);
    double value = 0.0;
    for (int iteration = 0; iteration < kPowerIterations; ++iteration) {
        std::vector<double> next = multiply(matrix, v);
        value = norm(next);
        if (value == 0.0) break;
        for (double& x : next) x /= value;
        v.swap(next);
    }
    return {v, value};
}

}  // namespace

Projection project_2d(const Embeddings& embeddings) {
    SELFSUP_CHECK(embeddings.count > 1, "project_2d needs two rows or more");
    const auto d = static_cast<size_t>(embeddings.width);
    std::vector<double> mean(d, 0.0);
    for (int64_t i = 0; i < embeddings.count; ++i) {
        for (size_t j = 0; j < d; ++j) mean[j] += embeddings.row(i)[j];
    }
    for (double& value : mean) value /= static_cast<double>(embeddings.count);
    std::vector<double> covariance(d * d, 0.0);
    std::vector<double> centred(d);
    for (int64_t i = 0; i < embeddings.count; ++i) {
        for (size_t j = 0; j < d; ++j) centred[j] = embeddings.row(i)[j] - mean[j];
        for (size_t a = 0; a < d; ++a) {
            for (size_t b = 0; b < d; ++b) covariance[a * d + b] += centred[a] * centred[b];
        }
    }
    double total_variance = 0.0;
    for (size_t a = 0; a < d; ++a) total_variance += covariance[a * d + a];

    const auto [first, first_value] = leading(covariance, d);
    for (size_t a = 0; a < d; ++a) {
        for (size_t b = 0; b < d; ++b) covariance[a * d + b] -= first_value * first[a] * first[b];
    }
    const auto [second, second_value] = leading(covariance, d);

    Projection projection;
    projection.explained_x = total_variance > 0.0 ? first_value / total_variance : 0.0;
    projection.explained_y = total_variance > 0.0 ? second_value / total_variance : 0.0;
    for (int64_t i = 0; i < embeddings.count; ++i) {
        double x = 0.0;
        double y = 0.0;
        for (size_t j = 0; j < d; ++j) {
            const double value = embeddings.row(i)[j] - mean[j];
            x += value * first[j];
            y += value * second[j];
        }
        projection.x.push_back(static_cast<float>(x));
        projection.y.push_back(static_cast<float>(y));
    }
    return projection;
}

}  // namespace selfsup
