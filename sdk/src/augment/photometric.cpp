// The transforms that change values in place: erase, add_noise, jitter, blur.
// Random values come from one Rng per image, seeded by the caller, so the
// result does not depend on which thread takes which image.

#include <algorithm>
#include <cmath>

#include "image_batch.hpp"
#include "selfsup/augment.hpp"

namespace selfsup::augment {

namespace {

using detail::BatchDims;
using detail::kParallelWork;

void check_rects(const std::vector<Rect>& rects, const BatchDims& dims, const char* op) {
    for (std::size_t n = 0; n < rects.size(); ++n) {
        const Rect& rect = rects[n];
        const bool empty = rect.height == 0 || rect.width == 0;
        const bool inside = rect.top >= 0 && rect.left >= 0 && rect.height >= 0 &&
                            rect.width >= 0 && rect.top + rect.height <= dims.h &&
                            rect.left + rect.width <= dims.w;
        if (!empty && !inside) {
            throw ShapeError(selfsup::detail::concat(
                "augment::", op, ": rectangle of image ", n, " (top ", rect.top, ", left ",
                rect.left, ", height ", rect.height, ", width ", rect.width,
                ") does not fit an image of ", dims.h, " x ", dims.w));
        }
    }
}

// Calls fill(value) for every value of `rect` in image `image` of `dst`, in
// row-major (c, y, x) order.
template <typename SetValue>
void fill_rect(float* dst, const BatchDims& dims, int64_t image, const Rect& rect, SetValue fill) {
    if (rect.height == 0 || rect.width == 0) return;
    for (int64_t c = 0; c < dims.c; ++c) {
        float* plane = dst + image * dims.image() + c * dims.plane();
        for (int64_t y = rect.top; y < rect.top + rect.height; ++y) {
            for (int64_t x = rect.left; x < rect.left + rect.width; ++x)
                fill(plane[y * dims.w + x]);
        }
    }
}

void check_range(ValueRange range, const char* op) {
    if (!(range.min < range.max) || !std::isfinite(range.min) || !std::isfinite(range.max)) {
        throw NumericalError(selfsup::detail::concat("augment::", op, ": value range [", range.min,
                                                     ", ", range.max, "] is empty or not finite"));
    }
}

// A normalised Gaussian of radius ceil(3 sigma): weights[i] for offset i - radius.
std::vector<float> gaussian_kernel(float sigma) {
    const auto radius = static_cast<int64_t>(std::ceil(3.0f * sigma));
    std::vector<double> weights(2 * radius + 1);
    double sum = 0.0;
    for (int64_t i = -radius; i <= radius; ++i) {
        const double t = static_cast<double>(i) / sigma;
        weights[i + radius] = std::exp(-0.5 * t * t);
        sum += weights[i + radius];
    }
    std::vector<float> kernel(weights.size());
    for (std::size_t i = 0; i < weights.size(); ++i)
        kernel[i] = static_cast<float>(weights[i] / sum);
    return kernel;
}

}  // namespace

Tensor erase(const Tensor& batch, const std::vector<Rect>& rects, float value) {
    const BatchDims dims = detail::check_batch(batch, rects.size(), "erase");
    check_rects(rects, dims, "erase");
    Tensor result = batch.clone();
    float* dst = result.data();
    for (int64_t n = 0; n < dims.n; ++n) {
        fill_rect(dst, dims, n, rects[n], [value](float& pixel) { pixel = value; });
    }
    return result;
}

Tensor erase_with_noise(const Tensor& batch, const std::vector<Rect>& rects,
                        const std::vector<uint64_t>& seeds, ValueRange range) {
    const BatchDims dims = detail::check_batch(batch, rects.size(), "erase_with_noise");
    detail::check_batch(batch, seeds.size(), "erase_with_noise");
    check_rects(rects, dims, "erase_with_noise");
    check_range(range, "erase_with_noise");
    Tensor result = batch.clone();
    float* dst = result.data();

#pragma omp parallel for schedule(static) if (batch.numel() > kParallelWork)
    for (int64_t n = 0; n < dims.n; ++n) {
        Rng rng(seeds[n]);
        fill_rect(dst, dims, n, rects[n],
                  [&](float& pixel) { pixel = rng.uniform(range.min, range.max); });
    }
    return result;
}

Tensor add_noise(const Tensor& batch, float stddev, const std::vector<uint64_t>& seeds,
                 std::optional<ValueRange> clamp) {
    const BatchDims dims = detail::check_batch(batch, seeds.size(), "add_noise");
    if (!(stddev >= 0.0f) || !std::isfinite(stddev)) {
        throw NumericalError(selfsup::detail::concat(
            "augment::add_noise: stddev must be finite and not negative, got ", stddev));
    }
    if (clamp) check_range(*clamp, "add_noise");
    Tensor result = Tensor::empty(batch.shape());
    const float* src = batch.data();
    float* dst = result.data();

#pragma omp parallel for schedule(static) if (batch.numel() > kParallelWork)
    for (int64_t n = 0; n < dims.n; ++n) {
        Rng rng(seeds[n]);
        const float* src_image = src + n * dims.image();
        float* dst_image = dst + n * dims.image();
        for (int64_t i = 0; i < dims.image(); ++i) {
            const float noisy = src_image[i] + rng.normal(0.0f, stddev);
            dst_image[i] = clamp ? std::clamp(noisy, clamp->min, clamp->max) : noisy;
        }
    }
    return result;
}

Tensor jitter(const Tensor& batch, const std::vector<Jitter>& params, ValueRange range) {
    const BatchDims dims = detail::check_batch(batch, params.size(), "jitter");
    check_range(range, "jitter");
    Tensor result = Tensor::empty(batch.shape());
    const float* src = batch.data();
    float* dst = result.data();

#pragma omp parallel for schedule(static) if (batch.numel() > kParallelWork)
    for (int64_t n = 0; n < dims.n; ++n) {
        const float* src_image = src + n * dims.image();
        float* dst_image = dst + n * dims.image();
        double sum = 0.0;
        for (int64_t i = 0; i < dims.image(); ++i) sum += src_image[i];
        const auto mean = static_cast<float>(sum / static_cast<double>(dims.image()));
        const Jitter jitter = params[n];
        for (int64_t i = 0; i < dims.image(); ++i) {
            const float value = (src_image[i] - mean) * jitter.contrast + mean + jitter.brightness;
            dst_image[i] = std::clamp(value, range.min, range.max);
        }
    }
    return result;
}

Tensor blur(const Tensor& batch, const std::vector<float>& sigmas) {
    const BatchDims dims = detail::check_batch(batch, sigmas.size(), "blur");
    for (std::size_t n = 0; n < sigmas.size(); ++n) {
        if (!(sigmas[n] >= 0.0f) || !std::isfinite(sigmas[n])) {
            throw NumericalError(selfsup::detail::concat("augment::blur: sigma of image ", n,
                                                         " must be finite and not negative, got ",
                                                         sigmas[n]));
        }
    }
    Tensor result = batch.clone();
    const float* src = batch.data();
    float* dst = result.data();

    // 1. One kernel per image, made before the parallel loop.
    std::vector<std::vector<float>> kernels(sigmas.size());
    for (std::size_t n = 0; n < sigmas.size(); ++n) {
        if (sigmas[n] > 0.0f) kernels[n] = gaussian_kernel(sigmas[n]);
    }

    // 2. Rows into a scratch plane (one per thread), then columns into the
    // result; each pass reads mirrored neighbours beyond the border.
#pragma omp parallel if (batch.numel() > kParallelWork)
    {
        std::vector<float> rows(dims.plane());
#pragma omp for schedule(static)
        for (int64_t image = 0; image < dims.n * dims.c; ++image) {
            const std::vector<float>& kernel = kernels[image / dims.c];
            if (kernel.empty()) continue;
            const auto radius = static_cast<int64_t>(kernel.size() / 2);
            const float* src_plane = src + image * dims.plane();
            float* dst_plane = dst + image * dims.plane();
            for (int64_t y = 0; y < dims.h; ++y) {
                for (int64_t x = 0; x < dims.w; ++x) {
                    float sum = 0.0f;
                    for (int64_t k = -radius; k <= radius; ++k) {
                        const int64_t sx = detail::reflect_index(x + k, dims.w);
                        sum += kernel[k + radius] * src_plane[y * dims.w + sx];
                    }
                    rows[y * dims.w + x] = sum;
                }
            }
            for (int64_t y = 0; y < dims.h; ++y) {
                for (int64_t x = 0; x < dims.w; ++x) {
                    float sum = 0.0f;
                    for (int64_t k = -radius; k <= radius; ++k) {
                        const int64_t sy = detail::reflect_index(y + k, dims.h);
                        sum += kernel[k + radius] * rows[sy * dims.w + x];
                    }
                    dst_plane[y * dims.w + x] = sum;
                }
            }
        }
    }
    return result;
}

}  // namespace selfsup::augment
