#pragma once

// 2-D convolution and transposed convolution on oneDNN primitives.
//
// Layouts at the boundary are plain: src [N, C, H, W], weights
// [out channels, in channels, kH, kW] for both ops (note: PyTorch stores
// transposed-convolution weights as [in, out, kH, kW]), bias [out channels]
// or an undefined Tensor for none. Inside, the primitives choose their own
// (blocked) layouts and the op reorders once at entry and exit.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

struct Conv2dOptions {
    int stride = 1;
    int padding = 0;
    int dilation = 1;
};

struct ConvTranspose2dOptions {
    int stride = 1;
    int padding = 0;
    // Extra rows and columns on the bottom/right of the output, to reach
    // sizes a stride would otherwise make ambiguous (e.g. 7 -> 14 with
    // kernel 3, stride 2, padding 1 needs output_padding 1).
    int output_padding = 0;
    int dilation = 1;
};

// Output size along one spatial axis.
SELFSUP_API int64_t conv2d_output_size(int64_t src_size, int kernel, const Conv2dOptions& options);
SELFSUP_API int64_t conv_transpose2d_output_size(int64_t src_size, int kernel,
                                                 const ConvTranspose2dOptions& options);

SELFSUP_API Tensor conv2d(const Tensor& src, const Tensor& weights, const Tensor& bias,
                          const Conv2dOptions& options = {});
SELFSUP_API Tensor conv_transpose2d(const Tensor& src, const Tensor& weights, const Tensor& bias,
                                    const ConvTranspose2dOptions& options = {});

}  // namespace selfsup::ops
