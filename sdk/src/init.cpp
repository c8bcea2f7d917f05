#include "selfsup/init.hpp"

#include <cmath>

#include "selfsup/errors.hpp"

namespace selfsup::init {

namespace {

struct Fans {
    double in;
    double out;
};

Fans fans_of(const Tensor& weights, const char* scheme) {
    const Shape& shape = weights.shape();
    if (shape.rank() != 2 && shape.rank() != 4) {
        throw ShapeError(detail::concat("init::", scheme,
                                        ": needs weights [out, in] or [out, in, kH, kW], got ",
                                        shape.str()));
    }
    const int64_t receptive = shape.rank() == 4 ? shape[2] * shape[3] : 1;
    return {static_cast<double>(shape[1] * receptive), static_cast<double>(shape[0] * receptive)};
}

void fill_uniform(Tensor& tensor, Rng& rng, float low, float high) {
    // Sequential draws in element order, so one seed gives one tensor.
    float* dst = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i) dst[i] = rng.uniform(low, high);
}

void fill_normal(Tensor& tensor, Rng& rng, float stddev) {
    float* dst = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i) dst[i] = rng.normal(0.0f, stddev);
}

}  // namespace

void kaiming_uniform(Tensor& weights, Rng& rng, float gain) {
    const double fan_in = fans_of(weights, "kaiming_uniform").in;
    const auto bound = static_cast<float>(gain * std::sqrt(3.0 / fan_in));
    fill_uniform(weights, rng, -bound, bound);
}

void kaiming_normal(Tensor& weights, Rng& rng, float gain) {
    const auto stddev = static_cast<float>(gain / std::sqrt(fans_of(weights, "kaiming_normal").in));
    fill_normal(weights, rng, stddev);
}

void xavier_uniform(Tensor& weights, Rng& rng, float gain) {
    const Fans fans = fans_of(weights, "xavier_uniform");
    const auto bound = static_cast<float>(gain * std::sqrt(6.0 / (fans.in + fans.out)));
    fill_uniform(weights, rng, -bound, bound);
}

void xavier_normal(Tensor& weights, Rng& rng, float gain) {
    const Fans fans = fans_of(weights, "xavier_normal");
    const auto stddev = static_cast<float>(gain * std::sqrt(2.0 / (fans.in + fans.out)));
    fill_normal(weights, rng, stddev);
}

void uniform(Tensor& tensor, Rng& rng, float low, float high) {
    if (!(low <= high)) {
        throw NumericalError(
            detail::concat("init::uniform: low (", low, ") must not exceed high (", high, ")"));
    }
    fill_uniform(tensor, rng, low, high);
}

void zeros(Tensor& tensor) { fill(tensor, 0.0f); }

void fill(Tensor& tensor, float value) {
    float* dst = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i) dst[i] = value;
}

}  // namespace selfsup::init
