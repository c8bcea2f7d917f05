#include "selfsup/losses.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "gradcheck.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/runtime.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;
using selfsup::testing::random_input;

namespace {

Tensor uniform_tensor(const Shape& shape, Rng& rng, float low, float high) {
    Tensor tensor = random_input(shape, rng, low, high);
    tensor.set_requires_grad(false);
    return tensor;
}

double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

// NT-Xent in double, straight from its definition.
double nt_xent_reference(const Tensor& embeddings, double temperature) {
    const int64_t rows = embeddings.dim(0);
    const int64_t width = embeddings.dim(1);
    const float* z = embeddings.data();
    auto cosine = [&](int64_t i, int64_t j) {
        double dot = 0.0, ii = 0.0, jj = 0.0;
        for (int64_t d = 0; d < width; ++d) {
            dot += double(z[i * width + d]) * z[j * width + d];
            ii += double(z[i * width + d]) * z[i * width + d];
            jj += double(z[j * width + d]) * z[j * width + d];
        }
        return dot / std::sqrt(ii * jj);
    };
    double total = 0.0;
    for (int64_t i = 0; i < rows; ++i) {
        double denominator = 0.0;
        for (int64_t j = 0; j < rows; ++j) {
            if (j != i) denominator += std::exp(cosine(i, j) / temperature);
        }
        total += -cosine(i, (i + rows / 2) % rows) / temperature + std::log(denominator);
    }
    return total / double(rows);
}

}  // namespace

TEST_CASE("mse loss of a known pair is the mean squared difference", "[losses]") {
    const Tensor prediction = Tensor::from_vector({2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
    const Tensor target = Tensor::from_vector({2, 2}, {0.0f, 2.0f, 5.0f, 1.0f});
    const Tensor loss = ops::mse_loss(prediction, target);
    CHECK(loss.rank() == 0);
    CHECK(loss.item() == Approx((1.0 + 0.0 + 4.0 + 9.0) / 4.0));
}

TEST_CASE("bce of probability one half is log 2 whatever the target", "[losses]") {
    const Tensor probabilities = Tensor::full({3}, 0.5f);
    const Tensor target = Tensor::from_vector({3}, {0.0f, 1.0f, 0.3f});
    CHECK(ops::bce_loss(probabilities, target).item() == Approx(std::log(2.0)));
}

TEST_CASE("bce matches its formula across the probability range", "[losses]") {
    // Probabilities from 1e-6 to 1/2 on a log scale, and their mirrors near 1.
    for (int step = 0; step <= 40; ++step) {
        const double low = 1e-6 * std::pow(5e5, step / 40.0);
        for (const float p : {float(low), float(1.0 - low)}) {
            for (const float t : {0.0f, 0.25f, 1.0f}) {
                const double expected =
                    -(t * std::log(double(p)) + (1.0 - t) * std::log(1.0 - double(p)));
                const float got = ops::bce_loss(Tensor::full({1}, p), Tensor::full({1}, t)).item();
                INFO("p = " << p << ", t = " << t);
                CHECK(got == Approx(expected).epsilon(2e-6).margin(1e-6));
            }
        }
    }
}

TEST_CASE("bce clamps probabilities of 0 and 1 and gives them no gradient", "[losses]") {
    Tensor probabilities = Tensor::from_vector({3}, {0.0f, 1.0f, 0.5f});
    probabilities.set_requires_grad(true);
    const Tensor target = Tensor::from_vector({3}, {1.0f, 0.0f, 1.0f});
    const Tensor loss = ops::bce_loss(probabilities, target);
    // 1 - 1e-7 rounds to 1 - 2^-23 in float, so 1 - p is about 1.19e-7 there.
    const double at_zero = -std::log(double(1e-7f));
    const double at_one = -std::log(1.0 - double(1.0f - 1e-7f));
    CHECK(loss.item() == Approx((at_zero + at_one + std::log(2.0)) / 3.0).epsilon(1e-5));
    loss.backward();
    const std::vector<float> grad = probabilities.grad().to_vector();
    CHECK(grad[0] == 0.0f);
    CHECK(grad[1] == 0.0f);
    CHECK(grad[2] == Approx(-2.0 / 3.0));
}

TEST_CASE("bce with logits equals bce of the sigmoid for moderate logits", "[losses]") {
    Rng rng(3);
    const Tensor logits = uniform_tensor({4, 9}, rng, -6.0f, 6.0f);
    const Tensor target = uniform_tensor({4, 9}, rng, 0.0f, 1.0f);
    Tensor probabilities = Tensor::empty(logits.shape());
    double expected = 0.0;
    for (int64_t i = 0; i < logits.numel(); ++i) {
        const double p = sigmoid(logits.data()[i]);
        const double t = target.data()[i];
        probabilities.data()[i] = float(p);
        expected += -(t * std::log(p) + (1.0 - t) * std::log(1.0 - p));
    }
    expected /= double(logits.numel());
    const float got = ops::bce_with_logits_loss(logits, target).item();
    CHECK(got == Approx(expected).epsilon(1e-5));
    CHECK(got == Approx(ops::bce_loss(probabilities, target).item()).epsilon(1e-5));
}

TEST_CASE("bce with logits stays finite with exact gradients at plus and minus 100", "[losses]") {
    Tensor logits = Tensor::from_vector({4}, {100.0f, -100.0f, 100.0f, -100.0f});
    logits.set_requires_grad(true);
    const Tensor target = Tensor::from_vector({4}, {1.0f, 0.0f, 0.0f, 1.0f});
    const Tensor loss = ops::bce_with_logits_loss(logits, target);
    CHECK(std::isfinite(loss.item()));
    CHECK(loss.item() == Approx(50.0));
    loss.backward();
    const std::vector<float> grad = logits.grad().to_vector();
    for (float value : grad) CHECK(std::isfinite(value));
    CHECK(grad[0] == Approx(0.0).margin(1e-12));
    CHECK(grad[1] == Approx(0.0).margin(1e-12));
    CHECK(grad[2] == Approx(0.25));
    CHECK(grad[3] == Approx(-0.25));
}

TEST_CASE("bce with logits matches its formula across a wide range of logits", "[losses]") {
    for (double x = -100.0; x <= 100.0; x += 0.73) {
        for (float t : {0.0f, 0.6f, 1.0f}) {
            const double expected = std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::abs(x)));
            const float got =
                ops::bce_with_logits_loss(Tensor::full({1}, float(x)), Tensor::full({1}, t)).item();
            INFO("x = " << x << ", t = " << t);
            CHECK(got == Approx(expected).epsilon(1e-5).margin(1e-6));
        }
    }
}

TEST_CASE("softmax cross-entropy of uniform logits is log K", "[losses]") {
    const Tensor logits = Tensor::full({4, 10}, 3.0f);
    CHECK(ops::softmax_cross_entropy(logits, {0, 3, 9, 5}).item() == Approx(std::log(10.0)));
}

TEST_CASE("softmax cross-entropy stays finite for huge logits", "[losses]") {
    const Tensor logits = Tensor::from_vector({2, 2}, {1000.0f, 0.0f, -1000.0f, 1000.0f});
    CHECK(ops::softmax_cross_entropy(logits, {1, 1}).item() == Approx(500.0));
}

TEST_CASE("softmax cross-entropy and its gradient match a double reference on a large batch",
          "[losses]") {
    // 64 x 600 logits are enough for the parallel path.
    Rng rng(11);
    Tensor logits = random_input({64, 600}, rng, -8.0f, 8.0f);
    std::vector<int32_t> labels(64);
    for (size_t row = 0; row < labels.size(); ++row) labels[row] = int32_t(rng.below(600));

    std::vector<double> expected_grad(size_t(logits.numel()));
    double expected = 0.0;
    for (int64_t row = 0; row < 64; ++row) {
        const float* x = logits.data() + row * 600;
        double sum = 0.0;
        for (int64_t k = 0; k < 600; ++k) sum += std::exp(double(x[k]));
        expected += std::log(sum) - x[labels[size_t(row)]];
        for (int64_t k = 0; k < 600; ++k) {
            const double one_hot = k == labels[size_t(row)] ? 1.0 : 0.0;
            expected_grad[size_t(row * 600 + k)] = (std::exp(double(x[k])) / sum - one_hot) / 64;
        }
    }
    const Tensor loss = ops::softmax_cross_entropy(logits, labels);
    CHECK(loss.item() == Approx(expected / 64).epsilon(1e-5));
    CHECK(ops::softmax_cross_entropy(logits, labels).item() == loss.item());

    loss.backward();
    const float* grad = logits.grad().data();
    double worst = 0.0;
    for (size_t i = 0; i < expected_grad.size(); ++i) {
        worst = std::max(worst, std::fabs(grad[i] - expected_grad[i]));
    }
    CHECK(worst < 1e-7);
}

TEST_CASE("element-wise losses on a large tensor match double references and repeat exactly",
          "[losses]") {
    Rng rng(5);
    const Tensor prediction = uniform_tensor({64, 1024}, rng, 0.01f, 0.99f);
    const Tensor target = uniform_tensor({64, 1024}, rng, 0.0f, 1.0f);
    double squared = 0.0, bce = 0.0, logits_bce = 0.0;
    for (int64_t i = 0; i < prediction.numel(); ++i) {
        const double p = prediction.data()[i];
        const double t = target.data()[i];
        squared += (p - t) * (p - t);
        bce += -(t * std::log(p) + (1.0 - t) * std::log(1.0 - p));
        logits_bce += std::max(p, 0.0) - p * t + std::log1p(std::exp(-std::abs(p)));
    }
    const double count = double(prediction.numel());
    CHECK(ops::mse_loss(prediction, target).item() == Approx(squared / count).epsilon(1e-6));
    CHECK(ops::bce_loss(prediction, target).item() == Approx(bce / count).epsilon(1e-6));
    CHECK(ops::bce_with_logits_loss(prediction, target).item() ==
          Approx(logits_bce / count).epsilon(1e-6));
    CHECK(ops::bce_loss(prediction, target).item() == ops::bce_loss(prediction, target).item());
}

TEST_CASE("nt-xent of two pairs matches a hand computation", "[losses]") {
    // Rows 0 and 2 are the views of one sample, rows 1 and 3 of the other.
    const std::vector<float> values = {1.0f, 0.0f, 0.0f, 0.0f, 2.0f, 0.0f,
                                       1.0f, 1.0f, 0.0f, 0.0f, 1.0f, 1.0f};
    const Tensor embeddings = Tensor::from_vector({4, 3}, values);
    const double temperature = 0.5;
    // Cosines: c01 = 0, c02 = 1/sqrt2, c03 = 0, c12 = 1/sqrt2, c13 = 1/sqrt2, c23 = 1/2.
    const double h = 1.0 / std::sqrt(2.0);
    const double c[4][4] = {{1, 0, h, 0}, {0, 1, h, h}, {h, h, 1, 0.5}, {0, h, 0.5, 1}};
    double expected = 0.0;
    for (int i = 0; i < 4; ++i) {
        double denominator = 0.0;
        for (int j = 0; j < 4; ++j) {
            if (j != i) denominator += std::exp(c[i][j] / temperature);
        }
        expected += -c[i][(i + 2) % 4] / temperature + std::log(denominator);
    }
    expected /= 4.0;
    const Tensor loss = ops::nt_xent_loss(embeddings, float(temperature));
    CHECK(loss.rank() == 0);
    CHECK(loss.item() == Approx(expected).epsilon(1e-6));
}

TEST_CASE("nt-xent is lower for aligned positives than for swapped ones", "[losses]") {
    // Two orthogonal directions a and b. Aligned: each row's twin is the same
    // direction and its negatives are orthogonal. Swapped: the reverse.
    const Tensor aligned = Tensor::from_vector({4, 2}, {1, 0, 0, 1, 1, 0, 0, 1});
    const Tensor swapped = Tensor::from_vector({4, 2}, {1, 0, 0, 1, 0, 1, 1, 0});
    const float aligned_loss = ops::nt_xent_loss(aligned, 0.1f).item();
    const float swapped_loss = ops::nt_xent_loss(swapped, 0.1f).item();
    CHECK(aligned_loss < swapped_loss);
    // Aligned rows: positive 1/0.1, two negatives at 0, so log(e^10 + 2) - 10.
    CHECK(aligned_loss == Approx(std::log(std::exp(10.0) + 2.0) - 10.0).margin(1e-6));
}

TEST_CASE("nt-xent of the reference workload size matches a double reference", "[losses]") {
    Rng rng(21);
    const Tensor embeddings = uniform_tensor({256, 64}, rng, -1.0f, 1.0f);
    const float loss = ops::nt_xent_loss(embeddings, 0.2f).item();
    CHECK(loss == Approx(nt_xent_reference(embeddings, 0.2)).epsilon(1e-5));
    CHECK(ops::nt_xent_loss(embeddings, 0.2f).item() == loss);
}

TEST_CASE("every loss's gradient matches finite differences", "[losses][grad]") {
    Rng rng(17);
    const Shape shape = GENERATE(Shape{1}, Shape{1, 3}, Shape{7}, Shape{2, 3, 5, 5});
    Tensor src = random_input(shape, rng);
    Tensor target = random_input(shape, rng, 0.0f, 1.0f);
    Tensor probabilities = random_input(shape, rng, 0.1f, 0.9f);
    CHECK(gradient_mismatch([](auto& s) { return ops::mse_loss(s[0], s[1]); }, {src, target}) ==
          "");
    CHECK(gradient_mismatch([](auto& s) { return ops::bce_loss(s[0], s[1]); },
                            {probabilities, target}) == "");
    Tensor logits = random_input(shape, rng, -4.0f, 4.0f);
    CHECK(gradient_mismatch([](auto& s) { return ops::bce_with_logits_loss(s[0], s[1]); },
                            {logits, target}) == "");
}

TEST_CASE("softmax cross-entropy's gradient matches finite differences", "[losses][grad]") {
    Rng rng(19);
    const Shape shape = GENERATE(Shape{1, 1}, Shape{1, 4}, Shape{3, 7}, Shape{16, 10});
    Tensor logits = random_input(shape, rng, -3.0f, 3.0f);
    std::vector<int32_t> labels(static_cast<size_t>(shape[0]));
    for (int32_t& label : labels) label = int32_t(rng.below(uint64_t(shape[1])));
    CHECK(gradient_mismatch([&](auto& s) { return ops::softmax_cross_entropy(s[0], labels); },
                            {logits}) == "");
}

TEST_CASE("nt-xent's gradient matches finite differences", "[losses][grad]") {
    Rng rng(23);
    const Shape shape = GENERATE(Shape{2, 3}, Shape{4, 5}, Shape{6, 8});
    Tensor embeddings = random_input(shape, rng);
    const float temperature = GENERATE(0.5f, 1.0f);
    CHECK(gradient_mismatch([&](auto& s) { return ops::nt_xent_loss(s[0], temperature); },
                            {embeddings}) == "");
}

TEST_CASE("nt-xent's gradient matches finite differences on the parallel path", "[losses][grad]") {
    // 34 x 34 similarities of width 29 are past the size where threads start.
    Rng rng(29);
    Tensor embeddings = random_input({34, 29}, rng);
    CHECK(gradient_mismatch([](auto& s) { return ops::nt_xent_loss(s[0], 0.3f); }, {embeddings}) ==
          "");
}

TEST_CASE("losses and gradients do not depend on the thread count", "[losses]") {
    Rng rng(31);
    Tensor probabilities = random_input({64, 1024}, rng, 0.01f, 0.99f);
    const Tensor target = uniform_tensor({64, 1024}, rng, 0.0f, 1.0f);
    Tensor embeddings = random_input({256, 64}, rng);
    auto run = [&](int threads) {
        set_num_threads(threads);
        probabilities.zero_grad();
        embeddings.zero_grad();
        const Tensor bce = ops::bce_loss(probabilities, target);
        const Tensor nt_xent = ops::nt_xent_loss(embeddings, 0.2f);
        bce.backward();
        nt_xent.backward();
        return std::vector<std::vector<float>>{{bce.item(), nt_xent.item()},
                                               probabilities.grad().to_vector(),
                                               embeddings.grad().to_vector()};
    };
    const int previous = num_threads();
    const auto one = run(1);
    const auto two = run(2);
    set_num_threads(previous);
    CHECK(one == two);
}

TEST_CASE("element-wise losses reject mismatched shapes naming both", "[losses]") {
    const Tensor lhs = Tensor::zeros({2, 3});
    const Tensor rhs = Tensor::zeros({3, 2});
    CHECK_THROWS_AS(ops::mse_loss(lhs, rhs), ShapeError);
    CHECK_THROWS_WITH(ops::mse_loss(lhs, rhs), Catch::Contains("mse_loss") &&
                                                   Catch::Contains("[2, 3]") &&
                                                   Catch::Contains("[3, 2]"));
    CHECK_THROWS_AS(ops::bce_loss(lhs, rhs), ShapeError);
    CHECK_THROWS_WITH(ops::bce_loss(lhs, rhs), Catch::Contains("bce_loss") &&
                                                   Catch::Contains("[2, 3]") &&
                                                   Catch::Contains("[3, 2]"));
    CHECK_THROWS_AS(ops::bce_with_logits_loss(lhs, rhs), ShapeError);
    CHECK_THROWS_WITH(ops::bce_with_logits_loss(lhs, rhs),
                      Catch::Contains("bce_with_logits_loss") && Catch::Contains("[2, 3]") &&
                          Catch::Contains("[3, 2]"));
    const Tensor empty = Tensor::zeros({0, 3});
    CHECK_THROWS_AS(ops::mse_loss(empty, empty), ShapeError);
    CHECK_THROWS_WITH(ops::mse_loss(empty, empty), Catch::Contains("empty"));
}

TEST_CASE("softmax cross-entropy rejects a label outside its classes naming label and row",
          "[losses]") {
    const Tensor logits = Tensor::zeros({4, 10});
    CHECK_THROWS_AS(ops::softmax_cross_entropy(logits, {0, 1, 10, 2}), DataError);
    CHECK_THROWS_WITH(ops::softmax_cross_entropy(logits, {0, 1, 10, 2}),
                      Catch::Contains("label 10 at row 2") && Catch::Contains("[0, 10)"));
    CHECK_THROWS_AS(ops::softmax_cross_entropy(logits, {0, -1, 3, 2}), DataError);
    CHECK_THROWS_WITH(ops::softmax_cross_entropy(logits, {0, -1, 3, 2}),
                      Catch::Contains("label -1 at row 1"));
}

TEST_CASE("softmax cross-entropy rejects a label count that is not the row count", "[losses]") {
    const Tensor logits = Tensor::zeros({4, 10});
    CHECK_THROWS_AS(ops::softmax_cross_entropy(logits, {0, 1, 2}), ShapeError);
    CHECK_THROWS_WITH(ops::softmax_cross_entropy(logits, {0, 1, 2}),
                      Catch::Contains("softmax_cross_entropy") && Catch::Contains("3 labels") &&
                          Catch::Contains("[4, 10]"));
    CHECK_THROWS_AS(ops::softmax_cross_entropy(Tensor::zeros({4}), {0, 1, 2, 3}), ShapeError);
    CHECK_THROWS_WITH(ops::softmax_cross_entropy(Tensor::zeros({4}), {0, 1, 2, 3}),
                      Catch::Contains("[N, K]") && Catch::Contains("[4]"));
}

TEST_CASE("nt-xent rejects a temperature that is not positive", "[losses]") {
    const Tensor embeddings = Tensor::full({4, 3}, 1.0f);
    for (float temperature : {0.0f, -0.5f, std::nanf("")}) {
        CHECK_THROWS_AS(ops::nt_xent_loss(embeddings, temperature), NumericalError);
        CHECK_THROWS_WITH(ops::nt_xent_loss(embeddings, temperature),
                          Catch::Contains("nt_xent_loss") && Catch::Contains("temperature"));
    }
}

TEST_CASE("nt-xent rejects an odd or too small number of rows", "[losses]") {
    for (const Shape& shape : {Shape{3, 4}, Shape{1, 4}, Shape{0, 4}}) {
        CHECK_THROWS_AS(ops::nt_xent_loss(Tensor::zeros(shape), 0.5f), ShapeError);
        CHECK_THROWS_WITH(ops::nt_xent_loss(Tensor::zeros(shape), 0.5f),
                          Catch::Contains("nt_xent_loss") && Catch::Contains(shape.str()));
    }
    CHECK_THROWS_AS(ops::nt_xent_loss(Tensor::zeros({8}), 0.5f), ShapeError);
}
