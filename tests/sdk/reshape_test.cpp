#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/ops/reshape.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;

TEST_CASE("reshape is a view that keeps the elements in order", "[ops][reshape]") {
    const Tensor src = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor dst = ops::reshape(src, {3, 2});
    CHECK(dst.shape() == Shape{3, 2});
    CHECK(dst.to_vector() == src.to_vector());
    CHECK(dst.shares_storage_with(src));
}

TEST_CASE("flatten keeps the batch and joins the rest", "[ops][reshape]") {
    const Tensor src = Tensor::zeros({4, 2, 3, 5});
    CHECK(ops::flatten(src).shape() == Shape{4, 30});
    CHECK(ops::flatten(Tensor::zeros({1, 7})).shape() == Shape{1, 7});
}

TEST_CASE("reshape and flatten gradients match finite differences", "[ops][reshape][grad]") {
    Rng rng(3);
    const Shape shape = GENERATE(Shape{1, 3, 5, 5}, Shape{2, 2, 3, 1}, Shape{6, 4});
    Tensor src = selfsup::testing::random_input(shape, rng);
    CHECK(gradient_mismatch([](auto& s) { return ops::flatten(s[0]); }, {src}) == "");
    CHECK(gradient_mismatch(
              [](auto& s) { return ops::reshape(s[0], Shape{s[0].numel()}); }, {src}) == "");
}

TEST_CASE("reshape to another element count names both shapes", "[ops][reshape]") {
    const Tensor src = Tensor::zeros({2, 3});
    CHECK_THROWS_AS(ops::reshape(src, {4, 2}), ShapeError);
    CHECK_THROWS_WITH(ops::reshape(src, {4, 2}),
                      Catch::Contains("reshape") && Catch::Contains("[2, 3]") &&
                          Catch::Contains("[4, 2]"));
    CHECK_THROWS_WITH(ops::flatten(Tensor::scalar(1.0f)), Catch::Contains("flatten"));
}
