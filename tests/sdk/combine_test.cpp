#include "selfsup/ops/combine.hpp"

#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "selfsup/errors.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;
using selfsup::testing::random_input;

namespace {

Tensor counting(const Shape& shape, float first = 0.0f) {
    Tensor tensor = Tensor::empty(shape);
    for (int64_t i = 0; i < tensor.numel(); ++i) tensor.data()[i] = first + static_cast<float>(i);
    return tensor;
}

}  // namespace

TEST_CASE("concat along the first axis stacks the tensors", "[ops][combine]") {
    const Tensor dst = ops::concat({counting({1, 2}), counting({2, 2}, 10.0f)}, 0);
    CHECK(dst.shape() == Shape{3, 2});
    CHECK(dst.to_vector() == std::vector<float>{0, 1, 10, 11, 12, 13});
}

TEST_CASE("concat along an inner axis interleaves the rows", "[ops][combine]") {
    const Tensor lhs = counting({2, 1, 2});
    const Tensor rhs = counting({2, 2, 2}, 10.0f);
    const Tensor dst = ops::concat({lhs, rhs}, -2);
    CHECK(dst.shape() == Shape{2, 3, 2});
    CHECK(dst.to_vector() == std::vector<float>{0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17});
}

TEST_CASE("slice along the first axis is a view of the source", "[ops][combine]") {
    Tensor src = counting({4, 3});
    const Tensor dst = ops::slice(src, 0, 1, 2);
    CHECK(dst.shape() == Shape{2, 3});
    CHECK(dst.to_vector() == std::vector<float>{3, 4, 5, 6, 7, 8});
    CHECK(dst.shares_storage_with(src));
    src.data()[3] = -1.0f;
    CHECK(dst.data()[0] == -1.0f);
}

TEST_CASE("slice along another axis copies the range", "[ops][combine]") {
    const Tensor src = counting({2, 3, 2});
    const Tensor dst = ops::slice(src, 1, 1, 2);
    CHECK(dst.shape() == Shape{2, 2, 2});
    CHECK(dst.to_vector() == std::vector<float>{2, 3, 4, 5, 8, 9, 10, 11});
    CHECK_FALSE(dst.shares_storage_with(src));
    CHECK(ops::slice(src, -1, 1, 1).to_vector() == std::vector<float>{1, 3, 5, 7, 9, 11});
}

TEST_CASE("concat and slice gradients match finite differences", "[ops][combine][grad]") {
    Rng rng(21);
    const int axis = GENERATE(0, 1, 3);
    Shape lhs_shape{1, 3, 5, 7};
    Shape rhs_shape = lhs_shape;
    rhs_shape[axis] = 3;
    Tensor lhs = random_input(lhs_shape, rng);
    Tensor rhs = random_input(rhs_shape, rng);
    Tensor third = random_input(lhs_shape, rng);
    CHECK(gradient_mismatch(
              [axis](auto& s) {
                  return ops::concat({s[0], s[1], s[2]}, axis);
              },
              {lhs, rhs, third}) == "");
    CHECK(gradient_mismatch([axis](auto& s) { return ops::slice(s[0], axis, 1, 2); }, {rhs}) == "");
    CHECK(gradient_mismatch([axis](auto& s) { return ops::slice(s[0], axis, 0, 1); }, {lhs}) == "");
}

TEST_CASE("concat of matrices passes gradients to the inputs that want them",
          "[ops][combine][grad]") {
    Rng rng(22);
    Tensor lhs = random_input({4, 3}, rng);
    const Tensor rhs = random_input({4, 5}, rng).set_requires_grad(false);
    CHECK(gradient_mismatch(
              [](auto& s) {
                  return ops::concat({s[0], s[1]}, 1);
              },
              {lhs, rhs}) == "");
    CHECK_FALSE(rhs.grad().defined());
}

TEST_CASE("concat with disagreeing dimensions names both shapes", "[ops][combine]") {
    const Tensor lhs = Tensor::zeros({2, 3});
    const Tensor rhs = Tensor::zeros({2, 4});
    CHECK_THROWS_AS(ops::concat({lhs, rhs}, 0), ShapeError);
    CHECK_THROWS_WITH(ops::concat({lhs, rhs}, 0), Catch::Contains("concat") &&
                                                      Catch::Contains("[2, 3]") &&
                                                      Catch::Contains("[2, 4]"));
    CHECK_THROWS_WITH(ops::concat({lhs, Tensor::zeros({2, 3, 1})}, 1),
                      Catch::Contains("[2, 3, 1]"));
    CHECK_THROWS_AS(ops::concat({}, 0), ShapeError);
    CHECK_THROWS_WITH(ops::concat({lhs}, 2),
                      Catch::Contains("concat") && Catch::Contains("axis 2"));
}

TEST_CASE("slice out of range names the range and the shape", "[ops][combine]") {
    const Tensor src = Tensor::zeros({4, 3});
    CHECK_THROWS_AS(ops::slice(src, 0, 3, 2), ShapeError);
    CHECK_THROWS_WITH(ops::slice(src, 0, 3, 2),
                      Catch::Contains("slice") && Catch::Contains("[3, 5)") &&
                          Catch::Contains("[2, 3]") && Catch::Contains("[4, 3]"));
    CHECK_THROWS_AS(ops::slice(src, 1, -1, 1), ShapeError);
    CHECK_THROWS_AS(ops::slice(src, 2, 0, 1), ShapeError);
}
