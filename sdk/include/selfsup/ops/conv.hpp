#pragma once

// 2-D convolution and transposed convolution on oneDNN primitives, forward and
// backward (gradients for src, weights and bias, each only when it requires one).
//
// Layouts at the boundary are plain: src [N, C, H, W], weights
// [out channels, in channels, kH, kW] for both ops (note: PyTorch stores
// transposed-convolution weights as [in, out, kH, kW]), bias [out channels]
// or an undefined Tensor for none. Inside, the primitives choose their own
// (blocked) layouts and the op reorders once at entry and exit; the backward
// keeps the src in the forward's layout, so it holds that copy until the
// backward runs or the graph is dropped.
//
// The primitives are made on the first call for a given set of shapes, options
// and bias presence, and reused for the life of the process. Bad shapes or
// options throw ShapeError naming the op, the shapes and the settings, before
// any work is done.

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::ops {

struct Conv2dOptions {
    int stride = 1;
    int padding = 0;
    int dilation = 1;
};

// The transpose of Conv2dOptions' convolution: the gradient of a convolution
// with the same settings, taken with respect to its src.
struct ConvTranspose2dOptions {
    int stride = 1;
    int padding = 0;
    // Extra rows and columns on the bottom/right of the output, to reach
    // sizes a stride would otherwise make ambiguous (e.g. 7 -> 14 with
    // kernel 3, stride 2, padding 1 needs output_padding 1). Must be smaller
    // than the stride or the dilation.
    int output_padding = 0;
    int dilation = 1;
};

// Output size along one spatial axis:
//   conv2d:           (src + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1,
//                     or 0 when the dilated kernel does not fit in the padded src;
//   conv_transpose2d: (src - 1) * stride - 2 * padding + dilation * (kernel - 1)
//                     + output_padding + 1, which may be <= 0 for too much padding.
SELFSUP_API int64_t conv2d_output_size(int64_t src_size, int kernel, const Conv2dOptions& options);
SELFSUP_API int64_t conv_transpose2d_output_size(int64_t src_size, int kernel,
                                                 const ConvTranspose2dOptions& options);

SELFSUP_API Tensor conv2d(const Tensor& src, const Tensor& weights, const Tensor& bias,
                          const Conv2dOptions& options = {});
SELFSUP_API Tensor conv_transpose2d(const Tensor& src, const Tensor& weights, const Tensor& bias,
                                    const ConvTranspose2dOptions& options = {});

}  // namespace selfsup::ops
