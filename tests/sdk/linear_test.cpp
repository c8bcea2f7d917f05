#include "selfsup/ops/linear.hpp"

#include <catch2/catch.hpp>

#include "gradcheck.hpp"
#include "value_checks.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/runtime.hpp"

using namespace selfsup;
using selfsup::testing::check_close;
using selfsup::testing::total;
using selfsup::testing::gradient_mismatch;
using selfsup::testing::random_input;

namespace {

// dst[b, m, n] = sum over k of lhs[b, m, k] * rhs[b, k, n], or with rhs_transposed
// rhs[b, n, k]; `batch` is 1 for 2-D operands.
std::vector<float> direct_product(const Tensor& lhs, const Tensor& rhs, int64_t batch, int64_t m,
                                  int64_t k, int64_t n, bool rhs_transposed) {
    std::vector<float> dst;
    for (int64_t b = 0; b < batch; ++b) {
        for (int64_t row = 0; row < m; ++row) {
            for (int64_t col = 0; col < n; ++col) {
                double total = 0.0;
                for (int64_t i = 0; i < k; ++i) {
                    const float right = rhs_transposed ? rhs.data()[(b * n + col) * k + i]
                                                       : rhs.data()[(b * k + i) * n + col];
                    total += lhs.data()[(b * m + row) * k + i] * right;
                }
                dst.push_back(static_cast<float>(total));
            }
        }
    }
    return dst;
}

}  // namespace

TEST_CASE("linear matches a direct loop with and without bias", "[linear]") {
    Rng rng(3);
    for (const int64_t batch : {1, 5}) {
        const Tensor src = random_input({batch, 7}, rng);
        const Tensor weights = random_input({3, 7}, rng);
        const Tensor bias = random_input({3}, rng);
        std::vector<float> want = direct_product(src, weights, 1, batch, 7, 3, true);
        check_close(ops::linear(src, weights, Tensor()).to_vector(), want);
        for (size_t i = 0; i < want.size(); ++i) want[i] += bias.data()[i % 3];
        const Tensor dst = ops::linear(src, weights, bias);
        CHECK(dst.shape() == Shape{batch, 3});
        check_close(dst.to_vector(), want);
    }
}

TEST_CASE("matmul matches a direct loop in 2-D and batched 3-D", "[linear]") {
    Rng rng(5);
    const Tensor lhs = random_input({3, 5}, rng);
    const Tensor rhs = random_input({5, 4}, rng);
    const Tensor dst = ops::matmul(lhs, rhs);
    CHECK(dst.shape() == Shape{3, 4});
    check_close(dst.to_vector(), direct_product(lhs, rhs, 1, 3, 5, 4, false));

    const Tensor batched_lhs = random_input({2, 3, 5}, rng);
    const Tensor batched_rhs = random_input({2, 5, 1}, rng);
    const Tensor batched = ops::matmul(batched_lhs, batched_rhs);
    CHECK(batched.shape() == Shape{2, 3, 1});
    check_close(batched.to_vector(), direct_product(batched_lhs, batched_rhs, 2, 3, 5, 1, false));
}

TEST_CASE("linear gradients of src, weights and bias match finite differences", "[linear][grad]") {
    Rng rng(7);
    CHECK(gradient_mismatch([](auto& s) { return ops::linear(s[0], s[1], s[2]); },
                            {random_input({4, 6}, rng), random_input({3, 6}, rng),
                             random_input({3}, rng)}) == "");
    CHECK(gradient_mismatch([](auto& s) { return ops::linear(s[0], s[1], Tensor()); },
                            {random_input({1, 5}, rng), random_input({2, 5}, rng)}) == "");
    Tensor fixed_src = random_input({3, 4}, rng);
    fixed_src.set_requires_grad(false);
    CHECK(gradient_mismatch([](auto& s) { return ops::linear(s[0], s[1], s[2]); },
                            {fixed_src, random_input({2, 4}, rng), random_input({2}, rng)}) == "");
}

TEST_CASE("matmul gradients of both operands match finite differences", "[linear][grad]") {
    Rng rng(11);
    const auto op = [](auto& s) { return ops::matmul(s[0], s[1]); };
    CHECK(gradient_mismatch(op, {random_input({3, 5}, rng), random_input({5, 2}, rng)}) == "");
    CHECK(gradient_mismatch(op, {random_input({1, 4}, rng), random_input({4, 3}, rng)}) == "");
    CHECK(gradient_mismatch(op, {random_input({2, 3, 4}, rng), random_input({2, 4, 5}, rng)}) ==
          "");
    Tensor fixed_lhs = random_input({2, 3}, rng);
    fixed_lhs.set_requires_grad(false);
    CHECK(gradient_mismatch(op, {fixed_lhs, random_input({3, 2}, rng)}) == "");
}

TEST_CASE("linear and matmul name themselves and both shapes on bad input", "[linear]") {
    CHECK_THROWS_AS(ops::linear(Tensor::zeros({4, 6}), Tensor::zeros({3, 5}), Tensor()),
                    ShapeError);
    CHECK_THROWS_WITH(ops::linear(Tensor::zeros({4, 6}), Tensor::zeros({3, 5}), Tensor()),
                      Catch::Contains("linear") && Catch::Contains("[4, 6]") &&
                          Catch::Contains("[3, 5]") && Catch::Contains("6 features"));
    CHECK_THROWS_WITH(
        ops::linear(Tensor::zeros({4, 2, 3}), Tensor::zeros({3, 6}), Tensor()),
        Catch::Contains("linear") && Catch::Contains("[4, 2, 3]") && Catch::Contains("[3, 6]"));
    CHECK_THROWS_AS(ops::linear(Tensor::zeros({4, 6}), Tensor::zeros({3, 6}), Tensor::zeros({4})),
                    ShapeError);
    CHECK_THROWS_WITH(
        ops::linear(Tensor::zeros({4, 6}), Tensor::zeros({3, 6}), Tensor::zeros({4})),
        Catch::Contains("linear") && Catch::Contains("bias [4]") && Catch::Contains("[3, 6]"));

    CHECK_THROWS_AS(ops::matmul(Tensor::zeros({3, 4}), Tensor::zeros({5, 2})), ShapeError);
    CHECK_THROWS_WITH(ops::matmul(Tensor::zeros({3, 4}), Tensor::zeros({5, 2})),
                      Catch::Contains("matmul") && Catch::Contains("[3, 4]") &&
                          Catch::Contains("[5, 2]") && Catch::Contains("inner dimensions"));
    CHECK_THROWS_WITH(
        ops::matmul(Tensor::zeros({3, 4}), Tensor::zeros({1, 4, 2})),
        Catch::Contains("matmul") && Catch::Contains("[3, 4]") && Catch::Contains("[1, 4, 2]"));
    CHECK_THROWS_WITH(ops::matmul(Tensor::zeros({2, 3, 4}), Tensor::zeros({3, 4, 2})),
                      Catch::Contains("matmul") && Catch::Contains("batch sizes 2 and 3"));
}

TEST_CASE("repeating a linear step creates no new primitives", "[linear]") {
    Rng rng(13);
    const Tensor src = random_input({8, 12}, rng);
    const Tensor weights = random_input({4, 12}, rng);
    const Tensor bias = random_input({4}, rng);
    const Tensor rhs = random_input({4, 3}, rng);
    const auto step = [&] { total(ops::matmul(ops::linear(src, weights, bias), rhs)).backward(); };
    step();
    const uint64_t after_first = primitives_created();
    step();
    CHECK(primitives_created() == after_first);
    CHECK(weights.grad().defined());
    CHECK(rhs.grad().defined());
}
