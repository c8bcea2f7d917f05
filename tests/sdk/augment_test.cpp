#include "selfsup/augment.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <numeric>

#include "selfsup/errors.hpp"
#include "selfsup/runtime.hpp"

using namespace selfsup;
using Catch::Contains;
using Catch::StartsWith;
namespace json = boost::json;

namespace {

const char* const kPath = "pretexts[0].params.augment";

// A batch whose values count up from 0: asymmetric in every direction.
Tensor ramp(const Shape& shape) {
    std::vector<float> values(static_cast<std::size_t>(shape.numel()));
    std::iota(values.begin(), values.end(), 0.0f);
    return Tensor::from_vector(shape, values);
}

// A batch of values uniform in [0, 1).
Tensor random_batch(const Shape& shape, uint64_t seed) {
    Rng rng(seed);
    Tensor batch = Tensor::empty(shape);
    for (int64_t i = 0; i < batch.numel(); ++i) batch.data()[i] = rng.uniform();
    return batch;
}

AugmentPipeline pipeline(const std::string& text, ValueRange range = {}) {
    return AugmentPipeline(json::parse(text), kPath, range);
}

bool bit_identical(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), a.numel() * sizeof(float)) == 0;
}

void check_within(const Tensor& got, const Tensor& want, float margin) {
    REQUIRE(got.shape() == want.shape());
    for (int64_t i = 0; i < got.numel(); ++i)
        CHECK(got.data()[i] == Approx(want.data()[i]).margin(margin));
}

}  // namespace

TEST_CASE("translate moves content by the given shift and fills with zero", "[augment]") {
    const Tensor src = ramp({2, 1, 4, 5});
    const Tensor dst = augment::translate(src, {{1, 2}, {0, 0}}, augment::Fill::kZero);
    for (int64_t y = 0; y < 4; ++y) {
        for (int64_t x = 0; x < 5; ++x) {
            const bool inside = y >= 2 && x >= 1;
            const float want = inside ? src.data()[(y - 2) * 5 + (x - 1)] : 0.0f;
            CHECK(dst.data()[y * 5 + x] == want);
        }
    }
    CHECK(std::equal(dst.data() + 20, dst.data() + 40, src.data() + 20));
}

TEST_CASE("translate with reflect fill mirrors without repeating the edge", "[augment]") {
    const Tensor src = Tensor::from_vector({1, 1, 1, 4}, {0, 1, 2, 3});
    CHECK(augment::translate(src, {{2, 0}}, augment::Fill::kReflect).to_vector() ==
          std::vector<float>{2, 1, 0, 1});
    CHECK(augment::translate(src, {{-1, 0}}, augment::Fill::kReflect).to_vector() ==
          std::vector<float>{1, 2, 3, 2});
    const Tensor column = Tensor::from_vector({1, 1, 3, 1}, {5, 6, 7});
    CHECK(augment::translate(column, {{0, 1}}, augment::Fill::kReflect).to_vector() ==
          std::vector<float>{6, 5, 6});
}

TEST_CASE("random translation stays within max_shift and reaches every shift", "[augment]") {
    Tensor src = Tensor::zeros({300, 1, 7, 7});
    for (int64_t n = 0; n < 300; ++n) src.data()[n * 49 + 3 * 7 + 3] = 1.0f;
    Rng rng(5);
    const Tensor dst = pipeline(R"([{"type": "translate", "max_shift": 1}])").apply(src, rng);
    std::vector<int> seen(9, 0);
    for (int64_t n = 0; n < 300; ++n) {
        const float* image = dst.data() + n * 49;
        const auto peak = std::max_element(image, image + 49) - image;
        REQUIRE(image[peak] == 1.0f);
        const int64_t dy = peak / 7 - 3;
        const int64_t dx = peak % 7 - 3;
        REQUIRE(std::abs(dy) <= 1);
        REQUIRE(std::abs(dx) <= 1);
        ++seen[(dy + 1) * 3 + (dx + 1)];
    }
    for (int count : seen) CHECK(count > 10);
}

TEST_CASE("a resized crop of the whole image is the image", "[augment]") {
    const Tensor src = random_batch({2, 3, 6, 6}, 1);
    check_within(augment::resized_crop(src, {{0, 0, 6, 6}, {0, 0, 6, 6}}), src, 1e-5f);
    Rng rng(3);
    const Tensor dst = pipeline(R"([{"type": "resized_crop", "min_scale": 1, "max_scale": 1,
                                     "min_ratio": 1, "max_ratio": 1}])")
                           .apply(src, rng);
    check_within(dst, src, 1e-5f);
}

TEST_CASE("a resized crop of the left half stretches it to the full width", "[augment]") {
    // Values equal to x: the left half 0..3 stretched over 8 columns gives
    // x / 2 - 0.25 at half-pixel centres, the edge value before the first one.
    std::vector<float> values(16);
    for (int x = 0; x < 8; ++x) values[x] = values[8 + x] = static_cast<float>(x);
    const Tensor src = Tensor::from_vector({1, 1, 2, 8}, values);
    const Tensor dst = augment::resized_crop(src, {{0, 0, 2, 4}});
    CHECK(dst.data()[0] == Approx(0.0f).margin(1e-6));
    for (int x = 1; x < 8; ++x) CHECK(dst.data()[8 + x] == Approx(x / 2.0f - 0.25f).margin(1e-6));
    CHECK_THROWS_AS(augment::resized_crop(src, {{0, 0, 0, 4}}), NumericalError);
}

TEST_CASE("flipping twice gives the image back and once reverses each row", "[augment]") {
    const Tensor src = ramp({2, 2, 3, 4});
    const Tensor once = augment::hflip(src, {true, false});
    CHECK(once.data()[0] == 3.0f);
    CHECK(once.data()[3] == 0.0f);
    CHECK(std::equal(once.data() + 24, once.data() + 48, src.data() + 24));
    CHECK(bit_identical(augment::hflip(once, {true, false}), src));
}

TEST_CASE("random flips happen with probability p", "[augment]") {
    const Tensor src = ramp({400, 1, 1, 2});
    Rng rng(8);
    const Tensor dst = pipeline(R"([{"type": "hflip", "p": 0.3}])").apply(src, rng);
    int flipped = 0;
    for (int64_t n = 0; n < 400; ++n) flipped += dst.data()[2 * n] > dst.data()[2 * n + 1];
    CHECK(flipped / 400.0 == Approx(0.3).margin(0.06));
}

TEST_CASE("rotate90 turns counter-clockwise and four turns give the image back", "[augment]") {
    const Tensor src = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4});
    CHECK(augment::rotate90(src, {1}).to_vector() == std::vector<float>{2, 4, 1, 3});
    CHECK(augment::rotate90(src, {2}).to_vector() == std::vector<float>{4, 3, 2, 1});
    CHECK(augment::rotate90(src, {-1}).to_vector() == augment::rotate90(src, {3}).to_vector());

    const Tensor image = ramp({3, 2, 5, 5});
    Tensor turned = image;
    for (int turn = 0; turn < 4; ++turn) turned = augment::rotate90(turned, {1, 2, 3});
    CHECK(bit_identical(turned, image));

    CHECK_THROWS_AS(augment::rotate90(ramp({1, 1, 2, 3}), {1}), ShapeError);
    CHECK_THROWS_WITH(augment::rotate90(ramp({1, 1, 2, 3}), {1}),
                      Contains("needs square images") && Contains("[1, 1, 2, 3]"));
}

TEST_CASE("rotating by 0 is exact and by 90 degrees matches rotate90", "[augment]") {
    const Tensor src = random_batch({2, 1, 5, 5}, 4);
    CHECK(bit_identical(augment::rotate(src, {0.0f, 0.0f}), src));
    check_within(augment::rotate(src, {90.0f, -90.0f}), augment::rotate90(src, {1, -1}), 1e-5f);

    // A constant image turned by 45 degrees keeps its centre and loses its
    // corners to the zero fill.
    const Tensor flat = Tensor::full({1, 1, 9, 9}, 1.0f);
    const Tensor turned = augment::rotate(flat, {45.0f});
    CHECK(turned.data()[4 * 9 + 4] == Approx(1.0f).margin(1e-6));
    CHECK(turned.data()[0] == 0.0f);
    CHECK(turned.data()[80] == 0.0f);
}

TEST_CASE("erase sets exactly the rectangle in every channel", "[augment]") {
    const Tensor src = Tensor::full({1, 2, 4, 4}, 1.0f);
    const Tensor dst = augment::erase(src, {{1, 2, 2, 1}}, 0.25f);
    for (int64_t c = 0; c < 2; ++c) {
        for (int64_t y = 0; y < 4; ++y) {
            for (int64_t x = 0; x < 4; ++x) {
                const bool erased = y >= 1 && y < 3 && x == 2;
                CHECK(dst.data()[c * 16 + y * 4 + x] == (erased ? 0.25f : 1.0f));
            }
        }
    }
    CHECK(src.to_vector() == std::vector<float>(32, 1.0f));
    CHECK_THROWS_AS(augment::erase(src, {{3, 0, 2, 1}}, 0.0f), ShapeError);
    CHECK_THROWS_WITH(augment::erase(src, {{3, 0, 2, 1}}, 0.0f),
                      Contains("does not fit an image of 4 x 4"));
}

TEST_CASE("random erasing covers an area fraction within its bounds", "[augment]") {
    // Rounding the rectangle to whole pixels moves its area by at most about
    // half its perimeter: under 0.02 of a 32 x 32 image here.
    const Tensor src = Tensor::full({64, 1, 32, 32}, 1.0f);
    Rng rng(11);
    const Tensor dst = pipeline(R"([{"type": "erase", "p": 1, "min_area": 0.1, "max_area": 0.2}])")
                           .apply(src, rng);
    for (int64_t n = 0; n < 64; ++n) {
        const float* image = dst.data() + n * 1024;
        const auto erased = std::count(image, image + 1024, 0.0f);
        CHECK(erased / 1024.0 >= 0.1 - 0.02);
        CHECK(erased / 1024.0 <= 0.2 + 0.02);
        CHECK(erased + std::count(image, image + 1024, 1.0f) == 1024);
    }
}

TEST_CASE("noise erasing draws values from the value range", "[augment]") {
    const Tensor src = Tensor::full({8, 1, 16, 16}, 50.0f);
    Rng rng(2);
    const Tensor dst =
        pipeline(R"([{"type": "erase", "p": 1, "fill": "noise"}])", ValueRange{10.0f, 20.0f})
            .apply(src, rng);
    int erased = 0;
    for (int64_t i = 0; i < dst.numel(); ++i) {
        const float value = dst.data()[i];
        if (value == 50.0f) continue;
        ++erased;
        CHECK((value >= 10.0f && value < 20.0f));
    }
    CHECK(erased > 0);
}

TEST_CASE("gaussian noise has the requested standard deviation", "[augment]") {
    const Tensor src = Tensor::full({64, 1, 32, 32}, 0.5f);
    Rng rng(7);
    const Tensor dst =
        pipeline(R"([{"type": "noise", "stddev": 0.1, "clamp": false}])").apply(src, rng);
    double sum = 0.0;
    double squares = 0.0;
    for (int64_t i = 0; i < dst.numel(); ++i) {
        const double diff = dst.data()[i] - 0.5;
        sum += diff;
        squares += diff * diff;
    }
    const double mean = sum / static_cast<double>(dst.numel());
    const double stddev = std::sqrt(squares / static_cast<double>(dst.numel()) - mean * mean);
    CHECK(std::abs(mean) < 0.01);
    CHECK(stddev == Approx(0.1).epsilon(0.1));

    const Tensor clamped = pipeline(R"([{"type": "noise", "stddev": 1}])").apply(src, rng);
    const auto [low, high] = std::minmax_element(clamped.data(), clamped.data() + clamped.numel());
    CHECK(*low == 0.0f);
    CHECK(*high == 1.0f);
}

TEST_CASE("jitter scales contrast around the image mean and adds brightness", "[augment]") {
    const Tensor src = Tensor::from_vector({2, 1, 1, 4}, {0.2f, 0.4f, 0.6f, 0.8f, 0, 0, 0, 0});
    const Tensor dst = augment::jitter(src, {{0.1f, 2.0f}, {0.5f, 1.0f}}, ValueRange{});
    // Mean 0.5: (v - 0.5) * 2 + 0.6, clamped to [0, 1].
    check_within(
        dst, Tensor::from_vector({2, 1, 1, 4}, {0.0f, 0.4f, 0.8f, 1.0f, 0.5f, 0.5f, 0.5f, 0.5f}),
        1e-6f);
}

TEST_CASE("blur keeps a constant image and the sum of a blob away from the edges", "[augment]") {
    const Tensor flat = Tensor::full({1, 2, 9, 7}, 0.3f);
    check_within(augment::blur(flat, {1.7f}), flat, 1e-5f);

    Tensor spot = Tensor::zeros({2, 1, 21, 21});
    spot.data()[10 * 21 + 10] = 1.0f;
    spot.data()[441 + 10 * 21 + 10] = 1.0f;
    const Tensor dst = augment::blur(spot, {1.5f, 0.0f});
    const double sum = std::accumulate(dst.data(), dst.data() + 441, 0.0);
    CHECK(sum == Approx(1.0).margin(1e-5));
    CHECK(dst.data()[10 * 21 + 10] < 0.2f);
    CHECK(dst.data()[10 * 21 + 9] == Approx(dst.data()[9 * 21 + 10]).margin(1e-7));
    CHECK(std::equal(dst.data() + 441, dst.data() + 882, spot.data() + 441));
    CHECK_THROWS_AS(augment::blur(spot, {-1.0f, 0.0f}), NumericalError);
}

TEST_CASE("one seed gives one result whatever the thread count", "[augment]") {
    const AugmentPipeline augment = pipeline(R"([
        {"type": "resized_crop", "min_scale": 0.5}, {"type": "hflip"},
        {"type": "translate", "fill": "reflect"}, {"type": "rotate"},
        {"type": "erase", "fill": "noise"}, {"type": "noise"}, {"type": "jitter"},
        {"type": "blur"}, {"type": "rotate90"}])");
    const Tensor src = random_batch({8, 3, 32, 32}, 9);
    const Tensor copy = src.clone();
    const int previous = num_threads();

    set_num_threads(1);
    Rng first(42);
    const Tensor serial = augment.apply(src, first);
    set_num_threads(2);
    Rng second(42);
    const Tensor parallel = augment.apply(src, second);
    Rng other(43);
    const Tensor different = augment.apply(src, other);
    set_num_threads(previous);

    CHECK(bit_identical(serial, parallel));
    CHECK_FALSE(bit_identical(serial, different));
    CHECK(bit_identical(src, copy));
    CHECK_FALSE(serial.requires_grad());
}

TEST_CASE("a pipeline describes itself in one line", "[augment]") {
    CHECK(pipeline(R"([{"type": "resized_crop", "min_scale": 0.5}, {"type": "hflip", "p": 0.5},
                       {"type": "noise", "stddev": 0.05}])")
              .describe() == "resized_crop(0.5-1) -> hflip(0.5) -> noise(0.05)");
    CHECK(AugmentPipeline().describe() == "none");
    CHECK(AugmentPipeline(json::value(), kPath).empty());
    CHECK(AugmentPipeline::transform_types().size() == 9);
}

TEST_CASE("pipeline JSON errors start with the path of the bad value", "[augment]") {
    auto fails_with = [](const std::string& text, const std::string& message) {
        CHECK_THROWS_AS(pipeline(text), ManifestError);
        CHECK_THROWS_WITH(pipeline(text), StartsWith(message));
    };
    fails_with(R"([{"type": "hflip"}, {"type": "hfilp"}])",
               "pretexts[0].params.augment[1].type: unknown transform \"hfilp\" (did you mean "
               "'hflip'?); the transforms are translate, resized_crop, hflip");
    fails_with(R"([{"type": "hflip"}, {"type": "resized_crop", "min_scal": 0.5}])",
               "pretexts[0].params.augment[1].min_scal: unknown key; did you mean 'min_scale'?");
    fails_with(
        R"([{"type": "hflip", "prob": 0.5}])",
        "pretexts[0].params.augment[0].prob: unknown key; the keys allowed here are type, p");
    fails_with(R"([{"type": "hflip"}, {"type": "hflip", "p": 1.5}])",
               "pretexts[0].params.augment[1].p: 1.5 is above the maximum 1");
    fails_with(R"([{"type": "hflip", "p": "half"}])",
               "pretexts[0].params.augment[0].p: expected a number");
    fails_with(R"([{"type": "resized_crop", "min_scale": 0.9, "max_scale": 0.5}])",
               "pretexts[0].params.augment[0].min_scale: 0.9 is above max_scale (0.5)");
    fails_with(R"([{"type": "resized_crop", "min_scale": 0}])",
               "pretexts[0].params.augment[0].min_scale: 0 must be above 0");
    fails_with(R"([{"type": "translate", "fill": "mirror"}])",
               "pretexts[0].params.augment[0].fill: \"mirror\" is not one of zero, reflect");
    fails_with(R"([{"p": 0.5}])", "pretexts[0].params.augment[0]: missing key 'type'");
    fails_with(R"(["hflip"])", "pretexts[0].params.augment[0]: expected an object");
    fails_with(R"({"type": "hflip"})", "pretexts[0].params.augment: expected an array");
}

TEST_CASE("a batch of the wrong rank or parameter count is refused", "[augment]") {
    CHECK_THROWS_AS(augment::hflip(ramp({2, 4, 4}), {true, true}), ShapeError);
    CHECK_THROWS_WITH(augment::hflip(ramp({2, 4, 4}), {true, true}),
                      Contains("expected a batch [N, C, H, W], got [2, 4, 4]"));
    CHECK_THROWS_WITH(augment::blur(ramp({2, 1, 4, 4}), {1.0f}),
                      Contains("1 per-image parameters for a batch of shape [2, 1, 4, 4]"));

    Tensor leaf = ramp({1, 1, 2, 2});
    leaf.set_requires_grad(true);
    CHECK_THROWS_AS(augment::rotate90(leaf, {1}), InternalError);
    Rng rng(0);
    CHECK_THROWS_WITH(AugmentPipeline().apply(leaf, rng), Contains("images.detach()"));
}
