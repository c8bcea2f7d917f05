#pragma once

// Decoder: the network a reconstruction pretext puts after the encoder, from
// an embedding [N, D] back to images [N, C, H, W]. It returns the output
// before the output activation (the pretext applies that, or folds it into
// the loss), so a sigmoid output can use the numerically stable
// bce_with_logits_loss.
//
// Three shapes, chosen by the "decoder" parameter:
// - mlp: Linear D -> each of decoder_hidden with ReLU -> C*H*W, reshaped;
// - conv: Linear D -> c0*h0*w0, ReLU, reshaped to [c0, h0, w0], then one
//   ConvTranspose2d (kernel 4, stride 2, padding 1) per entry of
//   decoder_channels, each doubling the size, ReLU between them;
// - upsample: the same start, each stage a nearest x2 upsampling followed by
//   a 3x3 convolution with padding 1.
// For k channel entries h0 = H / 2^k and w0 = W / 2^k, unless
// decoder_start_size gives the side of the first map instead.
//
// Parameters are initialised from the Rng given to the constructor, so one
// seed gives one decoder. Not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "selfsup/module.hpp"
#include "selfsup/params.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::reconstruction {

enum class DecoderKind { kMlp, kConv, kUpsample };

struct DecoderSpec {
    DecoderKind kind = DecoderKind::kConv;
    std::vector<int64_t> hidden{512};
    std::vector<int64_t> channels{64, 32};
    std::optional<int64_t> start_size;
};

// The decoder parameters of a reconstruction pretext, for images of
// `sample_shape` [C, H, W]. Throws ManifestError naming the parameter when a
// conv or upsample decoder without decoder_start_size cannot halve H and W
// once per entry of decoder_channels.
DecoderSpec read_decoder_spec(const Params& params, const Shape& sample_shape);

class Decoder : public Sequential {
public:
    Decoder(const DecoderSpec& spec, int64_t embedding_width, const Shape& sample_shape, Rng& rng);

    // The pre-activation images [N, C, H, W] for embeddings [N, D]. Throws
    // ShapeError naming both shapes, before computing anything, when the
    // decoder's output size is not the images' (a decoder_start_size that
    // does not double to H x W).
    Tensor forward(const Tensor& embedding) override;

private:
    Shape sample_shape_;
    // The output size the layers produce, and how (for the error message).
    int64_t output_height_ = 0;
    int64_t output_width_ = 0;
    std::string size_explanation_;
};

}  // namespace selfsup::reconstruction
