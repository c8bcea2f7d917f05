#include "experiment/logistic.hpp"

#include <algorithm>
#include <cmath>

#include "experiment/labeled_subset.hpp"
#include "experiment/lbfgs.hpp"
#include "selfsup/errors.hpp"

namespace selfsup {

namespace {

constexpr double kValidationFraction = 0.2;
constexpr int kMinPerClassForValidation = 5;

Embeddings rows_of(const Embeddings& embeddings, const std::vector<int64_t>& rows) {
    Embeddings picked;
    picked.count = static_cast<int64_t>(rows.size());
    picked.width = embeddings.width;
    picked.values.reserve(rows.size() * static_cast<size_t>(embeddings.width));
    for (int64_t row : rows) {
        picked.values.insert(picked.values.end(), embeddings.row(row),
                             embeddings.row(row) + embeddings.width);
    }
    return picked;
}

double accuracy(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels) {
    int64_t correct = 0;
    for (size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i];
    return labels.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(labels.size());
}

// Mean cross-entropy + l2 / 2 |W|^2 and its gradient; `x` is the model's
// weights in LogisticModel's layout.
class CrossEntropy {
public:
    CrossEntropy(const Embeddings& embeddings, const std::vector<int32_t>& labels, int classes,
              double l2)
        : x_(embeddings), labels_(labels), classes_(classes), l2_(l2),
          residual_(static_cast<size_t>(embeddings.count * classes)) {}

    double operator()(const std::vector<double>& weights, std::vector<double>& gradient) {
        const int64_t n = x_.count;
        const int64_t d = x_.width;
        const int64_t stride = d + 1;
        double loss = 0.0;
        // Softmax per row; residual = probabilities - one-hot target.
#pragma omp parallel for schedule(static) reduction(+ : loss)
        for (int64_t i = 0; i < n; ++i) {
            const float* row = x_.row(i);
            double* logits = residual_.data() + i * classes_;
            double largest = -INFINITY;
            for (int c = 0; c < classes_; ++c) {
                const double* w = weights.data() + c * stride;
                double z = w[d];
                for (int64_t j = 0; j < d; ++j) z += w[j] * row[j];
                logits[c] = z;
                largest = std::max(largest, z);
            }
            double total = 0.0;
            for (int c = 0; c < classes_; ++c) total += std::exp(logits[c] - largest);
            const double log_total = std::log(total) + largest;
            loss += log_total - logits[labels_[i]];
            for (int c = 0; c < classes_; ++c) logits[c] = std::exp(logits[c] - log_total);
            logits[labels_[i]] -= 1.0;
        }
        // One class per iteration, so the sums' order does not depend on the
        // number of threads.
#pragma omp parallel for schedule(static)
        for (int c = 0; c < classes_; ++c) {
            double* g = gradient.data() + c * stride;
            std::fill(g, g + stride, 0.0);
            for (int64_t i = 0; i < n; ++i) {
                const double r = residual_[i * classes_ + c];
                const float* row = x_.row(i);
                for (int64_t j = 0; j < d; ++j) g[j] += r * row[j];
                g[d] += r;
            }
            const double* w = weights.data() + c * stride;
            for (int64_t j = 0; j <= d; ++j) g[j] /= static_cast<double>(n);
            for (int64_t j = 0; j < d; ++j) g[j] += l2_ * w[j];
        }
        double penalty = 0.0;
        for (int c = 0; c < classes_; ++c) {
            for (int64_t j = 0; j < d; ++j) penalty += weights[c * stride + j] * weights[c * stride + j];
        }
        return loss / static_cast<double>(n) + 0.5 * l2_ * penalty;
    }

private:
    const Embeddings& x_;
    const std::vector<int32_t>& labels_;
    int classes_;
    double l2_;
    std::vector<double> residual_;
};

}  // namespace

Standardiser Standardiser::fit(const Embeddings& embeddings) {
    Standardiser result;
    const int64_t d = embeddings.width;
    std::vector<double> sum(d, 0.0);
    std::vector<double> squares(d, 0.0);
    for (int64_t i = 0; i < embeddings.count; ++i) {
        for (int64_t j = 0; j < d; ++j) {
            sum[j] += embeddings.row(i)[j];
            squares[j] += double(embeddings.row(i)[j]) * embeddings.row(i)[j];
        }
    }
    const double n = static_cast<double>(std::max<int64_t>(embeddings.count, 1));
    for (int64_t j = 0; j < d; ++j) {
        const double mean = sum[j] / n;
        const double variance = std::max(0.0, squares[j] / n - mean * mean);
        result.mean.push_back(static_cast<float>(mean));
        result.inverse_std.push_back(variance > 1e-12 ? static_cast<float>(1.0 / std::sqrt(variance))
                                                      : 1.0f);
    }
    return result;
}

Embeddings Standardiser::apply(const Embeddings& embeddings) const {
    Embeddings result = embeddings;
    for (int64_t i = 0; i < result.count; ++i) {
        float* row = result.row(i);
        for (int64_t j = 0; j < result.width; ++j) row[j] = (row[j] - mean[j]) * inverse_std[j];
    }
    return result;
}

std::vector<int32_t> LogisticModel::predict(const Embeddings& embeddings) const {
    SELFSUP_CHECK(embeddings.width == width, "logistic model of width ", width,
                  " given embeddings of width ", embeddings.width);
    std::vector<int32_t> predicted(static_cast<size_t>(embeddings.count));
    const int64_t stride = width + 1;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < embeddings.count; ++i) {
        const float* row = embeddings.row(i);
        double best = -INFINITY;
        for (int c = 0; c < classes; ++c) {
            const double* w = weights.data() + c * stride;
            double z = w[width];
            for (int64_t j = 0; j < width; ++j) z += w[j] * row[j];
            if (z > best) {
                best = z;
                predicted[i] = c;
            }
        }
    }
    return predicted;
}

LogisticModel fit_logistic(const Embeddings& embeddings, const std::vector<int32_t>& labels,
                           int classes, double l2, const LogisticModel* start) {
    SELFSUP_CHECK(embeddings.count == static_cast<int64_t>(labels.size()) && embeddings.count > 0,
                  "fit_logistic: ", embeddings.count, " rows, ", labels.size(), " labels");
    LogisticModel model;
    model.width = embeddings.width;
    model.classes = classes;
    model.weights.assign(static_cast<size_t>(classes * (embeddings.width + 1)), 0.0);
    if (start != nullptr && start->weights.size() == model.weights.size()) {
        model.weights = start->weights;
    }
    CrossEntropy objective(embeddings, labels, classes, l2);
    const LbfgsResult result = minimize_lbfgs(
        [&](const std::vector<double>& x, std::vector<double>& gradient) {
            return objective(x, gradient);
        },
        model.weights, LbfgsOptions{});
    model.iterations = result.iterations;
    model.converged = result.converged;
    return model;
}

const std::vector<double>& logistic_l2_grid() {
    static const std::vector<double> grid = {1.0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5};
    return grid;
}

LogisticProtocolResult run_logistic_protocol(const Embeddings& labeled,
                                             const std::vector<int32_t>& labels, int classes,
                                             uint64_t seed) {
    LogisticProtocolResult result;
    const std::vector<double>& grid = logistic_l2_grid();
    result.l2 = grid[grid.size() / 2];
    if (labeled.count >= int64_t{kMinPerClassForValidation} * classes) {
        const auto held_out_count = static_cast<int64_t>(
            std::lround(kValidationFraction * static_cast<double>(labeled.count)));
        const std::vector<int64_t> held_out =
            stratified_subset(labels, classes, held_out_count, seed);
        std::vector<int64_t> kept;
        for (int64_t row = 0, next = 0; row < labeled.count; ++row) {
            if (next < held_out_count && held_out[next] == row) {
                ++next;
            } else {
                kept.push_back(row);
            }
        }
        const Standardiser standardiser = Standardiser::fit(rows_of(labeled, kept));
        const Embeddings fit_part = standardiser.apply(rows_of(labeled, kept));
        const Embeddings validation = standardiser.apply(rows_of(labeled, held_out));
        const std::vector<int32_t> fit_labels = labels_at(kept, labels);
        const std::vector<int32_t> validation_labels = labels_at(held_out, labels);
        LogisticModel model;
        for (double l2 : grid) {
            model = fit_logistic(fit_part, fit_labels, classes, l2, &model);
            const double score = accuracy(model.predict(validation), validation_labels);
            if (score > result.validation_accuracy) {
                result.validation_accuracy = score;
                result.l2 = l2;
            }
        }
    }
    result.standardiser = Standardiser::fit(labeled);
    result.model = fit_logistic(result.standardiser.apply(labeled), labels, classes, result.l2);
    return result;
}

}  // namespace selfsup
