#include <catch2/catch.hpp>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/ops/activations.hpp"
#include "selfsup/ops/reshape.hpp"

using namespace selfsup;

namespace {

// y = 2 * x, recorded by hand so the test depends on the tape alone.
Tensor doubled(const Tensor& src) {
    Tensor dst = Tensor::empty(src.shape());
    for (int64_t i = 0; i < src.numel(); ++i) dst.data()[i] = 2.0f * src.data()[i];
    return record("doubled", dst, {src}, [](const Tensor& diff_dst) {
        Tensor diff_src = Tensor::empty(diff_dst.shape());
        for (int64_t i = 0; i < diff_dst.numel(); ++i) diff_src.data()[i] = 2.0f * diff_dst.data()[i];
        return std::vector<Tensor>{diff_src};
    });
}

// The sum of two tensors of one shape, reduced to a scalar.
Tensor total(const Tensor& lhs, const Tensor& rhs) {
    float sum = 0.0f;
    for (int64_t i = 0; i < lhs.numel(); ++i) sum += lhs.data()[i] + rhs.data()[i];
    const Shape shape = lhs.shape();
    return record("total", Tensor::scalar(sum), {lhs, rhs}, [shape](const Tensor& diff_dst) {
        return std::vector<Tensor>{Tensor::full(shape, diff_dst.item()),
                                   Tensor::full(shape, diff_dst.item())};
    });
}

}  // namespace

TEST_CASE("backward reaches a leaf through a chain of ops", "[autograd]") {
    Tensor x = Tensor::from_vector({2}, {1.0f, -1.0f}).set_requires_grad(true);
    Tensor loss = total(doubled(doubled(x)), Tensor::zeros({2}));
    loss.backward();
    CHECK(x.grad().to_vector() == std::vector<float>{4.0f, 4.0f});
}

TEST_CASE("a tensor used twice receives the sum of both gradients", "[autograd]") {
    Tensor x = Tensor::from_vector({3}, {1.0f, 2.0f, 3.0f}).set_requires_grad(true);
    total(doubled(x), x).backward();
    CHECK(x.grad().to_vector() == std::vector<float>{3.0f, 3.0f, 3.0f});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd]") {
    Tensor x = Tensor::from_vector({1}, {5.0f}).set_requires_grad(true);
    total(doubled(x), Tensor::zeros({1})).backward();
    total(doubled(x), Tensor::zeros({1})).backward();
    CHECK(x.grad().item() == 4.0f);
    x.zero_grad();
    CHECK_FALSE(x.grad().defined());
}

TEST_CASE("inputs that do not require gradients get none", "[autograd]") {
    Tensor x = Tensor::from_vector({1}, {5.0f}).set_requires_grad(true);
    Tensor constant = Tensor::from_vector({1}, {1.0f});
    total(x, constant).backward();
    CHECK(x.grad().defined());
    CHECK_FALSE(constant.grad().defined());
}

TEST_CASE("nothing is recorded under NoGradGuard", "[autograd]") {
    Tensor x = Tensor::from_vector({2}, {1.0f, 2.0f}).set_requires_grad(true);
    {
        NoGradGuard no_grad;
        CHECK_FALSE(grad_mode_enabled());
        CHECK_FALSE(doubled(x).requires_grad());
    }
    CHECK(grad_mode_enabled());
    CHECK(doubled(x).requires_grad());
}

TEST_CASE("detach cuts the graph but shares the values", "[autograd]") {
    Tensor x = Tensor::from_vector({2}, {1.0f, 2.0f}).set_requires_grad(true);
    Tensor y = doubled(x);
    Tensor cut = y.detach();
    CHECK_FALSE(cut.requires_grad());
    CHECK(cut.is_leaf());
    CHECK(cut.shares_storage_with(y));
    CHECK(y.producer() == "doubled");
}

TEST_CASE("backward from a non-scalar names the shape and the fix", "[autograd]") {
    Tensor x = Tensor::zeros({2, 2}).set_requires_grad(true);
    CHECK_THROWS_AS(doubled(x).backward(), ShapeError);
    CHECK_THROWS_WITH(doubled(x).backward(),
                      Catch::Contains("[2, 2]") && Catch::Contains("sum() or mean()"));
}

TEST_CASE("a second backward through a released graph is refused", "[autograd]") {
    Tensor x = Tensor::from_vector({1}, {1.0f}).set_requires_grad(true);
    Tensor loss = total(doubled(x), Tensor::zeros({1}));
    loss.backward();
    CHECK_THROWS_WITH(loss.backward(), Catch::Contains("released"));
}

TEST_CASE("a graph deeper than the stack allows is differentiated iteratively", "[autograd]") {
    Tensor x = Tensor::from_vector({1, 1}, {1.0f}).set_requires_grad(true);
    Tensor y = x;
    for (int i = 0; i < 200000; ++i) y = ops::reshape(y, i % 2 ? Shape{1, 1} : Shape{1});
    total(y, Tensor::zeros(y.shape())).backward();
    CHECK(x.grad().item() == 1.0f);
}

TEST_CASE("only leaves may change requires_grad", "[autograd]") {
    Tensor x = Tensor::zeros({1}).set_requires_grad(true);
    Tensor y = doubled(x);
    CHECK_THROWS_WITH(y.set_requires_grad(false), Catch::Contains("made by doubled"));
}
