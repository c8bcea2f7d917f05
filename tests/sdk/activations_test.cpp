#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "selfsup/ops/activations.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;

namespace {

Tensor one_input(const std::vector<Tensor>& srcs, Tensor (*op)(const Tensor&)) {
    return op(srcs[0]);
}

}  // namespace

TEST_CASE("relu zeroes negatives and keeps positives", "[ops][activations]") {
    const Tensor src = Tensor::from_vector({4}, {-2.0f, -0.5f, 0.5f, 3.0f});
    CHECK(ops::relu(src).to_vector() == std::vector<float>{0.0f, 0.0f, 0.5f, 3.0f});
}

TEST_CASE("leaky relu scales negatives by the slope", "[ops][activations]") {
    const Tensor src = Tensor::from_vector({2}, {-2.0f, 3.0f});
    const std::vector<float> dst = ops::leaky_relu(src, 0.1f).to_vector();
    CHECK(dst[0] == Approx(-0.2f));
    CHECK(dst[1] == Approx(3.0f));
}

TEST_CASE("sigmoid, tanh, elu and gelu match their formulas", "[ops][activations]") {
    const Tensor src = Tensor::from_vector({3}, {-1.5f, 0.0f, 2.0f});
    for (int64_t i = 0; i < 3; ++i) {
        const float x = src.data()[i];
        CHECK(ops::sigmoid(src).data()[i] == Approx(1.0f / (1.0f + std::exp(-x))).margin(1e-6));
        CHECK(ops::tanh(src).data()[i] == Approx(std::tanh(x)).margin(1e-6));
        CHECK(ops::elu(src, 0.5f).data()[i] ==
              Approx(x > 0 ? x : 0.5f * (std::exp(x) - 1.0f)).margin(1e-6));
        CHECK(ops::gelu(src).data()[i] ==
              Approx(0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)))).margin(1e-5));
    }
}

TEST_CASE("every activation's gradient matches finite differences", "[ops][activations][grad]") {
    Rng rng(7);
    const Shape shape = GENERATE(Shape{1, 3}, Shape{2, 3, 5, 5}, Shape{7});
    Tensor src = selfsup::testing::random_input_away_from_zero(shape, rng);
    CHECK(gradient_mismatch([](auto& s) { return one_input(s, ops::relu); }, {src}) == "");
    CHECK(gradient_mismatch([](auto& s) { return ops::leaky_relu(s[0], 0.2f); }, {src}) == "");
    CHECK(gradient_mismatch([](auto& s) { return ops::elu(s[0], 1.0f); }, {src}) == "");
    CHECK(gradient_mismatch([](auto& s) { return one_input(s, ops::gelu); }, {src}) == "");
    CHECK(gradient_mismatch([](auto& s) { return one_input(s, ops::sigmoid); }, {src}) == "");
    CHECK(gradient_mismatch([](auto& s) { return one_input(s, ops::tanh); }, {src}) == "");
}
