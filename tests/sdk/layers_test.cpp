#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/init.hpp"
#include "selfsup/layers.hpp"

using namespace selfsup;

namespace {

struct Stats {
    double mean = 0.0;
    double stddev = 0.0;
    float min = 0.0f;
    float max = 0.0f;
};

Stats stats_of(const Tensor& tensor) {
    const std::vector<float> values = tensor.to_vector();
    Stats stats;
    for (const float value : values) stats.mean += value;
    stats.mean /= static_cast<double>(values.size());
    for (const float value : values) stats.stddev += (value - stats.mean) * (value - stats.mean);
    stats.stddev = std::sqrt(stats.stddev / static_cast<double>(values.size()));
    stats.min = *std::min_element(values.begin(), values.end());
    stats.max = *std::max_element(values.begin(), values.end());
    return stats;
}

// Uniform in +-bound: inside it, and reaching close to both ends.
void check_uniform_within(const Tensor& tensor, double bound) {
    const Stats stats = stats_of(tensor);
    CHECK(stats.min >= -bound);
    CHECK(stats.max <= bound);
    CHECK(stats.min < -0.95 * bound);
    CHECK(stats.max > 0.95 * bound);
}

// Small tensors (biases) are only checked against the bound: too few
// draws to be sure of reaching its ends.
void check_within(const Tensor& tensor, double bound) {
    const Stats stats = stats_of(tensor);
    CHECK(stats.min >= -bound);
    CHECK(stats.max <= bound);
}

Tensor random_tensor(const Shape& shape, Rng& rng) {
    Tensor tensor = Tensor::empty(shape);
    init::uniform(tensor, rng, -1.0f, 1.0f);
    return tensor;
}

}  // namespace

TEST_CASE("kaiming uniform stays within gain * sqrt(3 / fan_in)", "[module][init]") {
    Rng rng(1);
    Tensor weights = Tensor::empty({64, 32, 3, 3});
    init::kaiming_uniform(weights, rng);
    check_uniform_within(weights, std::sqrt(2.0) * std::sqrt(3.0 / (32 * 9)));
}

TEST_CASE("kaiming normal has std gain / sqrt(fan_in)", "[module][init]") {
    Rng rng(2);
    Tensor weights = Tensor::empty({400, 250});
    init::kaiming_normal(weights, rng);
    const Stats stats = stats_of(weights);
    CHECK(stats.mean == Approx(0.0).margin(0.002));
    CHECK(stats.stddev == Approx(std::sqrt(2.0 / 250)).epsilon(0.01));
}

TEST_CASE("xavier uniform stays within gain * sqrt(6 / (fan_in + fan_out))", "[module][init]") {
    Rng rng(3);
    Tensor weights = Tensor::empty({300, 500});
    init::xavier_uniform(weights, rng, 0.5f);
    check_uniform_within(weights, 0.5 * std::sqrt(6.0 / 800));
}

TEST_CASE("xavier normal has std gain * sqrt(2 / (fan_in + fan_out))", "[module][init]") {
    Rng rng(4);
    Tensor weights = Tensor::empty({128, 64, 3, 3});
    init::xavier_normal(weights, rng);
    const Stats stats = stats_of(weights);
    CHECK(stats.mean == Approx(0.0).margin(0.001));
    CHECK(stats.stddev == Approx(std::sqrt(2.0 / ((64 + 128) * 9))).epsilon(0.01));
}

TEST_CASE("fan-based initialisers reject tensors without fans", "[module][init]") {
    Rng rng(5);
    Tensor bias = Tensor::empty({10});
    CHECK_THROWS_AS(init::kaiming_uniform(bias, rng), ShapeError);
    CHECK_THROWS_WITH(init::xavier_normal(bias, rng),
                      Catch::Contains("xavier_normal") && Catch::Contains("[10]"));
}

TEST_CASE("zeros and fill set every element", "[module][init]") {
    Tensor tensor = Tensor::empty({3, 5});
    init::fill(tensor, 2.5f);
    CHECK(tensor.to_vector() == std::vector<float>(15, 2.5f));
    init::zeros(tensor);
    CHECK(tensor.to_vector() == std::vector<float>(15, 0.0f));
}

TEST_CASE("layers draw weights and bias within 1/sqrt(fan_in) like PyTorch", "[module][init]") {
    Rng rng(6);
    Linear linear(400, 300, rng);
    check_uniform_within(linear.weight(), 1.0 / std::sqrt(400.0));
    check_within(linear.bias(), 1.0 / std::sqrt(400.0));

    Conv2d conv(32, 64, 3, rng);
    check_uniform_within(conv.weight(), 1.0 / std::sqrt(32.0 * 9));
    check_within(conv.bias(), 1.0 / std::sqrt(32.0 * 9));

    // PyTorch's fan_in for a transposed convolution is out_channels * k * k.
    ConvTranspose2d deconv(64, 32, 3, rng);
    CHECK(deconv.weight().shape() == Shape{32, 64, 3, 3});
    check_uniform_within(deconv.weight(), 1.0 / std::sqrt(32.0 * 9));
    check_within(deconv.bias(), 1.0 / std::sqrt(32.0 * 9));
}

TEST_CASE("one seed gives one network", "[module][init]") {
    Rng first(7);
    Rng second(7);
    Rng other(8);
    CHECK(Linear(20, 10, first).weight().to_vector() ==
          Linear(20, 10, second).weight().to_vector());
    CHECK(Linear(20, 10, first).weight().to_vector() !=
          Linear(20, 10, other).weight().to_vector());
}

TEST_CASE("a layer without bias has only its weight", "[module]") {
    Rng rng(9);
    Linear linear(4, 3, rng, false);
    CHECK(linear.named_parameters().size() == 1);
    CHECK_FALSE(linear.bias().defined());
    const Tensor dst = linear(Tensor::full({2, 4}, 1.0f));
    const std::vector<float> weights = linear.weight().to_vector();
    for (int64_t o = 0; o < 3; ++o) {
        const float expected = weights[o * 4] + weights[o * 4 + 1] + weights[o * 4 + 2] +
                               weights[o * 4 + 3];
        CHECK(dst.data()[o] == Approx(expected).margin(1e-6));
    }
}

TEST_CASE("linear computes src times weights transposed plus bias", "[module]") {
    Rng rng(10);
    Linear linear(5, 3, rng);
    const Tensor src = random_tensor({2, 5}, rng);
    const Tensor dst = linear(src);
    REQUIRE(dst.shape() == Shape{2, 3});
    for (int64_t n = 0; n < 2; ++n) {
        for (int64_t o = 0; o < 3; ++o) {
            double expected = linear.bias().data()[o];
            for (int64_t i = 0; i < 5; ++i) {
                expected += src.data()[n * 5 + i] * linear.weight().data()[o * 5 + i];
            }
            CHECK(dst.data()[n * 3 + o] == Approx(expected).margin(1e-5));
        }
    }
}

TEST_CASE("convolution layers give the expected output sizes", "[module]") {
    Rng rng(11);
    const Tensor src = random_tensor({2, 3, 7, 7}, rng);
    CHECK(Conv2d(3, 5, 3, rng)(src).shape() == Shape{2, 5, 5, 5});
    CHECK(Conv2d(3, 5, 3, rng, {2, 1})(src).shape() == Shape{2, 5, 4, 4});
    ConvTranspose2d deconv(3, 4, 3, rng, {2, 1, 1});
    CHECK(deconv(src).shape() == Shape{2, 4, 14, 14});
}

TEST_CASE("conv2d layer with a 1x1 kernel mixes channels by its weights", "[module]") {
    Rng rng(12);
    Conv2d conv(2, 1, 1, rng);
    const Tensor src = random_tensor({1, 2, 3, 3}, rng);
    const Tensor dst = conv(src);
    const float* w = conv.weight().data();
    for (int64_t p = 0; p < 9; ++p) {
        const float expected = w[0] * src.data()[p] + w[1] * src.data()[9 + p] +
                               conv.bias().data()[0];
        CHECK(dst.data()[p] == Approx(expected).margin(1e-5));
    }
}

TEST_CASE("batch norm layer normalises in training and uses running stats in eval",
          "[module]") {
    Rng rng(13);
    BatchNorm2d norm(2, 0.5f);
    const Tensor src = random_tensor({4, 2, 3, 3}, rng);
    const Tensor dst = norm(src);
    // Each channel of the result has mean 0 and variance 1.
    for (int64_t c = 0; c < 2; ++c) {
        double sum = 0.0;
        double squares = 0.0;
        for (int64_t n = 0; n < 4; ++n) {
            for (int64_t p = 0; p < 9; ++p) {
                const double value = dst.data()[(n * 2 + c) * 9 + p];
                sum += value;
                squares += value * value;
            }
        }
        CHECK(sum / 36 == Approx(0.0).margin(1e-5));
        CHECK(squares / 36 == Approx(1.0).epsilon(1e-3));
    }
    std::vector<NamedTensor> buffers = norm.named_buffers();
    REQUIRE(buffers.size() == 2);
    CHECK(buffers[0].tensor.to_vector() != std::vector<float>{0.0f, 0.0f});

    // In eval, with mean 0 and variance 1 set, it is the identity.
    norm.eval();
    init::zeros(buffers[0].tensor);
    init::fill(buffers[1].tensor, 1.0f - 1e-5f);
    const Tensor same = norm(src);
    for (int64_t i = 0; i < src.numel(); ++i) {
        CHECK(same.data()[i] == Approx(src.data()[i]).margin(1e-5));
    }
}

TEST_CASE("dropout layer is the identity in eval and drops in training", "[module]") {
    Dropout dropout(0.5f, 42);
    const Tensor src = Tensor::full({1000}, 1.0f);
    const std::vector<float> trained = dropout(src).to_vector();
    const auto zeros = std::count(trained.begin(), trained.end(), 0.0f);
    CHECK(zeros > 400);
    CHECK(zeros < 600);
    CHECK(std::count(trained.begin(), trained.end(), 2.0f) == 1000 - zeros);
    dropout.eval();
    CHECK(dropout(src).to_vector() == src.to_vector());
    CHECK_THROWS_AS(Dropout(1.0f, 1), NumericalError);
}

TEST_CASE("activation layers apply their function", "[module]") {
    const Tensor src = Tensor::from_vector({2}, {-1.0f, 2.0f});
    CHECK(ActivationLayer(Activation::kRelu)(src).to_vector() == std::vector<float>{0.0f, 2.0f});
    CHECK(ActivationLayer(Activation::kLeakyRelu, 0.1f)(src).data()[0] == Approx(-0.1f));
    CHECK(ActivationLayer(Activation::kElu, 1.0f)(src).data()[0] == Approx(std::exp(-1.0f) - 1));
    CHECK(ActivationLayer(Activation::kSigmoid)(src).data()[1] ==
          Approx(1.0f / (1.0f + std::exp(-2.0f))));
    CHECK(ActivationLayer(Activation::kTanh)(src).data()[1] == Approx(std::tanh(2.0f)));
    CHECK(ActivationLayer(Activation::kGelu)(src).data()[1] ==
          Approx(1.0f * (1.0f + std::erf(2.0f / std::sqrt(2.0f)))));
}

TEST_CASE("pooling and upsampling layers resize the spatial axes", "[module]") {
    Rng rng(14);
    const Tensor src = random_tensor({2, 3, 8, 8}, rng);
    CHECK(MaxPool2d({2})(src).shape() == Shape{2, 3, 4, 4});
    CHECK(AvgPool2d({3, 1, 1})(src).shape() == Shape{2, 3, 8, 8});
    CHECK(Upsample(2, ops::UpsampleMode::kNearest)(src).shape() == Shape{2, 3, 16, 16});
}

TEST_CASE("flatten and reshape layers keep the batch dimension", "[module]") {
    Rng rng(15);
    const Tensor src = random_tensor({2, 3, 4, 4}, rng);
    const Tensor flat = Flatten()(src);
    CHECK(flat.shape() == Shape{2, 48});
    CHECK(flat.shares_storage_with(src));
    CHECK(Reshape({3, 16})(src).shape() == Shape{2, 3, 16});
    CHECK_THROWS_AS(Reshape({5, 5})(src), ShapeError);
    CHECK_THROWS_WITH(Reshape({5, 5})(src),
                      Catch::Contains("[2, 3, 4, 4]") && Catch::Contains("[2, 5, 5]"));
    CHECK_THROWS_AS(Reshape({1, 2, 3, 4}), ShapeError);
}

TEST_CASE("layers reject non-positive sizes", "[module]") {
    Rng rng(16);
    CHECK_THROWS_AS(Linear(0, 3, rng), ShapeError);
    CHECK_THROWS_WITH(Conv2d(3, 4, 0, rng), Catch::Contains("Conv2d") && Catch::Contains("kernel"));
}
