#pragma once

// An op of a plugin's own, as docs/writing-a-plugin.md builds it: softplus,
// forward and backward in plain loops, put on the autograd tape with
// selfsup::record. tests/sdk/doc_example_op_test.cpp checks its gradient
// against finite differences.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "selfsup/autograd.hpp"
#include "selfsup/tensor.hpp"

namespace my_plugin {

// [doc:softplus]
// softplus(x) = log(1 + exp(x)), a smooth ReLU, element-wise on any shape.
// Its derivative is sigmoid(x).
inline selfsup::Tensor softplus(const selfsup::Tensor& src) {
    using selfsup::Tensor;

    // 1. Forward, in a form that neither overflows for large x nor loses
    // digits for very negative x.
    Tensor dst = Tensor::empty(src.shape());
    const float* x = src.data();
    float* y = dst.data();
    for (int64_t i = 0; i < src.numel(); ++i) {
        y[i] = std::max(x[i], 0.0f) + std::log1p(std::exp(-std::abs(x[i])));
    }

    // 2. Backward: diff_src = diff_dst * sigmoid(src), one gradient per input.
    // It keeps a detached handle to src (never to dst, which would make a
    // cycle); record() drops it when no input wants a gradient.
    const Tensor saved = src.detach();
    return selfsup::record("softplus", dst, {src}, [saved](const Tensor& diff_dst) {
        Tensor diff_src = Tensor::empty(saved.shape());
        const float* x = saved.data();
        const float* dy = diff_dst.data();
        float* dx = diff_src.data();
        for (int64_t i = 0; i < saved.numel(); ++i) {
            dx[i] = dy[i] / (1.0f + std::exp(-x[i]));
        }
        return std::vector<Tensor>{diff_src};
    });
}
// [doc:softplus]

}  // namespace my_plugin
