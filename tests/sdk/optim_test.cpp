#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/init.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/losses.hpp"
#include "selfsup/optim.hpp"

using namespace selfsup;

namespace {

// A tiny parameter w = [1, -2]; its first gradient is g1, its second g2.
const std::vector<float> kG1 = {0.5f, 0.25f};
const std::vector<float> kG2 = {-0.1f, 0.3f};

Tensor tiny_parameter() {
    Tensor param = Tensor::from_vector({2}, {1.0f, -2.0f});
    param.set_requires_grad(true);
    return param;
}

void set_gradient(Tensor& param, const std::vector<float>& grad) {
    param.set_grad(Tensor::from_vector({2}, grad));
}

// Two steps with gradients g1 then g2; returns the parameter after each.
std::vector<std::vector<float>> two_steps(Optimizer& optimizer, Tensor& param) {
    std::vector<std::vector<float>> after;
    set_gradient(param, kG1);
    optimizer.step();
    after.push_back(param.to_vector());
    set_gradient(param, kG2);
    optimizer.step();
    after.push_back(param.to_vector());
    return after;
}

void check_close(const std::vector<float>& actual, const std::vector<double>& expected) {
    REQUIRE(actual.size() == expected.size());
    for (size_t i = 0; i < actual.size(); ++i) {
        CHECK(actual[i] == Approx(expected[i]).epsilon(1e-6).margin(1e-6));
    }
}

// One Adam update of one element, written out as in Kingma and Ba; m and v
// carry the moments between calls.
double adam_element(double w, double g, double& m, double& v, int t, double lr) {
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const double m_hat = m / (1.0 - std::pow(0.9, t));
    const double v_hat = v / (1.0 - std::pow(0.999, t));
    return w - lr * m_hat / (std::sqrt(v_hat) + 1e-8);
}

}  // namespace

TEST_CASE("plain sgd subtracts lr times the gradient", "[optim]") {
    Tensor param = tiny_parameter();
    Sgd sgd({{{param}, 0.1f}});
    const auto after = two_steps(sgd, param);
    check_close(after[0], {0.95, -2.025});
    check_close(after[1], {0.96, -2.055});
}

TEST_CASE("sgd with momentum starts the velocity at the first gradient", "[optim]") {
    Tensor param = tiny_parameter();
    Sgd sgd({{{param}, 0.1f}}, SgdOptions{0.9f, false});
    const auto after = two_steps(sgd, param);
    // v1 = g1; v2 = 0.9 * g1 + g2 = [0.35, 0.525].
    check_close(after[0], {0.95, -2.025});
    check_close(after[1], {0.915, -2.0775});
}

TEST_CASE("nesterov sgd steps along the gradient plus momentum times velocity", "[optim]") {
    Tensor param = tiny_parameter();
    Sgd sgd({{{param}, 0.1f}}, SgdOptions{0.9f, true});
    const auto after = two_steps(sgd, param);
    // Step 1: g1 + 0.9 * g1 = [0.95, 0.475]; step 2: g2 + 0.9 * v2 = [0.215, 0.7725].
    check_close(after[0], {0.905, -2.0475});
    check_close(after[1], {0.8835, -2.12475});
}

TEST_CASE("sgd weight decay adds decay times the weight to the gradient", "[optim]") {
    Tensor param = tiny_parameter();
    Sgd sgd({{{param}, 0.1f, 0.01f}});
    const auto after = two_steps(sgd, param);
    // d1 = g1 + 0.01 * [1, -2] = [0.51, 0.23]; d2 = g2 + 0.01 * [0.949, -2.023].
    check_close(after[0], {0.949, -2.023});
    check_close(after[1], {0.958051, -2.050977});
    CHECK(param.grad().to_vector() == kG2);
}

TEST_CASE("adam's first two steps follow the bias-corrected moments", "[optim]") {
    Tensor param = tiny_parameter();
    Adam adam({{{param}, 0.1f}});
    const auto after = two_steps(adam, param);
    // The first step is lr * sign(g): the corrected moments are g and g^2.
    check_close(after[0], {0.9, -2.1});
    std::vector<double> expected;
    for (int i = 0; i < 2; ++i) {
        double m = 0.0;
        double v = 0.0;
        double w = adam_element(i == 0 ? 1.0 : -2.0, kG1[i], m, v, 1, 0.1);
        expected.push_back(adam_element(w, kG2[i], m, v, 2, 0.1));
    }
    check_close(after[1], expected);
}

TEST_CASE("adam's weight decay is added to the gradient", "[optim]") {
    Tensor param = tiny_parameter();
    Adam adam({{{param}, 0.1f, 0.1f}});
    const auto after = two_steps(adam, param);
    std::vector<double> expected;
    for (int i = 0; i < 2; ++i) {
        double m = 0.0;
        double v = 0.0;
        const double w0 = i == 0 ? 1.0 : -2.0;
        const double w1 = adam_element(w0, kG1[i] + 0.1 * w0, m, v, 1, 0.1);
        expected.push_back(adam_element(w1, kG2[i] + 0.1 * w1, m, v, 2, 0.1));
    }
    check_close(after[1], expected);
}

TEST_CASE("adamw shrinks the weights apart from the adam step", "[optim]") {
    Tensor param = tiny_parameter();
    AdamW adamw({{{param}, 0.1f, 0.1f}});
    const auto after = two_steps(adamw, param);
    // Step 1: w * (1 - 0.1 * 0.1) - 0.1 * sign(g1).
    check_close(after[0], {0.89, -2.08});
    std::vector<double> expected;
    for (int i = 0; i < 2; ++i) {
        double m = 0.0;
        double v = 0.0;
        const double w0 = i == 0 ? 1.0 : -2.0;
        const double w1 = adam_element(w0 * 0.99, kG1[i], m, v, 1, 0.1);
        expected.push_back(adam_element(w1 * 0.99, kG2[i], m, v, 2, 0.1));
    }
    check_close(after[1], expected);
}

TEST_CASE("frozen parameters and those without a gradient are left untouched", "[optim]") {
    Tensor frozen = tiny_parameter();
    Tensor gradless = tiny_parameter();
    Adam adam({{{frozen, gradless}, 0.1f}});
    set_gradient(frozen, kG1);
    frozen.set_requires_grad(false);
    adam.step();
    CHECK(frozen.to_vector() == std::vector<float>{1.0f, -2.0f});
    CHECK(gradless.to_vector() == std::vector<float>{1.0f, -2.0f});

    // Its state was not advanced either: once thawed, its first update is a
    // first step (lr * sign(g)), not a second.
    frozen.set_requires_grad(true);
    adam.step();
    check_close(frozen.to_vector(), {0.9, -2.1});
}

TEST_CASE("each parameter group uses its own learning rate", "[optim]") {
    Tensor fast = tiny_parameter();
    Tensor slow = tiny_parameter();
    Sgd sgd({{{fast}, 0.1f}, {{slow}, 0.01f}});
    set_gradient(fast, kG1);
    set_gradient(slow, kG1);
    sgd.step();
    check_close(fast.to_vector(), {0.95, -2.025});
    check_close(slow.to_vector(), {0.995, -2.0025});
}

TEST_CASE("a large parameter is updated like a small one", "[optim]") {
    // Big enough for the parallel path; every element must match the scalar
    // formula whatever the thread count.
    const int64_t n = 100003;
    Tensor param = Tensor::full({n}, 1.0f).set_requires_grad(true);
    param.set_grad(Tensor::full({n}, 0.5f));
    Sgd sgd({{{param}, 0.1f}}, SgdOptions{0.9f, true});
    sgd.step();
    const std::vector<float> values = param.to_vector();
    for (int64_t i = 0; i < n; i += 997) CHECK(values[i] == Approx(0.905f));
    CHECK(values[n - 1] == Approx(0.905f));
}

TEST_CASE("optimizer zero_grad clears every gradient", "[optim]") {
    Tensor first = tiny_parameter();
    Tensor second = tiny_parameter();
    Sgd sgd({{{first}, 0.1f}, {{second}, 0.1f}});
    set_gradient(first, kG1);
    set_gradient(second, kG1);
    sgd.zero_grad();
    CHECK_FALSE(first.grad().defined());
    CHECK_FALSE(second.grad().defined());
}

TEST_CASE("invalid optimizer settings are numerical errors", "[optim]") {
    Tensor param = tiny_parameter();
    CHECK_THROWS_AS(Sgd({{{param}, -0.1f}}), NumericalError);
    CHECK_THROWS_WITH(Sgd({{{param}, -0.1f}}), Catch::Contains("lr"));
    CHECK_THROWS_WITH(Sgd({{{param}, 0.1f}}, SgdOptions{0.0f, true}),
                      Catch::Contains("Nesterov"));
    CHECK_THROWS_WITH(Adam({{{param}, 0.1f}}, AdamOptions{1.0f}), Catch::Contains("beta1 1"));
}

TEST_CASE("a few adam steps lower the loss of a small linear model", "[optim]") {
    Rng rng(3);
    Linear model(4, 2, rng);
    Tensor src = Tensor::empty({8, 4});
    Tensor target = Tensor::empty({8, 2});
    init::uniform(src, rng, -1.0f, 1.0f);
    init::uniform(target, rng, -1.0f, 1.0f);
    Adam adam({{model.parameters(), 0.05f}});
    float first = 0.0f;
    float last = 0.0f;
    for (int step = 0; step < 20; ++step) {
        adam.zero_grad();
        const Tensor loss = ops::mse_loss(model(src), target);
        loss.backward();
        adam.step();
        (step == 0 ? first : last) = loss.item();
    }
    CHECK(last < 0.7f * first);
}
