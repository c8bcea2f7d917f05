#include "selfsup/ops/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

// Reductions run as own loops rather than on oneDNN's reduction primitive:
// they accumulate in double, and every partial sum is added in a fixed order,
// so a result is the same for any thread count.

namespace selfsup::ops {

namespace {

constexpr int64_t kParallelWork = 65536;

double serial_sum(const float* values, int64_t count) {
    double total = 0.0;
#pragma omp simd reduction(+ : total)
    for (int64_t i = 0; i < count; ++i) total += values[i];
    return total;
}

// Sum of all `count` values, over fixed-size chunks whose partial sums are
// added in order.
double total_sum(const float* values, int64_t count) {
    constexpr int64_t kChunk = 16384;
    const int64_t chunks = (count + kChunk - 1) / kChunk;
    if (chunks <= 1) return serial_sum(values, count);
    std::vector<double> partial(static_cast<size_t>(chunks));
#pragma omp parallel for if (count > kParallelWork) schedule(static)
    for (int64_t c = 0; c < chunks; ++c) {
        partial[c] = serial_sum(values + c * kChunk, std::min(kChunk, count - c * kChunk));
    }
    double total = 0.0;
    for (double value : partial) total += value;
    return total;
}

// A plain tensor seen as [outer, length, inner] around one axis.
struct AxisView {
    int64_t outer = 1;
    int64_t length = 1;
    int64_t inner = 1;

    int64_t at(int64_t o, int64_t k, int64_t i) const { return (o * length + k) * inner + i; }
};

AxisView view_around(const char* name, const Shape& shape, int axis) {
    const int resolved = axis < 0 ? axis + shape.rank() : axis;
    if (resolved < 0 || resolved >= shape.rank()) {
        throw ShapeError(
            detail::concat(name, ": axis ", axis, " is out of range for shape ", shape.str()));
    }
    AxisView view;
    for (int d = 0; d < resolved; ++d) view.outer *= shape[d];
    view.length = shape[resolved];
    for (int d = resolved + 1; d < shape.rank(); ++d) view.inner *= shape[d];
    return view;
}

// dst[o, i] = sum over k of lhs[o, k, i] * rhs[o, k, i] (or of lhs alone when
// rhs is null), accumulated in double.
void sum_along(const float* lhs, const float* rhs, const AxisView& view, float* dst) {
    const bool parallel = view.outer > 1 && view.outer * view.length * view.inner > kParallelWork;
#pragma omp parallel if (parallel)
    {
        std::vector<double> total(static_cast<size_t>(view.inner));
#pragma omp for schedule(static)
        for (int64_t o = 0; o < view.outer; ++o) {
            std::fill(total.begin(), total.end(), 0.0);
            for (int64_t k = 0; k < view.length; ++k) {
                const float* lhs_row = lhs + view.at(o, k, 0);
                if (rhs == nullptr) {
                    for (int64_t i = 0; i < view.inner; ++i) total[i] += lhs_row[i];
                } else {
                    const float* rhs_row = rhs + view.at(o, k, 0);
                    for (int64_t i = 0; i < view.inner; ++i) {
                        total[i] += static_cast<double>(lhs_row[i]) * rhs_row[i];
                    }
                }
            }
            for (int64_t i = 0; i < view.inner; ++i) {
                dst[o * view.inner + i] = static_cast<float>(total[i]);
            }
        }
    }
}

// Where the norm exceeds eps, diff_src = (diff_dst - dst * <diff_dst, dst>) / norm: the
// part of the gradient along dst is removed. Where the norm was clamped to eps the
// denominator is a constant and diff_src = diff_dst / eps.
Tensor l2_normalize_backward(const Tensor& diff_dst, const Tensor& dst, const Tensor& denominator,
                             const AxisView& view, float eps) {
    Tensor dots = Tensor::empty(denominator.shape());
    sum_along(diff_dst.data(), dst.data(), view, dots.data());
    Tensor diff_src = Tensor::empty(dst.shape());
    const float* diff = diff_dst.data();
    const float* dst_values = dst.data();
    const float* denom = denominator.data();
    const float* dot = dots.data();
    float* out = diff_src.data();
#pragma omp parallel for if (diff_src.numel() > kParallelWork) schedule(static)
    for (int64_t o = 0; o < view.outer; ++o) {
        for (int64_t k = 0; k < view.length; ++k) {
            for (int64_t i = 0; i < view.inner; ++i) {
                const int64_t j = o * view.inner + i;
                const int64_t at = view.at(o, k, i);
                const float along = denom[j] > eps ? dot[j] : 0.0f;
                out[at] = (diff[at] - dst_values[at] * along) / denom[j];
            }
        }
    }
    return diff_src;
}

}  // namespace

Tensor sum(const Tensor& src) {
    Tensor dst = Tensor::scalar(static_cast<float>(total_sum(src.data(), src.numel())));
    const Shape src_shape = src.shape();
    return record("sum", dst, {src}, [src_shape](const Tensor& diff_dst) {
        return std::vector<Tensor>{Tensor::full(src_shape, diff_dst.item())};
    });
}

Tensor mean(const Tensor& src) {
    const int64_t count = src.numel();
    if (count == 0) {
        throw ShapeError(detail::concat("mean: src of shape ", src.shape().str(),
                                        " has no elements, so it has no mean"));
    }
    Tensor dst = Tensor::scalar(static_cast<float>(total_sum(src.data(), count) / count));
    const Shape src_shape = src.shape();
    return record("mean", dst, {src}, [src_shape, count](const Tensor& diff_dst) {
        return std::vector<Tensor>{
            Tensor::full(src_shape, static_cast<float>(diff_dst.item() / count))};
    });
}

Tensor sum(const Tensor& src, int axis) {
    const AxisView view = view_around("sum", src.shape(), axis);
    Shape dst_shape = src.shape();
    dst_shape[axis < 0 ? axis + src.rank() : axis] = 1;
    Tensor dst = Tensor::empty(dst_shape);
    sum_along(src.data(), nullptr, view, dst.data());

    const Shape src_shape = src.shape();
    return record("sum", dst, {src}, [src_shape, view](const Tensor& diff_dst) {
        // Every element along the axis receives its output's gradient.
        Tensor diff_src = Tensor::empty(src_shape);
        const float* diff = diff_dst.data();
        float* out = diff_src.data();
#pragma omp parallel for if (src_shape.numel() > kParallelWork) schedule(static)
        for (int64_t o = 0; o < view.outer; ++o) {
            for (int64_t k = 0; k < view.length; ++k) {
                std::copy_n(diff + o * view.inner, view.inner, out + view.at(o, k, 0));
            }
        }
        return std::vector<Tensor>{diff_src};
    });
}

Tensor l2_normalize(const Tensor& src, int axis, float eps) {
    if (!(eps > 0.0f)) {
        throw NumericalError(detail::concat("l2_normalize: eps must be positive, got ", eps));
    }
    const AxisView view = view_around("l2_normalize", src.shape(), axis);

    // 1. denominator[o, i] = max(||src[o, :, i]||, eps).
    Tensor denominator = Tensor::empty(Shape{view.outer * view.inner});
    float* denom = denominator.data();
    sum_along(src.data(), src.data(), view, denom);
    const int64_t vectors = view.outer * view.inner;
    for (int64_t j = 0; j < vectors; ++j) denom[j] = std::max(std::sqrt(denom[j]), eps);

    // 2. dst = src / denominator.
    Tensor dst = Tensor::empty(src.shape());
    const float* in = src.data();
    float* out = dst.data();
#pragma omp parallel for if (src.numel() > kParallelWork) schedule(static)
    for (int64_t o = 0; o < view.outer; ++o) {
        for (int64_t k = 0; k < view.length; ++k) {
            for (int64_t i = 0; i < view.inner; ++i) {
                out[view.at(o, k, i)] = in[view.at(o, k, i)] / denom[o * view.inner + i];
            }
        }
    }

    const Tensor saved_dst = dst.detach();
    return record("l2_normalize", dst, {src},
                  [saved_dst, denominator, view, eps](const Tensor& diff_dst) {
                      return std::vector<Tensor>{
                          l2_normalize_backward(diff_dst, saved_dst, denominator, view, eps)};
                  });
}

}  // namespace selfsup::ops
