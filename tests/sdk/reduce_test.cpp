#include "selfsup/ops/reduce.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "gradcheck.hpp"
#include "selfsup/errors.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;
using selfsup::testing::random_input;

TEST_CASE("sum and mean reduce every element to a scalar", "[ops][reduce]") {
    const Tensor src = Tensor::from_vector({2, 3}, {1.0f, 2.0f, 3.0f, 4.0f, -5.0f, 0.5f});
    CHECK(ops::sum(src).shape() == Shape{});
    CHECK(ops::sum(src).item() == 5.5f);
    CHECK(ops::mean(src).item() == Approx(5.5f / 6.0f));
}

TEST_CASE("sum of many elements is accurate and the same on every call", "[ops][reduce]") {
    Rng rng(31);
    const Tensor src = random_input({300007}, rng).detach();
    double reference = 0.0;
    for (float value : src.to_vector()) reference += value;
    const float first = ops::sum(src).item();
    CHECK(first == Approx(reference).margin(1e-3));
    CHECK(ops::sum(src).item() == first);
    CHECK(ops::mean(src).item() == Approx(reference / 300007).margin(1e-8));
}

TEST_CASE("sum along an axis keeps that axis with size one", "[ops][reduce]") {
    Rng rng(32);
    const Tensor src = random_input({2, 3, 4}, rng).detach();
    const int axis = GENERATE(0, 1, 2, -1);
    const int resolved = axis < 0 ? axis + 3 : axis;
    const Tensor dst = ops::sum(src, axis);
    Shape expected_shape{2, 3, 4};
    expected_shape[resolved] = 1;
    REQUIRE(dst.shape() == expected_shape);
    for (int64_t a = 0; a < expected_shape[0]; ++a) {
        for (int64_t b = 0; b < expected_shape[1]; ++b) {
            for (int64_t c = 0; c < expected_shape[2]; ++c) {
                double reference = 0.0;
                for (int64_t k = 0; k < src.dim(resolved); ++k) {
                    int64_t index[3] = {a, b, c};
                    index[resolved] = k;
                    reference += src.data()[(index[0] * 3 + index[1]) * 4 + index[2]];
                }
                CHECK(dst.data()[(a * expected_shape[1] + b) * expected_shape[2] + c] ==
                      Approx(reference).margin(1e-6));
            }
        }
    }
}

TEST_CASE("l2_normalize makes unit vectors along the axis", "[ops][reduce]") {
    const Tensor src = Tensor::from_vector({2, 2}, {3.0f, 4.0f, 0.0f, -2.0f});
    CHECK(ops::l2_normalize(src).to_vector() == std::vector<float>{0.6f, 0.8f, 0.0f, -1.0f});
    const std::vector<float> columns = ops::l2_normalize(src, 0).to_vector();
    CHECK(columns[0] == 1.0f);
    CHECK(columns[1] == Approx(4.0f / std::sqrt(20.0f)));
    CHECK(columns[3] == Approx(-2.0f / std::sqrt(20.0f)));
}

TEST_CASE("l2_normalize leaves a zero vector at zero", "[ops][reduce]") {
    const Tensor src = Tensor::zeros({1, 4});
    CHECK(ops::l2_normalize(src).to_vector() == std::vector<float>(4, 0.0f));
}

TEST_CASE("l2_normalize over channels of an image batch gives unit norms", "[ops][reduce]") {
    Rng rng(33);
    const Tensor dst = ops::l2_normalize(random_input({2, 3, 5, 7}, rng), 1);
    for (int64_t n = 0; n < 2; ++n) {
        for (int64_t pixel = 0; pixel < 35; ++pixel) {
            double norm = 0.0;
            for (int64_t c = 0; c < 3; ++c) {
                const float value = dst.data()[(n * 3 + c) * 35 + pixel];
                norm += value * value;
            }
            CHECK(std::sqrt(norm) == Approx(1.0).epsilon(1e-5));
        }
    }
}

TEST_CASE("reduction gradients match finite differences", "[ops][reduce][grad]") {
    Rng rng(34);
    const Shape shape = GENERATE(Shape{7}, Shape{1, 5}, Shape{4, 3}, Shape{2, 3, 5, 7});
    // Elements at least 0.5 from zero keep every norm large enough that 1 / norm
    // is smooth over the finite-difference step.
    Tensor src = testing::random_input_away_from_zero(shape, rng, 0.5f);
    CHECK(gradient_mismatch([](auto& s) { return ops::sum(s[0]); }, {src}) == "");
    CHECK(gradient_mismatch([](auto& s) { return ops::mean(s[0]); }, {src}) == "");
    for (int axis = 0; axis < shape.rank(); ++axis) {
        CAPTURE(axis);
        CHECK(gradient_mismatch([axis](auto& s) { return ops::sum(s[0], axis); }, {src}) == "");
        CHECK(gradient_mismatch([axis](auto& s) { return ops::l2_normalize(s[0], axis); }, {src}) ==
              "");
    }
}

TEST_CASE("l2_normalize's gradient below eps is that of a division by eps", "[ops][reduce][grad]") {
    // With eps 1 the norm of (0.1, -0.2) is clamped, so the op is src / 1.
    Tensor src = Tensor::from_vector({1, 2}, {0.1f, -0.2f});
    src.set_requires_grad(true);
    CHECK(gradient_mismatch([](auto& s) { return ops::l2_normalize(s[0], 1, 1.0f); }, {src}) == "");
}

TEST_CASE("reductions along a missing axis name the op and the shape", "[ops][reduce]") {
    const Tensor src = Tensor::zeros({2, 3});
    CHECK_THROWS_AS(ops::sum(src, 2), ShapeError);
    CHECK_THROWS_WITH(ops::sum(src, 2), Catch::Contains("sum") && Catch::Contains("[2, 3]"));
    CHECK_THROWS_WITH(ops::l2_normalize(src, -3),
                      Catch::Contains("l2_normalize") && Catch::Contains("[2, 3]"));
    CHECK_THROWS_AS(ops::l2_normalize(src, 1, 0.0f), NumericalError);
}
