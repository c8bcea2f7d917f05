#include "selfsup/ops/normalization.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "gradcheck.hpp"
#include "selfsup/errors.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;
using selfsup::testing::random_input;

namespace {

// Mean and biased variance of channel c over the batch and spatial positions.
std::pair<double, double> channel_stats(const Tensor& tensor, int64_t c) {
    const int64_t channels = tensor.dim(1);
    const int64_t spatial = tensor.numel() / (tensor.dim(0) * channels);
    double total = 0.0, squares = 0.0;
    for (int64_t n = 0; n < tensor.dim(0); ++n) {
        for (int64_t i = 0; i < spatial; ++i) {
            const double value = tensor.data()[(n * channels + c) * spatial + i];
            total += value;
            squares += value * value;
        }
    }
    const double count = static_cast<double>(tensor.dim(0) * spatial);
    const double mean = total / count;
    return {mean, squares / count - mean * mean};
}

struct BatchNormState {
    Tensor gamma;
    Tensor beta;
    Tensor running_mean;
    Tensor running_var;
};

BatchNormState random_state(int64_t channels, Rng& rng) {
    BatchNormState state{random_input({channels}, rng, 0.5f, 1.5f), random_input({channels}, rng),
                         random_input({channels}, rng).detach(),
                         random_input({channels}, rng, 0.5f, 2.0f).detach()};
    return state;
}

}  // namespace

TEST_CASE("batch norm in training gives each channel mean zero and variance one",
          "[ops][normalization]") {
    Rng rng(51);
    const Shape shape = GENERATE(Shape{8, 3}, Shape{2, 4, 5, 7});
    const int64_t channels = shape[1];
    const Tensor src = random_input(shape, rng, -3.0f, 5.0f);
    Tensor gamma = Tensor::full({channels}, 1.0f);
    Tensor beta = Tensor::zeros({channels});
    Tensor running_mean = Tensor::zeros({channels});
    Tensor running_var = Tensor::full({channels}, 1.0f);
    const Tensor dst = ops::batch_norm(src, gamma, beta, running_mean, running_var);
    REQUIRE(dst.shape() == shape);
    for (int64_t c = 0; c < channels; ++c) {
        const auto [mean, variance] = channel_stats(dst, c);
        CHECK(mean == Approx(0.0).margin(1e-5));
        CHECK(variance == Approx(1.0).epsilon(1e-3));
    }
}

TEST_CASE("batch norm in training applies gamma and beta after normalising",
          "[ops][normalization]") {
    const Tensor src = Tensor::from_vector({4, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
    Tensor gamma = Tensor::from_vector({2}, {2.0f, -1.0f});
    Tensor beta = Tensor::from_vector({2}, {0.5f, 3.0f});
    Tensor running_mean = Tensor::zeros({2});
    Tensor running_var = Tensor::full({2}, 1.0f);
    const Tensor dst = ops::batch_norm(src, gamma, beta, running_mean, running_var);
    // Channel 0 is 1..4: mean 2.5, biased variance 1.25.
    const float x_hat = (1.0f - 2.5f) / std::sqrt(1.25f + 1e-5f);
    CHECK(dst.data()[0] == Approx(2.0f * x_hat + 0.5f));
    CHECK(dst.data()[1] == Approx(-1.0f * x_hat + 3.0f));
}

TEST_CASE("batch norm training moves the running statistics by the momentum",
          "[ops][normalization]") {
    const Tensor src = Tensor::from_vector({4, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
    Tensor gamma = Tensor::full({2}, 1.0f);
    Tensor beta = Tensor::zeros({2});
    Tensor running_mean = Tensor::from_vector({2}, {1.0f, -1.0f});
    Tensor running_var = Tensor::from_vector({2}, {2.0f, 0.5f});
    ops::batch_norm(src, gamma, beta, running_mean, running_var, {.momentum = 0.25f});
    // Batch means 2.5 and 25; unbiased variances 5/3 and 500/3.
    CHECK(running_mean.data()[0] == Approx(0.75f * 1.0f + 0.25f * 2.5f));
    CHECK(running_mean.data()[1] == Approx(0.75f * -1.0f + 0.25f * 25.0f));
    CHECK(running_var.data()[0] == Approx(0.75f * 2.0f + 0.25f * 5.0f / 3.0f));
    CHECK(running_var.data()[1] == Approx(0.75f * 0.5f + 0.25f * 500.0f / 3.0f));
}

TEST_CASE("batch norm in evaluation uses the running statistics and leaves them alone",
          "[ops][normalization]") {
    Rng rng(52);
    const Shape shape = GENERATE(Shape{1, 3}, Shape{2, 3, 5, 7});
    const Tensor src = random_input(shape, rng);
    BatchNormState state = random_state(3, rng);
    const std::vector<float> mean_before = state.running_mean.to_vector();
    const ops::BatchNormOptions options{.training = false};
    const Tensor dst = ops::batch_norm(src, state.gamma, state.beta, state.running_mean,
                                       state.running_var, options);
    const int64_t spatial = src.numel() / (shape[0] * 3);
    for (int64_t i = 0; i < src.numel(); ++i) {
        const int64_t c = (i / spatial) % 3;
        const float expected = state.gamma.data()[c] *
                                   (src.data()[i] - state.running_mean.data()[c]) /
                                   std::sqrt(state.running_var.data()[c] + options.eps) +
                               state.beta.data()[c];
        CHECK(dst.data()[i] == Approx(expected).margin(1e-5));
    }
    CHECK(state.running_mean.to_vector() == mean_before);
}

TEST_CASE("batch norm gradients match finite differences in training and evaluation",
          "[ops][normalization][grad]") {
    Rng rng(53);
    const Shape shape = GENERATE(Shape{4, 3}, Shape{1, 3, 5, 7}, Shape{2, 2, 3, 3});
    const bool training = GENERATE(true, false);
    CAPTURE(training);
    Tensor src = random_input(shape, rng);
    BatchNormState state = random_state(shape[1], rng);
    const ops::BatchNormOptions options{.training = training};
    CHECK(gradient_mismatch(
              [&state, options](auto& s) {
                  return ops::batch_norm(s[0], s[1], s[2], state.running_mean, state.running_var,
                                         options);
              },
              {src, state.gamma, state.beta}) == "");
}

TEST_CASE("batch norm with per-channel tensors of the wrong size names both shapes",
          "[ops][normalization]") {
    const Tensor src = Tensor::zeros({2, 3});
    Tensor running_mean = Tensor::zeros({3});
    Tensor running_var = Tensor::full({3}, 1.0f);
    const Tensor gamma = Tensor::full({4}, 1.0f);
    const Tensor beta = Tensor::zeros({3});
    CHECK_THROWS_AS(ops::batch_norm(src, gamma, beta, running_mean, running_var), ShapeError);
    CHECK_THROWS_WITH(ops::batch_norm(src, gamma, beta, running_mean, running_var),
                      Catch::Contains("batch_norm") && Catch::Contains("gamma") &&
                          Catch::Contains("[4]") && Catch::Contains("[2, 3]"));
    Tensor short_var = Tensor::full({2}, 1.0f);
    CHECK_THROWS_WITH(ops::batch_norm(src, beta, beta, running_mean, short_var),
                      Catch::Contains("running_var") && Catch::Contains("[2]"));
    CHECK_THROWS_WITH(
        ops::batch_norm(Tensor::zeros({2, 3, 4}), beta, beta, running_mean, running_var),
        Catch::Contains("batch_norm") && Catch::Contains("[2, 3, 4]"));
}

TEST_CASE("batch norm training with one value per channel is refused", "[ops][normalization]") {
    const Tensor src = Tensor::zeros({1, 3});
    Tensor running_mean = Tensor::zeros({3});
    Tensor running_var = Tensor::full({3}, 1.0f);
    const Tensor gamma = Tensor::full({3}, 1.0f);
    CHECK_THROWS_WITH(ops::batch_norm(src, gamma, gamma, running_mean, running_var),
                      Catch::Contains("batch_norm") && Catch::Contains("[1, 3]"));
}

TEST_CASE("dropout zeroes about p of the elements and scales the rest", "[ops][normalization]") {
    Rng rng(54);
    const Tensor src = Tensor::full({100, 100}, 2.0f);
    const Tensor dst = ops::dropout(src, 0.3f, true, rng);
    int64_t dropped = 0;
    for (float value : dst.to_vector()) {
        if (value == 0.0f) {
            ++dropped;
        } else {
            CHECK(value == Approx(2.0f / 0.7f));
        }
    }
    CHECK(dropped == Approx(3000).margin(200));
}

TEST_CASE("dropout with p zero or in evaluation returns src unchanged", "[ops][normalization]") {
    Rng rng(55);
    const Tensor src = Tensor::from_vector({3}, {1.0f, 2.0f, 3.0f});
    CHECK(ops::dropout(src, 0.0f, true, rng).id() == src.id());
    CHECK(ops::dropout(src, 0.5f, false, rng).id() == src.id());
}

TEST_CASE("dropout's gradient is its mask", "[ops][normalization][grad]") {
    Rng rng(56);
    const Shape shape = GENERATE(Shape{1, 5}, Shape{2, 3, 5, 7});
    Tensor src = random_input(shape, rng);
    // A fresh generator per call draws the same mask every time.
    CHECK(gradient_mismatch(
              [](auto& s) {
                  Rng mask_rng(9);
                  return ops::dropout(s[0], 0.4f, true, mask_rng);
              },
              {src}) == "");
}

TEST_CASE("dropout with p below 0 or at least 1 is a numerical error", "[ops][normalization]") {
    Rng rng(57);
    const Tensor src = Tensor::zeros({2});
    CHECK_THROWS_AS(ops::dropout(src, 1.0f, true, rng), NumericalError);
    CHECK_THROWS_WITH(ops::dropout(src, -0.1f, true, rng), Catch::Contains("dropout"));
    CHECK_THROWS_AS(ops::dropout(src, std::nanf(""), false, rng), NumericalError);
}
