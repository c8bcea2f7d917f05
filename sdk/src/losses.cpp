#include "selfsup/losses.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"

namespace selfsup::ops {

namespace {

// Below this many elements (or multiply-adds, for NT-Xent) one thread is
// faster than waking the others.
constexpr int64_t kParallelWork = 32768;
// Elements per partial sum. Each partial is a float (GCC vectorises a float
// reduction inside a parallel region but not a double one), short enough to
// stay accurate; partials are added in double and in block order, so a loss
// value does not depend on the thread count.
constexpr int64_t kSumBlock = 256;

// exp and log written as plain float arithmetic. glibc only offers vector
// variants of expf/logf under -ffast-math, which we do not use, so without
// these every loss loop would make one scalar libm call per element (about
// 1 ms per 100k-element BCE step here). Both are accurate to a few ulp.
constexpr float kLn2Hi = 0.693145751953125f;
constexpr float kLn2Lo = 1.428606765330187e-06f;
constexpr float kLog2e = 1.4426950408889634f;
// exp() of anything below this is flushed to zero; 2^k must stay normal.
constexpr float kExpMin = -87.3f;
constexpr float kExpMax = 88.0f;

// exp(x): x = k ln2 + r with |r| <= ln2 / 2, exp(r) by its Taylor series to
// r^7 (truncation error below 1e-8), times 2^k built from the exponent bits.
// NaN stays NaN; below kExpMin gives 0; above kExpMax saturates at exp(88).
inline float fast_exp(float x) {
    const float clamped = x > kExpMax ? kExpMax : (x < kExpMin ? kExpMin : x);
    // Truncation is floor here because the shifted value is positive.
    const int32_t k = static_cast<int32_t>(clamped * kLog2e + 128.5f) - 128;
    const float kf = static_cast<float>(k);
    const float r = (clamped - kf * kLn2Hi) - kf * kLn2Lo;
    float poly = 1.0f / 5040.0f;
    poly = poly * r + 1.0f / 720.0f;
    poly = poly * r + 1.0f / 120.0f;
    poly = poly * r + 1.0f / 24.0f;
    poly = poly * r + 1.0f / 6.0f;
    poly = poly * r + 0.5f;
    poly = poly * r + 1.0f;
    poly = poly * r + 1.0f;
    const float scale = std::bit_cast<float>((k + 127) << 23);
    return x < kExpMin ? 0.0f : poly * scale;
}

// log(x) for positive normal x: x = 2^e m with m in [sqrt(1/2), sqrt(2)),
// log(m) = 2 atanh(f) with f = (m - 1) / (m + 1), |f| < 0.172, by its series
// to f^9. +inf and NaN pass through; zero, negatives and subnormals are not
// handled (callers clamp or add 1 first).
inline float fast_log(float x) {
    const int32_t bits = std::bit_cast<int32_t>(x);
    int32_t exponent = ((bits >> 23) & 0xff) - 127;
    float mantissa = std::bit_cast<float>((bits & 0x007fffff) | 0x3f800000);
    const bool high = mantissa > 1.41421356f;
    mantissa = high ? mantissa * 0.5f : mantissa;
    exponent = high ? exponent + 1 : exponent;
    const float f = (mantissa - 1.0f) / (mantissa + 1.0f);
    const float f2 = f * f;
    float poly = 1.0f / 9.0f;
    poly = poly * f2 + 1.0f / 7.0f;
    poly = poly * f2 + 1.0f / 5.0f;
    poly = poly * f2 + 1.0f / 3.0f;
    poly = poly * f2 + 1.0f;
    const float e = static_cast<float>(exponent);
    const float result = e * kLn2Hi + (e * kLn2Lo + 2.0f * f * poly);
    return x < std::numeric_limits<float>::infinity() ? result : x;
}

// Sum of term(i) over [0, count), block by block (see kSumBlock).
template <typename Term>
double blocked_sum(int64_t count, const Term& term) {
    const int64_t blocks = (count + kSumBlock - 1) / kSumBlock;
    std::vector<double> partials(static_cast<size_t>(blocks));
    double* partial = partials.data();
#pragma omp parallel for if (count > kParallelWork) schedule(static)
    for (int64_t block = 0; block < blocks; ++block) {
        const int64_t end = std::min(count, (block + 1) * kSumBlock);
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int64_t i = block * kSumBlock; i < end; ++i) sum += term(i);
        partial[block] = sum;
    }
    double total = 0.0;
    for (double value : partials) total += value;
    return total;
}

// A new tensor of `shape` with element i set to value(i).
template <typename Value>
Tensor map_elements(const Shape& shape, const Value& value) {
    Tensor dst = Tensor::empty(shape);
    float* out = dst.data();
    const int64_t count = dst.numel();
    // A private copy of `value` per thread: read through the shared
    // reference, its captures could alias `out` and the loop would not vectorise.
#pragma omp parallel for simd if (count > kParallelWork) schedule(static) firstprivate(value)
    for (int64_t i = 0; i < count; ++i) out[i] = value(i);
    return dst;
}

// The frame shared by the element-wise losses: the mean of term(src, target)
// over all elements, with backward scaling diff_src_of(src, target) and
// diff_target_of(src, target) by diff_dst / count.
template <typename Term, typename DiffSrc, typename DiffTarget>
Tensor elementwise_loss(const char* name, const char* src_role, const Tensor& src,
                        const Tensor& target, const Term& term, const DiffSrc& diff_src_of,
                        const DiffTarget& diff_target_of) {
    if (src.shape() != target.shape()) {
        throw ShapeError(detail::concat(name, ": ", src_role, " ", src.shape().str(),
                                        " and target ", target.shape().str(),
                                        " must have the same shape"));
    }
    const int64_t count = src.numel();
    if (count == 0) {
        throw ShapeError(detail::concat(name, ": ", src_role, " ", src.shape().str(),
                                        " is empty; the mean of no elements is undefined"));
    }

    const float* s = src.data();
    const float* t = target.data();
    const double total = blocked_sum(count, [s, t, &term](int64_t i) { return term(s[i], t[i]); });
    Tensor dst = Tensor::scalar(static_cast<float>(total / static_cast<double>(count)));

    const bool src_wanted = wants_grad(src);
    const bool target_wanted = wants_grad(target);
    return record(name, dst, {src, target},
                  [saved_src = src.detach(), saved_target = target.detach(), src_wanted,
                   target_wanted, count, diff_src_of, diff_target_of](const Tensor& diff_dst) {
                      const float scale = diff_dst.item() / static_cast<float>(count);
                      const float* s = saved_src.data();
                      const float* t = saved_target.data();
                      std::vector<Tensor> diffs(2);
                      if (src_wanted) {
                          diffs[0] = map_elements(saved_src.shape(), [=](int64_t i) {
                              return scale * diff_src_of(s[i], t[i]);
                          });
                      }
                      if (target_wanted) {
                          diffs[1] = map_elements(saved_target.shape(), [=](int64_t i) {
                              return scale * diff_target_of(s[i], t[i]);
                          });
                      }
                      return diffs;
                  });
}

// (softmax(logits) - one_hot(labels)) * scale, the gradient of softmax
// cross-entropy, from the per-row log-sum-exp of the forward.
Tensor scaled_softmax_minus_one_hot(const Tensor& logits, const Tensor& lse,
                                    const std::vector<int32_t>& labels, float scale) {
    const int64_t rows = logits.dim(0);
    const int64_t classes = logits.dim(1);
    const float* src = logits.data();
    const float* lse_data = lse.data();
    Tensor diff_src = Tensor::empty(logits.shape());
    float* diff = diff_src.data();
#pragma omp parallel for if (rows * classes > kParallelWork) schedule(static)
    for (int64_t row = 0; row < rows; ++row) {
        const float* x = src + row * classes;
        float* d = diff + row * classes;
        const float row_lse = lse_data[row];
#pragma omp simd
        for (int64_t k = 0; k < classes; ++k) d[k] = scale * fast_exp(x[k] - row_lse);
        d[labels[static_cast<size_t>(row)]] -= scale;
    }
    return diff_src;
}

constexpr float kProbabilityMin = 1e-7f;
constexpr float kProbabilityMax = 1.0f - 1e-7f;

// NaN passes through, so a diverged model still shows a NaN loss.
inline float clamp_probability(float p) {
    return p < kProbabilityMin ? kProbabilityMin : (p > kProbabilityMax ? kProbabilityMax : p);
}

// Rows below this norm are divided by it instead, so a zero embedding gives
// zero similarities rather than NaN.
constexpr float kNormMin = 1e-8f;

}  // namespace

Tensor mse_loss(const Tensor& prediction, const Tensor& target) {
    return elementwise_loss(
        "mse_loss", "prediction", prediction, target,
        [](float p, float t) { return (p - t) * (p - t); },
        [](float p, float t) { return 2.0f * (p - t); },
        [](float p, float t) { return 2.0f * (t - p); });
}

Tensor bce_loss(const Tensor& probabilities, const Tensor& target) {
    return elementwise_loss(
        "bce_loss", "probabilities", probabilities, target,
        [](float p, float t) {
            const float clamped = clamp_probability(p);
            return -(t * fast_log(clamped) + (1.0f - t) * fast_log(1.0f - clamped));
        },
        [](float p, float t) {
            // The clamp is flat outside [kProbabilityMin, kProbabilityMax], so
            // a probability saturated there gets no gradient.
            const bool inside = p >= kProbabilityMin && p <= kProbabilityMax;
            return inside ? (p - t) / (p * (1.0f - p)) : 0.0f;
        },
        [](float p, float) {
            const float clamped = clamp_probability(p);
            return fast_log(1.0f - clamped) - fast_log(clamped);
        });
}

Tensor bce_with_logits_loss(const Tensor& logits, const Tensor& target) {
    return elementwise_loss(
        "bce_with_logits_loss", "logits", logits, target,
        [](float x, float t) {
            // exp(-|x|) is at most 1, so neither exp nor log can overflow.
            const float positive_part = x > 0.0f ? x : 0.0f;
            return positive_part - x * t + fast_log(1.0f + fast_exp(-std::fabs(x)));
        },
        [](float x, float t) {
            const float e = fast_exp(-std::fabs(x));
            const float sigmoid = (x >= 0.0f ? 1.0f : e) / (1.0f + e);
            return sigmoid - t;
        },
        [](float x, float) { return -x; });
}

Tensor softmax_cross_entropy(const Tensor& logits, const std::vector<int32_t>& labels) {
    // 1. Validate everything before computing, so no throw can come from
    //    inside a parallel region.
    if (logits.rank() != 2 || logits.numel() == 0) {
        throw ShapeError(detail::concat("softmax_cross_entropy: logits must be [N, K] with ",
                                        "N, K >= 1, got ", logits.shape().str()));
    }
    const int64_t rows = logits.dim(0);
    const int64_t classes = logits.dim(1);
    if (static_cast<int64_t>(labels.size()) != rows) {
        throw ShapeError(detail::concat("softmax_cross_entropy: ", labels.size(),
                                        " labels for logits ", logits.shape().str(),
                                        "; expected one label per row (", rows, ")"));
    }
    for (int64_t row = 0; row < rows; ++row) {
        const int32_t label = labels[static_cast<size_t>(row)];
        if (label < 0 || label >= classes) {
            throw DataError(detail::concat("softmax_cross_entropy: label ", label, " at row ", row,
                                           " is outside [0, ", classes, ") for logits ",
                                           logits.shape().str()));
        }
    }

    // 2. Per row, log-sum-exp with the maximum subtracted so exp() stays <= 1.
    //    It is kept for backward, which needs softmax = exp(x - lse).
    const float* src = logits.data();
    Tensor lse = Tensor::empty(Shape{rows});
    float* lse_data = lse.data();
#pragma omp parallel for if (rows * classes > kParallelWork) schedule(static)
    for (int64_t row = 0; row < rows; ++row) {
        const float* x = src + row * classes;
        float max = x[0];
        for (int64_t k = 1; k < classes; ++k) max = x[k] > max ? x[k] : max;
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int64_t k = 0; k < classes; ++k) sum += fast_exp(x[k] - max);
        lse_data[row] = max + fast_log(sum);
    }

    // 3. Mean of lse - x[label] over rows, in row order.
    double total = 0.0;
    for (int64_t row = 0; row < rows; ++row) {
        total += lse_data[row] - src[row * classes + labels[static_cast<size_t>(row)]];
    }
    Tensor dst = Tensor::scalar(static_cast<float>(total / static_cast<double>(rows)));

    return record("softmax_cross_entropy", dst, {logits},
                  [saved_logits = logits.detach(), lse, labels, rows](const Tensor& diff_dst) {
                      const float scale = diff_dst.item() / static_cast<float>(rows);
                      return std::vector<Tensor>{
                          scaled_softmax_minus_one_hot(saved_logits, lse, labels, scale)};
                  });
}

Tensor nt_xent_loss(const Tensor& embeddings, float temperature) {
    // 1. Validate.
    if (embeddings.rank() != 2 || embeddings.dim(1) == 0) {
        throw ShapeError(detail::concat("nt_xent_loss: embeddings must be [2N, D] with D >= 1, ",
                                        "got ", embeddings.shape().str()));
    }
    const int64_t rows = embeddings.dim(0);
    const int64_t width = embeddings.dim(1);
    if (rows < 2 || rows % 2 != 0) {
        throw ShapeError(detail::concat(
            "nt_xent_loss: embeddings ", embeddings.shape().str(),
            " must have an even number of rows, at least 2: rows i and i + N are the two "
            "views of one sample"));
    }
    if (!(temperature > 0.0f) || !std::isfinite(temperature)) {
        throw NumericalError(detail::concat("nt_xent_loss: temperature must be positive and ",
                                            "finite, got ", temperature, "; 0.1 to 0.5 is usual"));
    }
    const int64_t pairs = rows / 2;
    const bool parallel = rows * rows * width > kParallelWork;

    // 2. Unit rows u_i = z_i / max(|z_i|, kNormMin); the norms are kept for backward.
    const float* src = embeddings.data();
    Tensor unit = Tensor::empty(embeddings.shape());
    Tensor norms = Tensor::empty(Shape{rows});
    float* u = unit.data();
    float* norm_data = norms.data();
#pragma omp parallel for if (parallel) schedule(static)
    for (int64_t i = 0; i < rows; ++i) {
        const float* z = src + i * width;
        float squares = 0.0f;
#pragma omp simd reduction(+ : squares)
        for (int64_t d = 0; d < width; ++d) squares += z[d] * z[d];
        const float norm = std::max(std::sqrt(squares), kNormMin);
        norm_data[i] = norm;
        const float inverse = 1.0f / norm;
#pragma omp simd
        for (int64_t d = 0; d < width; ++d) u[i * width + d] = z[d] * inverse;
    }

    // 3. Row i of s = u u^T / temperature without its diagonal, turned into
    //    softmax probabilities P (kept for backward); loss_i = lse_i - s_i,twin.
    Tensor probabilities = Tensor::empty(Shape{rows, rows});
    float* p = probabilities.data();
    std::vector<double> row_loss(static_cast<size_t>(rows));
    const float inverse_temperature = 1.0f / temperature;
#pragma omp parallel for if (parallel) schedule(static)
    for (int64_t i = 0; i < rows; ++i) {
        const float* ui = u + i * width;
        float* pi = p + i * rows;
        for (int64_t j = 0; j < rows; ++j) {
            const float* uj = u + j * width;
            float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
            for (int64_t d = 0; d < width; ++d) dot += ui[d] * uj[d];
            pi[j] = dot * inverse_temperature;
        }
        const int64_t twin = (i + pairs) % rows;
        const float positive = pi[twin];
        // -inf on the diagonal: it is never the maximum (another row exists)
        // and fast_exp turns it into an exact 0 probability.
        pi[i] = -std::numeric_limits<float>::infinity();
        float max = pi[0];
        for (int64_t j = 1; j < rows; ++j) max = pi[j] > max ? pi[j] : max;
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j < rows; ++j) {
            pi[j] = fast_exp(pi[j] - max);
            sum += pi[j];
        }
        const float inverse_sum = 1.0f / sum;
#pragma omp simd
        for (int64_t j = 0; j < rows; ++j) pi[j] *= inverse_sum;
        row_loss[static_cast<size_t>(i)] = static_cast<double>(max + fast_log(sum) - positive);
    }
    double total = 0.0;
    for (double loss : row_loss) total += loss;
    Tensor dst = Tensor::scalar(static_cast<float>(total / static_cast<double>(rows)));

    return record(
        "nt_xent_loss", dst, {embeddings},
        [unit, norms, probabilities, inverse_temperature, parallel](const Tensor& diff_dst) {
            // With G = (P - one_hot(twin)) * diff_dst / 2N, the gradient of the
            // similarities, d_u = (G + G^T) u / temperature; then through the
            // normalisation, d_z = (d_u - u (u . d_u)) / |z|.
            const int64_t rows = unit.dim(0);
            const int64_t width = unit.dim(1);
            const int64_t pairs = rows / 2;
            const float scale = diff_dst.item() / static_cast<float>(rows);
            const float* u = unit.data();
            const float* p = probabilities.data();
            const float* norm_data = norms.data();
            Tensor diff_src = Tensor::empty(unit.shape());
            float* diff = diff_src.data();
#pragma omp parallel for if (parallel) schedule(static)
            for (int64_t i = 0; i < rows; ++i) {
                const int64_t twin = (i + pairs) % rows;
                float* di = diff + i * width;
                std::fill(di, di + width, 0.0f);
                for (int64_t j = 0; j < rows; ++j) {
                    // G is zero on the diagonal, and j is i's twin exactly when
                    // i is j's, so the one-hot part of G + G^T is 2 there.
                    const float a = p[i * rows + j] + p[j * rows + i] - (j == twin ? 2.0f : 0.0f);
                    const float weight = a * scale * inverse_temperature;
                    const float* uj = u + j * width;
#pragma omp simd
                    for (int64_t d = 0; d < width; ++d) di[d] += weight * uj[d];
                }
                const float* ui = u + i * width;
                const float norm = norm_data[i];
                // Below kNormMin the norm was a constant, so only the scaling remains.
                float radial = 0.0f;
                if (norm > kNormMin) {
#pragma omp simd reduction(+ : radial)
                    for (int64_t d = 0; d < width; ++d) radial += ui[d] * di[d];
                }
                const float inverse_norm = 1.0f / norm;
#pragma omp simd
                for (int64_t d = 0; d < width; ++d) di[d] = (di[d] - radial * ui[d]) * inverse_norm;
            }
            return std::vector<Tensor>{diff_src};
        });
}

}  // namespace selfsup::ops
