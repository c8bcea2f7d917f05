// The protocols that judge frozen embeddings (k nearest neighbours, logistic
// regression trained to convergence with L-BFGS), the 2-D projection of the
// report, and the paired comparison of arms, on embeddings made up here with
// a known answer.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "experiment/comparison.hpp"
#include "experiment/knn.hpp"
#include "experiment/lbfgs.hpp"
#include "experiment/logistic.hpp"
#include "experiment/pca.hpp"
#include "selfsup/rng.hpp"

using namespace selfsup;

namespace {

Embeddings rows(int64_t width, const std::vector<float>& values) {
    Embeddings embeddings;
    embeddings.width = width;
    embeddings.count = static_cast<int64_t>(values.size()) / width;
    embeddings.values = values;
    return embeddings;
}

// `per_class` points around each of `classes` centres on the axes of a
// `width`-d space, with Gaussian noise of `spread`, all times `scale`.
struct Blobs {
    Embeddings embeddings;
    std::vector<int32_t> labels;
};
Blobs blobs(int classes, int per_class, int64_t width, float spread, float scale, uint64_t seed) {
    Rng rng(seed);
    Blobs blobs;
    blobs.embeddings.width = width;
    for (int c = 0; c < classes; ++c) {
        for (int i = 0; i < per_class; ++i) {
            for (int64_t d = 0; d < width; ++d) {
                const float centre = d == c ? 1.0f : 0.0f;
                blobs.embeddings.values.push_back(scale * (centre + rng.normal(0.0f, spread)));
            }
            blobs.labels.push_back(c);
        }
    }
    blobs.embeddings.count = static_cast<int64_t>(blobs.labels.size());
    return blobs;
}

double accuracy(const std::vector<int32_t>& predicted, const std::vector<int32_t>& truth) {
    int64_t right = 0;
    for (size_t i = 0; i < truth.size(); ++i) right += predicted[i] == truth[i];
    return static_cast<double>(right) / static_cast<double>(truth.size());
}

}  // namespace

TEST_CASE("knn votes by cosine similarity, not by distance", "[protocols]") {
    // Class 0 points along x, class 1 along y; the query (10, 1) is far from
    // every point in distance but points almost along x.
    const Embeddings labeled = rows(2, {1, 0, 2, 0.1f, 0, 1, 0.1f, 2});
    const std::vector<int32_t> labels = {0, 0, 1, 1};
    const Embeddings queries = rows(2, {10, 1, 1, 10});
    CHECK(knn_predict(labeled, labels, queries, 1, 2) == std::vector<int32_t>{0, 1});
    CHECK(knn_predict(labeled, labels, queries, 2, 2) == std::vector<int32_t>{0, 1});
}

TEST_CASE("knn weights each vote by its similarity", "[protocols]") {
    // Two weak neighbours of class 1 (similarity 0.6 each) against one strong
    // neighbour of class 0 (similarity 1): 1.2 beats 1.0.
    const Embeddings labeled = rows(2, {1, 0, 0.6f, 0.8f, 0.6f, 0.8f});
    const std::vector<int32_t> labels = {0, 1, 1};
    const Embeddings queries = rows(2, {1, 0});
    CHECK(knn_predict(labeled, labels, queries, 3, 2) == std::vector<int32_t>{1});
    CHECK(knn_predict(labeled, labels, queries, 1, 2) == std::vector<int32_t>{0});
}

TEST_CASE("knn with k above the labeled count uses every labeled row", "[protocols]") {
    const Embeddings labeled = rows(2, {1, 0, 0, 1, 0.1f, 1});
    const std::vector<int32_t> labels = {0, 1, 1};
    CHECK(knn_predict(labeled, labels, rows(2, {1, 0.05f}), 50, 2) == std::vector<int32_t>{0});
}

TEST_CASE("knn separates noisy blobs at any scale", "[protocols]") {
    const Blobs train = blobs(4, 30, 6, 0.2f, 0.01f, 1);
    const Blobs test = blobs(4, 50, 6, 0.2f, 0.01f, 2);
    const auto predicted = knn_predict(train.embeddings, train.labels, test.embeddings, 5, 4);
    CHECK(accuracy(predicted, test.labels) > 0.95);
}

TEST_CASE("L-BFGS finds the minimum of the Rosenbrock function", "[protocols]") {
    const Objective rosenbrock = [](const std::vector<double>& x, std::vector<double>& gradient) {
        const double a = 1.0 - x[0];
        const double b = x[1] - x[0] * x[0];
        gradient[0] = -2.0 * a - 400.0 * x[0] * b;
        gradient[1] = 200.0 * b;
        return a * a + 100.0 * b * b;
    };
    std::vector<double> x = {-1.2, 1.0};
    const LbfgsResult result = minimize_lbfgs(rosenbrock, x);
    CHECK(result.converged);
    CHECK(x[0] == Approx(1.0).margin(1e-4));
    CHECK(x[1] == Approx(1.0).margin(1e-4));
    CHECK(result.value < 1e-8);
}

TEST_CASE("L-BFGS solves a badly scaled quadratic exactly", "[protocols]") {
    // f = sum_i s_i (x_i - i)^2 with scales over six orders of magnitude.
    const std::vector<double> scales = {1e-3, 1e-1, 1, 10, 1e3};
    const Objective quadratic = [&](const std::vector<double>& x, std::vector<double>& gradient) {
        double value = 0.0;
        for (size_t i = 0; i < x.size(); ++i) {
            const double offset = x[i] - static_cast<double>(i);
            value += scales[i] * offset * offset;
            gradient[i] = 2.0 * scales[i] * offset;
        }
        return value;
    };
    std::vector<double> x(scales.size(), 0.0);
    LbfgsOptions options;
    options.gradient_tolerance = 1e-10;
    REQUIRE(minimize_lbfgs(quadratic, x, options).converged);
    for (size_t i = 0; i < x.size(); ++i) CHECK(x[i] == Approx(static_cast<double>(i)).margin(1e-5));
}

TEST_CASE("the standardiser gives each feature mean 0 and deviation 1", "[protocols]") {
    const Embeddings data = rows(2, {1, 5, 3, 5, 5, 5});
    const Standardiser standardiser = Standardiser::fit(data);
    const Embeddings scaled = standardiser.apply(data);
    // Feature 0: mean 3, population deviation sqrt(8/3); feature 1 is constant.
    CHECK(scaled.row(0)[0] == Approx(-2.0 / std::sqrt(8.0 / 3.0)).epsilon(1e-5));
    CHECK(scaled.row(2)[0] == Approx(2.0 / std::sqrt(8.0 / 3.0)).epsilon(1e-5));
    CHECK(scaled.row(1)[1] == Approx(0.0).margin(1e-6));
}

TEST_CASE("logistic regression converges and does not care about the embeddings' scale",
          "[protocols]") {
    // The same blobs at magnitudes 1000 times apart: a fixed-epoch probe would
    // treat them differently; standardising and training to convergence must not.
    const Blobs small_train = blobs(3, 40, 5, 0.3f, 0.001f, 3);
    const Blobs large_train = blobs(3, 40, 5, 0.3f, 1.0f, 3);
    const Blobs small_test = blobs(3, 100, 5, 0.3f, 0.001f, 4);
    const Blobs large_test = blobs(3, 100, 5, 0.3f, 1.0f, 4);

    const auto small = run_logistic_protocol(small_train.embeddings, small_train.labels, 3, 7);
    const auto large = run_logistic_protocol(large_train.embeddings, large_train.labels, 3, 7);
    CHECK(small.model.converged);
    CHECK(small.l2 == large.l2);
    const auto small_predicted =
        small.model.predict(small.standardiser.apply(small_test.embeddings));
    const auto large_predicted =
        large.model.predict(large.standardiser.apply(large_test.embeddings));
    CHECK(accuracy(small_predicted, small_test.labels) > 0.9);
    CHECK(small_predicted == large_predicted);
}

TEST_CASE("logistic regression's L2 strength is picked on held-out rows", "[protocols]") {
    const Blobs train = blobs(2, 30, 4, 0.4f, 1.0f, 5);
    const auto result = run_logistic_protocol(train.embeddings, train.labels, 2, 11);
    CHECK(result.validation_accuracy >= 0.8);
    const auto& grid = logistic_l2_grid();
    CHECK(std::find(grid.begin(), grid.end(), result.l2) != grid.end());
}

TEST_CASE("with under 5 labels per class logistic regression uses the middle strength",
          "[protocols]") {
    const Blobs train = blobs(3, 4, 4, 0.2f, 1.0f, 6);
    const auto result = run_logistic_protocol(train.embeddings, train.labels, 3, 0);
    CHECK(result.validation_accuracy < 0.0);
    CHECK(result.l2 == logistic_l2_grid()[logistic_l2_grid().size() / 2]);
    CHECK(accuracy(result.model.predict(result.standardiser.apply(train.embeddings)),
                   train.labels) == 1.0);
}

TEST_CASE("the 2-D projection finds the direction of largest variance", "[protocols]") {
    // Points along (3, 4)/5 with small noise across it.
    Rng rng(9);
    std::vector<float> values;
    std::vector<float> along;
    for (int i = 0; i < 200; ++i) {
        const float t = rng.normal(0.0f, 5.0f);
        const float across = rng.normal(0.0f, 0.1f);
        along.push_back(t);
        values.push_back(0.6f * t - 0.8f * across + 2.0f);
        values.push_back(0.8f * t + 0.6f * across - 1.0f);
    }
    const Projection projection = project_2d(rows(2, values));
    double centre = 0.0;
    for (float t : along) centre += t / 200.0;
    CHECK(projection.explained_x > 0.999);
    CHECK(projection.explained_x + projection.explained_y == Approx(1.0).epsilon(1e-4));
    // The first coordinate is the position along the line from the points'
    // mean, up to its sign.
    const double sign = projection.x[0] * (along[0] - centre) > 0 ? 1.0 : -1.0;
    for (int i = 0; i < 200; ++i)
        CHECK(sign * projection.x[i] == Approx(along[i] - centre).margin(0.3));
}

TEST_CASE("gains are paired by seed, over the baseline and over the control", "[protocols]") {
    auto row = [](std::string method, std::string policy, std::string control, uint64_t seed,
                  double accuracy) {
        DownstreamResult result;
        result.method = std::move(method);
        result.baseline = "scratch";
        result.control = std::move(control);
        result.policy = std::move(policy);
        result.budget.count = 100;
        result.seed = seed;
        result.test_accuracy = accuracy;
        return result;
    };
    const Comparison comparison = compare({
        row("scratch", "all trained", "", 0, 0.60),
        row("scratch", "all trained", "", 1, 0.70),
        row("random init", "linear probe", "", 0, 0.62),
        row("random init", "linear probe", "", 1, 0.72),
        row("rotation", "linear probe", "random init", 0, 0.66),
        row("rotation", "linear probe", "random init", 1, 0.74),
        // A seed the baseline did not run is left out of the pairing.
        row("rotation", "linear probe", "random init", 2, 0.99),
    });
    const Arm rotation("rotation", "linear probe");
    const auto gain = comparison.gain(rotation, "100");
    REQUIRE(gain);
    CHECK(gain->count == 2);
    CHECK(gain->mean == Approx(5.0));
    CHECK(gain->stddev == Approx(std::sqrt(2.0)));
    const auto over_control = comparison.gain_over_control(rotation, "100");
    REQUIRE(over_control);
    CHECK(over_control->mean == Approx(3.0));
    CHECK_FALSE(comparison.gain({"scratch", "all trained"}, "100"));
    CHECK_FALSE(comparison.gain_over_control({"random init", "linear probe"}, "100"));
    CHECK(comparison.stats(rotation, "100")->mean == Approx(79.6667).epsilon(1e-4));
}
