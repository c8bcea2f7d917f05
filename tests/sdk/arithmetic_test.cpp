#include "selfsup/ops/arithmetic.hpp"

#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/ops/reduce.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;
using selfsup::testing::random_input;

TEST_CASE("add, subtract and multiply work element by element", "[ops][arithmetic]") {
    const Tensor lhs = Tensor::from_vector({2, 2}, {1.0f, -2.0f, 3.5f, 0.0f});
    const Tensor rhs = Tensor::from_vector({2, 2}, {0.5f, 4.0f, -1.5f, 2.0f});
    CHECK(ops::add(lhs, rhs).to_vector() == std::vector<float>{1.5f, 2.0f, 2.0f, 2.0f});
    CHECK(ops::subtract(lhs, rhs).to_vector() == std::vector<float>{0.5f, -6.0f, 5.0f, -2.0f});
    CHECK(ops::multiply(lhs, rhs).to_vector() == std::vector<float>{0.5f, -8.0f, -5.25f, 0.0f});
    CHECK(ops::add(lhs, rhs).shape() == Shape{2, 2});
}

TEST_CASE("scale multiplies by a factor and adds an offset", "[ops][arithmetic]") {
    const Tensor src = Tensor::from_vector({3}, {1.0f, -2.0f, 0.25f});
    CHECK(ops::scale(src, 2.0f).to_vector() == std::vector<float>{2.0f, -4.0f, 0.5f});
    CHECK(ops::scale(src, -0.5f, 1.0f).to_vector() == std::vector<float>{0.5f, 2.0f, 0.875f});
}

TEST_CASE("scale keeps factors that differ only in late digits apart", "[ops][arithmetic]") {
    const Tensor src = Tensor::full({4}, 1.0f);
    CHECK(ops::scale(src, 1e-7f).data()[0] == Approx(1e-7f).epsilon(1e-6));
    CHECK(ops::scale(src, 2e-7f).data()[0] == Approx(2e-7f).epsilon(1e-6));
}

TEST_CASE("arithmetic works on scalars", "[ops][arithmetic]") {
    const Tensor product = ops::multiply(Tensor::scalar(3.0f), Tensor::scalar(-2.0f));
    CHECK(product.shape() == Shape{});
    CHECK(product.item() == -6.0f);
}

TEST_CASE("every arithmetic op's gradient matches finite differences", "[ops][arithmetic][grad]") {
    Rng rng(11);
    const Shape shape = GENERATE(Shape{}, Shape{7}, Shape{1, 3}, Shape{2, 3, 5, 7});
    Tensor lhs = random_input(shape, rng);
    Tensor rhs = random_input(shape, rng);
    CHECK(gradient_mismatch([](auto& s) { return ops::add(s[0], s[1]); }, {lhs, rhs}) == "");
    CHECK(gradient_mismatch([](auto& s) { return ops::subtract(s[0], s[1]); }, {lhs, rhs}) == "");
    CHECK(gradient_mismatch([](auto& s) { return ops::multiply(s[0], s[1]); }, {lhs, rhs}) == "");
    CHECK(gradient_mismatch([](auto& s) { return ops::scale(s[0], -1.5f, 0.5f); }, {lhs}) == "");
}

TEST_CASE("multiply's gradient reaches only the operands that want one",
          "[ops][arithmetic][grad]") {
    Rng rng(12);
    Tensor lhs = random_input({2, 3}, rng);
    const Tensor rhs = random_input({2, 3}, rng).set_requires_grad(false);
    CHECK(gradient_mismatch([](auto& s) { return ops::multiply(s[0], s[1]); }, {lhs, rhs}) == "");
    CHECK_FALSE(rhs.grad().defined());
}

TEST_CASE("a tensor used as both operands gets both gradients", "[ops][arithmetic][grad]") {
    Tensor src = Tensor::from_vector({3}, {1.0f, -2.0f, 0.5f});
    src.set_requires_grad(true);
    // The gradient of the sum of x * x + 3x is 2x + 3.
    ops::sum(ops::add(ops::multiply(src, src), ops::scale(src, 3.0f))).backward();
    CHECK(src.grad().to_vector() == std::vector<float>{5.0f, -1.0f, 4.0f});
}

TEST_CASE("arithmetic on different shapes names the op and both shapes", "[ops][arithmetic]") {
    const Tensor lhs = Tensor::zeros({2, 3});
    const Tensor rhs = Tensor::zeros({3, 2});
    CHECK_THROWS_AS(ops::add(lhs, rhs), ShapeError);
    CHECK_THROWS_WITH(ops::add(lhs, rhs), Catch::Contains("add") && Catch::Contains("[2, 3]") &&
                                              Catch::Contains("[3, 2]"));
    CHECK_THROWS_WITH(ops::subtract(lhs, rhs), Catch::Contains("subtract"));
    CHECK_THROWS_WITH(ops::multiply(lhs, rhs), Catch::Contains("multiply"));
}
