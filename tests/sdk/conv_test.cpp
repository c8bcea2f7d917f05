#include "selfsup/ops/conv.hpp"

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

struct ConvCase {
    Shape src;
    Shape weights;
    int stride;
    int padding;
    int dilation;
    bool bias;
};

struct DeconvCase {
    Shape src;
    Shape weights;
    int stride;
    int padding;
    int output_padding;
    int dilation;
    bool bias;
};

float at(const Tensor& t, int64_t a, int64_t b, int64_t c, int64_t d) {
    return t.data()[((a * t.dim(1) + b) * t.dim(2) + c) * t.dim(3) + d];
}

// dst[n, o, y, x] = bias[o] + sum over c, ky, kx of
//     src[n, c, y * stride - padding + ky * dilation, x * stride - padding + kx * dilation]
//     * weights[o, c, ky, kx], reading zero outside src.
std::vector<float> direct_conv(const Tensor& src, const Tensor& weights, const Tensor& bias,
                               const ConvCase& c, int64_t height, int64_t width) {
    std::vector<float> dst;
    for (int64_t n = 0; n < src.dim(0); ++n) {
        for (int64_t o = 0; o < weights.dim(0); ++o) {
            for (int64_t y = 0; y < height; ++y) {
                for (int64_t x = 0; x < width; ++x) {
                    double total = bias.defined() ? bias.data()[o] : 0.0;
                    for (int64_t i = 0; i < src.dim(1); ++i) {
                        for (int64_t ky = 0; ky < weights.dim(2); ++ky) {
                            for (int64_t kx = 0; kx < weights.dim(3); ++kx) {
                                const int64_t sy = y * c.stride - c.padding + ky * c.dilation;
                                const int64_t sx = x * c.stride - c.padding + kx * c.dilation;
                                if (sy < 0 || sy >= src.dim(2) || sx < 0 || sx >= src.dim(3)) {
                                    continue;
                                }
                                total += at(src, n, i, sy, sx) * at(weights, o, i, ky, kx);
                            }
                        }
                    }
                    dst.push_back(static_cast<float>(total));
                }
            }
        }
    }
    return dst;
}

// The transpose of direct_conv: every src element scatters src[n, i, y, x] * weights[o, i, ky,
// kx] to dst[n, o, y * stride - padding + ky * dilation, x * stride - padding + kx * dilation].
std::vector<float> direct_deconv(const Tensor& src, const Tensor& weights, const Tensor& bias,
                                 const DeconvCase& c, int64_t height, int64_t width) {
    const int64_t outs = weights.dim(0);
    std::vector<double> dst(static_cast<size_t>(src.dim(0) * outs * height * width), 0.0);
    for (int64_t n = 0; n < src.dim(0); ++n) {
        for (int64_t i = 0; i < src.dim(1); ++i) {
            for (int64_t y = 0; y < src.dim(2); ++y) {
                for (int64_t x = 0; x < src.dim(3); ++x) {
                    for (int64_t o = 0; o < outs; ++o) {
                        for (int64_t ky = 0; ky < weights.dim(2); ++ky) {
                            for (int64_t kx = 0; kx < weights.dim(3); ++kx) {
                                const int64_t dy = y * c.stride - c.padding + ky * c.dilation;
                                const int64_t dx = x * c.stride - c.padding + kx * c.dilation;
                                if (dy < 0 || dy >= height || dx < 0 || dx >= width) continue;
                                dst[((n * outs + o) * height + dy) * width + dx] +=
                                    at(src, n, i, y, x) * at(weights, o, i, ky, kx);
                            }
                        }
                    }
                }
            }
        }
    }
    std::vector<float> result(dst.size());
    for (size_t k = 0; k < dst.size(); ++k) {
        const int64_t o = static_cast<int64_t>(k) / (height * width) % outs;
        result[k] = static_cast<float>(dst[k] + (bias.defined() ? bias.data()[o] : 0.0));
    }
    return result;
}

ops::Conv2dOptions options_of(const ConvCase& c) {
    return {c.stride, c.padding, c.dilation};
}

ops::ConvTranspose2dOptions options_of(const DeconvCase& c) {
    return {c.stride, c.padding, c.output_padding, c.dilation};
}

std::vector<Tensor> inputs_of(const Shape& src, const Shape& weights, bool bias, Rng& rng) {
    std::vector<Tensor> inputs{random_input(src, rng), random_input(weights, rng)};
    if (bias) inputs.push_back(random_input(Shape{weights[0]}, rng));
    return inputs;
}

Tensor bias_of(const std::vector<Tensor>& inputs) {
    return inputs.size() > 2 ? inputs[2] : Tensor();
}

const ConvCase kConvCases[] = {
    {{2, 3, 7, 7}, {4, 3, 3, 3}, 1, 1, 1, true},     // same-size 3x3
    {{1, 2, 9, 8}, {3, 2, 3, 3}, 2, 1, 1, true},     // stride 2, batch 1, odd sizes
    {{2, 2, 9, 9}, {3, 2, 3, 3}, 1, 0, 2, false},    // dilation 2, no bias
    {{1, 1, 5, 5}, {2, 1, 3, 3}, 2, 1, 1, false},    // one input channel
    {{2, 16, 6, 5}, {32, 16, 3, 3}, 2, 1, 1, true},  // blocked layouts
};

const DeconvCase kDeconvCases[] = {
    {{2, 3, 4, 4}, {2, 3, 4, 4}, 2, 1, 0, 1, true},     // the decoder's 4x4 stride 2
    {{1, 2, 7, 7}, {3, 2, 3, 3}, 2, 1, 1, 1, true},     // 7 -> 14 needs output_padding
    {{1, 2, 5, 5}, {2, 2, 3, 3}, 2, 1, 0, 1, false},    // 5 -> 9, odd, no bias
    {{2, 2, 4, 3}, {3, 2, 3, 3}, 1, 1, 0, 2, true},     // dilation 2
    {{1, 2, 3, 3}, {2, 2, 3, 3}, 2, 0, 1, 1, true},     // output_padding beyond padding
    {{2, 16, 3, 3}, {32, 16, 4, 4}, 2, 1, 0, 1, true},  // blocked layouts
    {{2, 16, 3, 5}, {1, 16, 4, 4}, 2, 1, 0, 1, true},   // one output channel, plain dst
};

}  // namespace

TEST_CASE("output sizes follow the convolution and transposed convolution formulas", "[conv]") {
    CHECK(ops::conv2d_output_size(28, 3, {1, 1, 1}) == 28);
    CHECK(ops::conv2d_output_size(28, 3, {2, 1, 1}) == 14);
    CHECK(ops::conv2d_output_size(14, 3, {2, 1, 1}) == 7);
    CHECK(ops::conv2d_output_size(9, 3, {1, 0, 2}) == 5);
    CHECK(ops::conv2d_output_size(2, 5, {1, 0, 1}) == 0);
    CHECK(ops::conv_transpose2d_output_size(7, 4, {2, 1, 0, 1}) == 14);
    CHECK(ops::conv_transpose2d_output_size(7, 3, {2, 1, 1, 1}) == 14);
    CHECK(ops::conv_transpose2d_output_size(5, 3, {2, 1, 0, 1}) == 9);
    CHECK(ops::conv_transpose2d_output_size(4, 3, {1, 1, 0, 2}) == 6);
}

TEST_CASE("conv2d matches a direct loop with stride, padding, dilation and bias", "[conv]") {
    Rng rng(3);
    for (const ConvCase& c : kConvCases) {
        INFO("src " << c.src.str() << " weights " << c.weights.str() << " stride " << c.stride
                    << " padding " << c.padding << " dilation " << c.dilation);
        const std::vector<Tensor> in = inputs_of(c.src, c.weights, c.bias, rng);
        const Tensor dst = ops::conv2d(in[0], in[1], bias_of(in), options_of(c));
        const int64_t height = ops::conv2d_output_size(c.src[2], c.weights[2], options_of(c));
        const int64_t width = ops::conv2d_output_size(c.src[3], c.weights[3], options_of(c));
        CHECK(dst.shape() == Shape{c.src[0], c.weights[0], height, width});
        check_close(dst.to_vector(), direct_conv(in[0], in[1], bias_of(in), c, height, width));
    }
}

TEST_CASE("conv_transpose2d matches a direct scatter loop, output_padding included", "[conv]") {
    Rng rng(5);
    for (const DeconvCase& c : kDeconvCases) {
        INFO("src " << c.src.str() << " weights " << c.weights.str() << " stride " << c.stride
                    << " padding " << c.padding << " output_padding " << c.output_padding
                    << " dilation " << c.dilation);
        const std::vector<Tensor> in = inputs_of(c.src, c.weights, c.bias, rng);
        const Tensor dst = ops::conv_transpose2d(in[0], in[1], bias_of(in), options_of(c));
        const int64_t height =
            ops::conv_transpose2d_output_size(c.src[2], c.weights[2], options_of(c));
        const int64_t width =
            ops::conv_transpose2d_output_size(c.src[3], c.weights[3], options_of(c));
        CHECK(dst.shape() == Shape{c.src[0], c.weights[0], height, width});
        check_close(dst.to_vector(), direct_deconv(in[0], in[1], bias_of(in), c, height, width));
    }
}

TEST_CASE("conv2d gradients of src, weights and bias match finite differences", "[conv][grad]") {
    Rng rng(11);
    // The blocked case is left to the forward check: its sums are long enough for float
    // rounding to swamp the finite differences.
    for (size_t k = 0; k + 1 < std::size(kConvCases); ++k) {
        const ConvCase& c = kConvCases[k];
        INFO("src " << c.src.str() << " weights " << c.weights.str());
        const std::vector<Tensor> in = inputs_of(c.src, c.weights, c.bias, rng);
        CHECK(gradient_mismatch(
                  [&](const std::vector<Tensor>& s) {
                      return ops::conv2d(s[0], s[1], bias_of(s), options_of(c));
                  },
                  in) == "");
    }
}

TEST_CASE("conv_transpose2d gradients of src, weights and bias match finite differences",
          "[conv][grad]") {
    Rng rng(13);
    for (const DeconvCase& c : kDeconvCases) {
        if (c.src[1] > 8) continue;
        INFO("src " << c.src.str() << " weights " << c.weights.str());
        const std::vector<Tensor> in = inputs_of(c.src, c.weights, c.bias, rng);
        CHECK(gradient_mismatch(
                  [&](const std::vector<Tensor>& s) {
                      return ops::conv_transpose2d(s[0], s[1], bias_of(s), options_of(c));
                  },
                  in) == "");
    }
}

TEST_CASE("gradients in blocked layouts match finite differences", "[conv][grad]") {
    Rng rng(17);
    const std::vector<Tensor> conv_in = inputs_of({1, 16, 4, 4}, {16, 16, 3, 3}, true, rng);
    CHECK(gradient_mismatch(
              [](const std::vector<Tensor>& s) {
                  return ops::conv2d(s[0], s[1], s[2], {2, 1, 1});
              },
              conv_in) == "");
    const std::vector<Tensor> deconv_in = inputs_of({1, 16, 2, 3}, {16, 16, 4, 4}, true, rng);
    CHECK(gradient_mismatch(
              [](const std::vector<Tensor>& s) {
                  return ops::conv_transpose2d(s[0], s[1], s[2], {2, 1, 0, 1});
              },
              deconv_in) == "");
    const std::vector<Tensor> plain_dst_in = inputs_of({1, 16, 3, 3}, {1, 16, 4, 4}, true, rng);
    CHECK(gradient_mismatch(
              [](const std::vector<Tensor>& s) {
                  return ops::conv_transpose2d(s[0], s[1], s[2], {2, 1, 0, 1});
              },
              plain_dst_in) == "");
}

TEST_CASE("a src that needs no gradient still gives weight and bias gradients", "[conv][grad]") {
    Rng rng(19);
    std::vector<Tensor> in = inputs_of({2, 1, 6, 6}, {3, 1, 3, 3}, true, rng);
    in[0].set_requires_grad(false);
    CHECK(gradient_mismatch(
              [](const std::vector<Tensor>& s) {
                  return ops::conv2d(s[0], s[1], s[2], {2, 1, 1});
              },
              in) == "");
    CHECK(gradient_mismatch(
              [](const std::vector<Tensor>& s) {
                  return ops::conv_transpose2d(s[0], s[1], s[2], {2, 1, 1, 1});
              },
              in) == "");
}

TEST_CASE("conv ops name themselves and both shapes on bad input", "[conv]") {
    const Tensor src = Tensor::zeros({2, 3, 8, 8});
    const Tensor weights4 = Tensor::zeros({5, 4, 3, 3});
    CHECK_THROWS_AS(ops::conv2d(src, weights4, Tensor()), ShapeError);
    CHECK_THROWS_WITH(ops::conv2d(src, weights4, Tensor()),
                      Catch::Contains("conv2d") && Catch::Contains("[2, 3, 8, 8]") &&
                          Catch::Contains("[5, 4, 3, 3]") && Catch::Contains("3 channels"));
    CHECK_THROWS_WITH(ops::conv_transpose2d(src, weights4, Tensor()),
                      Catch::Contains("conv_transpose2d") && Catch::Contains("[2, 3, 8, 8]") &&
                          Catch::Contains("[5, 4, 3, 3]"));

    const Tensor weights = Tensor::zeros({5, 3, 3, 3});
    CHECK_THROWS_AS(ops::conv2d(Tensor::zeros({3, 8, 8}), weights, Tensor()), ShapeError);
    CHECK_THROWS_WITH(ops::conv2d(Tensor::zeros({3, 8, 8}), weights, Tensor()),
                      Catch::Contains("conv2d") && Catch::Contains("[3, 8, 8]") &&
                          Catch::Contains("[5, 3, 3, 3]") && Catch::Contains("rank 4"));
    CHECK_THROWS_AS(ops::conv2d(src, weights, Tensor::zeros({4})), ShapeError);
    CHECK_THROWS_WITH(ops::conv2d(src, weights, Tensor::zeros({4})),
                      Catch::Contains("conv2d") && Catch::Contains("bias [4]") &&
                          Catch::Contains("[5, 3, 3, 3]"));

    const Tensor wide = Tensor::zeros({5, 3, 9, 9});
    CHECK_THROWS_AS(ops::conv2d(src, wide, Tensor()), ShapeError);
    CHECK_THROWS_WITH(ops::conv2d(src, wide, Tensor()),
                      Catch::Contains("conv2d") && Catch::Contains("[2, 3, 8, 8]") &&
                          Catch::Contains("[5, 3, 9, 9]") && Catch::Contains("output of 0x0"));
    CHECK_THROWS_AS(
        ops::conv_transpose2d(Tensor::zeros({1, 3, 1, 1}), weights, Tensor(), {1, 2, 0, 1}),
        ShapeError);
    CHECK_THROWS_WITH(
        ops::conv_transpose2d(Tensor::zeros({1, 3, 1, 1}), weights, Tensor(), {1, 2, 0, 1}),
        Catch::Contains("conv_transpose2d") && Catch::Contains("[1, 3, 1, 1]") &&
            Catch::Contains("output of -1x-1"));

    CHECK_THROWS_AS(ops::conv2d(src, weights, Tensor(), {0, 1, 1}), ShapeError);
    CHECK_THROWS_WITH(ops::conv_transpose2d(src, weights, Tensor(), {2, 1, 2, 1}),
                      Catch::Contains("conv_transpose2d") && Catch::Contains("output_padding 2"));
}

TEST_CASE("repeating a convolution step creates no new primitives", "[conv]") {
    Rng rng(23);
    const std::vector<Tensor> conv_in = inputs_of({2, 8, 9, 9}, {16, 8, 3, 3}, true, rng);
    const std::vector<Tensor> deconv_in = inputs_of({2, 16, 5, 5}, {4, 16, 4, 4}, true, rng);
    const auto step = [&] {
        total(ops::conv2d(conv_in[0], conv_in[1], conv_in[2], {2, 1, 1})).backward();
        total(ops::conv_transpose2d(deconv_in[0], deconv_in[1], deconv_in[2], {2, 1, 0, 1}))
            .backward();
    };
    step();
    const uint64_t after_first = primitives_created();
    step();
    CHECK(primitives_created() == after_first);
    CHECK(conv_in[0].grad().defined());
    CHECK(deconv_in[2].grad().defined());
}
