#include "selfsup/ops/pool.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "gradcheck.hpp"
#include "selfsup/errors.hpp"

using namespace selfsup;
using selfsup::testing::gradient_mismatch;
using selfsup::testing::random_input;

namespace {

// Pooling by definition: every window over the unpadded cells it covers.
Tensor reference_pool(const Tensor& src, const ops::Pool2dOptions& options, bool max) {
    const int stride = options.stride == 0 ? options.kernel : options.stride;
    const int64_t height = src.dim(2), width = src.dim(3);
    const int64_t out_h = (height + 2 * options.padding - options.kernel) / stride + 1;
    const int64_t out_w = (width + 2 * options.padding - options.kernel) / stride + 1;
    Tensor dst = Tensor::empty({src.dim(0), src.dim(1), out_h, out_w});
    for (int64_t plane = 0; plane < src.dim(0) * src.dim(1); ++plane) {
        const float* in = src.data() + plane * height * width;
        for (int64_t oy = 0; oy < out_h; ++oy) {
            for (int64_t ox = 0; ox < out_w; ++ox) {
                float best = -std::numeric_limits<float>::infinity();
                double total = 0.0;
                int cells = 0;
                for (int64_t ky = 0; ky < options.kernel; ++ky) {
                    for (int64_t kx = 0; kx < options.kernel; ++kx) {
                        const int64_t y = oy * stride - options.padding + ky;
                        const int64_t x = ox * stride - options.padding + kx;
                        if (y < 0 || y >= height || x < 0 || x >= width) continue;
                        best = std::max(best, in[y * width + x]);
                        total += in[y * width + x];
                        ++cells;
                    }
                }
                dst.data()[(plane * out_h + oy) * out_w + ox] =
                    max ? best : static_cast<float>(total / cells);
            }
        }
    }
    return dst;
}

// Distinct values at least 0.05 apart in a shuffled order, so that the +-0.01
// steps of the gradient check never change which element is a window's maximum.
Tensor distinct_input(const Shape& shape, Rng& rng) {
    Tensor tensor = Tensor::empty(shape);
    const int64_t count = tensor.numel();
    for (int64_t i = 0; i < count; ++i)
        tensor.data()[i] = 0.05f * static_cast<float>(i - count / 2);
    for (int64_t i = count - 1; i > 0; --i) {
        std::swap(tensor.data()[i], tensor.data()[rng.below(static_cast<uint64_t>(i + 1))]);
    }
    tensor.set_requires_grad(true);
    return tensor;
}

void check_close(const Tensor& got, const Tensor& expected) {
    REQUIRE(got.shape() == expected.shape());
    for (int64_t i = 0; i < got.numel(); ++i) {
        CHECK(got.data()[i] == Approx(expected.data()[i]).margin(1e-6));
    }
}

}  // namespace

TEST_CASE("max pooling a known 4x4 keeps each window's maximum", "[ops][pool]") {
    const Tensor src = Tensor::from_vector({1, 1, 4, 4}, {1, 5, 2, 0,    //
                                                          3, 4, 8, 7,    //
                                                          -1, -2, 6, 9,  //
                                                          -3, 0, 1, 2});
    const Tensor dst = ops::max_pool2d(src);
    CHECK(dst.shape() == Shape{1, 1, 2, 2});
    CHECK(dst.to_vector() == std::vector<float>{5, 8, 0, 9});
}

TEST_CASE("average pooling leaves padding cells out of the average", "[ops][pool]") {
    const Tensor src = Tensor::from_vector({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const Tensor dst = ops::avg_pool2d(src, {.kernel = 3, .stride = 1, .padding = 1});
    CHECK(dst.shape() == Shape{1, 1, 3, 3});
    CHECK(dst.data()[0] == Approx((1 + 2 + 4 + 5) / 4.0f));
    CHECK(dst.data()[1] == Approx((1 + 2 + 3 + 4 + 5 + 6) / 6.0f));
    CHECK(dst.data()[4] == Approx(5.0f));
}

TEST_CASE("pooling matches the definition for strides, padding and odd sizes", "[ops][pool]") {
    Rng rng(41);
    const auto [shape, options] =
        GENERATE(std::pair{Shape{2, 3, 6, 6}, ops::Pool2dOptions{2, 0, 0}},
                 std::pair{Shape{1, 2, 5, 7}, ops::Pool2dOptions{3, 2, 1}},
                 std::pair{Shape{1, 1, 5, 7}, ops::Pool2dOptions{3, 1, 0}},
                 std::pair{Shape{2, 2, 7, 5}, ops::Pool2dOptions{2, 3, 1}});
    const Tensor src = random_input(shape, rng);
    check_close(ops::max_pool2d(src, options), reference_pool(src, options, true));
    check_close(ops::avg_pool2d(src, options), reference_pool(src, options, false));
}

TEST_CASE("nearest upsampling repeats each pixel", "[ops][pool]") {
    const Tensor src = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4});
    const Tensor dst = ops::upsample(src, 2, ops::UpsampleMode::kNearest);
    CHECK(dst.shape() == Shape{1, 1, 4, 4});
    CHECK(dst.to_vector() == std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
}

TEST_CASE("bilinear upsampling of a known 2x2 interpolates between pixel centres", "[ops][pool]") {
    const Tensor src = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4});
    const Tensor dst = ops::upsample(src, 2, ops::UpsampleMode::kBilinear);
    // Output pixel centres map to input coordinates (i + 0.5) / 2 - 0.5, i.e.
    // -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]: weights 0, 0.25, 0.75, 1.
    const float along[4] = {0.0f, 0.25f, 0.75f, 1.0f};
    REQUIRE(dst.shape() == Shape{1, 1, 4, 4});
    for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 4; ++x) {
            const float top = 1.0f + along[x];
            const float bottom = 3.0f + along[x];
            CHECK(dst.data()[y * 4 + x] == Approx(top + (bottom - top) * along[y]));
        }
    }
}

TEST_CASE("pooling and upsampling gradients match finite differences", "[ops][pool][grad]") {
    Rng rng(42);
    const auto [shape, options] =
        GENERATE(std::pair{Shape{1, 1, 4, 4}, ops::Pool2dOptions{2, 0, 0}},
                 std::pair{Shape{1, 2, 5, 7}, ops::Pool2dOptions{3, 2, 1}},
                 std::pair{Shape{2, 3, 5, 7}, ops::Pool2dOptions{2, 1, 0}},
                 std::pair{Shape{2, 1, 6, 5}, ops::Pool2dOptions{3, 3, 1}});
    Tensor distinct = distinct_input(shape, rng);
    Tensor src = random_input(shape, rng);
    const ops::Pool2dOptions settings = options;
    CHECK(gradient_mismatch([settings](auto& s) { return ops::max_pool2d(s[0], settings); },
                            {distinct}) == "");
    CHECK(gradient_mismatch([settings](auto& s) { return ops::avg_pool2d(s[0], settings); },
                            {src}) == "");
    for (int factor : {1, 2, 3}) {
        CAPTURE(factor);
        CHECK(gradient_mismatch(
                  [factor](auto& s) {
                      return ops::upsample(s[0], factor, ops::UpsampleMode::kNearest);
                  },
                  {src}) == "");
        CHECK(gradient_mismatch(
                  [factor](auto& s) {
                      return ops::upsample(s[0], factor, ops::UpsampleMode::kBilinear);
                  },
                  {src}) == "");
    }
}

TEST_CASE("pooling with a kernel larger than the padded input names both shapes", "[ops][pool]") {
    const Tensor src = Tensor::zeros({1, 1, 3, 3});
    CHECK_THROWS_AS(ops::max_pool2d(src, {.kernel = 5}), ShapeError);
    CHECK_THROWS_WITH(ops::max_pool2d(src, {.kernel = 5}),
                      Catch::Contains("max_pool2d") && Catch::Contains("[5, 5]") &&
                          Catch::Contains("[3, 3]") && Catch::Contains("[1, 1, 3, 3]"));
    CHECK_THROWS_WITH(ops::avg_pool2d(src, {.kernel = 6, .padding = 1}),
                      Catch::Contains("avg_pool2d") && Catch::Contains("[5, 5]"));
    CHECK_NOTHROW(ops::max_pool2d(src, {.kernel = 5, .padding = 1}));
}

TEST_CASE("pooling and upsampling reject what is not a batch of images", "[ops][pool]") {
    CHECK_THROWS_WITH(ops::max_pool2d(Tensor::zeros({3, 4, 4})),
                      Catch::Contains("max_pool2d") && Catch::Contains("[3, 4, 4]"));
    CHECK_THROWS_WITH(ops::upsample(Tensor::zeros({4, 4}), 2, ops::UpsampleMode::kNearest),
                      Catch::Contains("upsample") && Catch::Contains("[4, 4]"));
    CHECK_THROWS_AS(ops::avg_pool2d(Tensor::zeros({1, 1, 4, 4}), {.kernel = 2, .padding = 2}),
                    ShapeError);
    CHECK_THROWS_AS(ops::upsample(Tensor::zeros({1, 1, 2, 2}), 0, ops::UpsampleMode::kBilinear),
                    ShapeError);
}
