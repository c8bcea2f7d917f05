#include "decoder.hpp"

#include <memory>

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"

namespace selfsup::reconstruction {

namespace {

std::shared_ptr<Module> relu() {
    return std::make_shared<ActivationLayer>(Activation::kRelu);
}

const char* kind_name(DecoderKind kind) {
    switch (kind) {
        case DecoderKind::kMlp:
            return "mlp";
        case DecoderKind::kConv:
            return "conv";
        case DecoderKind::kUpsample:
            return "upsample";
    }
    return "?";
}

}  // namespace

DecoderSpec read_decoder_spec(const Params& params, const Shape& sample_shape) {
    DecoderSpec spec;
    const std::string kind = params.get_string("decoder");
    spec.kind = kind == "mlp"        ? DecoderKind::kMlp
                : kind == "upsample" ? DecoderKind::kUpsample
                                     : DecoderKind::kConv;
    spec.hidden = params.get_int_list("decoder_hidden");
    spec.channels = params.get_int_list("decoder_channels");
    if (params.has("decoder_start_size")) spec.start_size = params.get_int("decoder_start_size");
    if (spec.kind == DecoderKind::kMlp || spec.start_size) return spec;

    // Without a start size the first map is the image shrunk by 2 per stage,
    // which only works when the halvings are exact.
    const int64_t stages = static_cast<int64_t>(spec.channels.size());
    const int64_t factor = int64_t{1} << stages;
    const int64_t height = sample_shape[1];
    const int64_t width = sample_shape[2];
    if (height % factor != 0 || width % factor != 0) {
        throw ManifestError(
            detail::concat(params.path_of("decoder_channels"), ": the ", kind,
                           " decoder doubles its feature map once per entry of decoder_channels (",
                           stages, " entries), so the image height and width (", height, "x", width,
                           ") must be divisible by ", factor,
                           "; use fewer entries, or set decoder_start_size so that it doubles ",
                           stages, " times to exactly the image size"));
    }
    return spec;
}

Decoder::Decoder(const DecoderSpec& spec, int64_t embedding_width, const Shape& sample_shape,
                 Rng& rng)
    : sample_shape_(sample_shape) {
    const int64_t channels = sample_shape[0];
    const int64_t height = sample_shape[1];
    const int64_t width = sample_shape[2];

    if (spec.kind == DecoderKind::kMlp) {
        int64_t in_features = embedding_width;
        for (int64_t hidden : spec.hidden) {
            add(std::make_shared<Linear>(in_features, hidden, rng));
            add(relu());
            in_features = hidden;
        }
        add(std::make_shared<Linear>(in_features, channels * height * width, rng));
        add(std::make_shared<Reshape>(sample_shape));
        output_height_ = height;
        output_width_ = width;
        return;
    }

    // 1. A linear layer to the first feature map.
    const size_t stages = spec.channels.size();
    const int64_t factor = int64_t{1} << stages;
    const int64_t start_height = spec.start_size.value_or(height / factor);
    const int64_t start_width = spec.start_size.value_or(width / factor);
    const int64_t start_channels = spec.channels.front();
    add(std::make_shared<Linear>(embedding_width, start_channels * start_height * start_width,
                                 rng));
    add(relu());
    add(std::make_shared<Reshape>(Shape{start_channels, start_height, start_width}));

    // 2. One doubling stage per entry, the last one to the image's channels,
    //    with no activation after it: the pretext owns the output activation.
    for (size_t stage = 0; stage < stages; ++stage) {
        const int64_t in_channels = spec.channels[stage];
        const int64_t out_channels = stage + 1 < stages ? spec.channels[stage + 1] : channels;
        if (spec.kind == DecoderKind::kConv) {
            add(std::make_shared<ConvTranspose2d>(
                in_channels, out_channels, 4, rng,
                ops::ConvTranspose2dOptions{.stride = 2, .padding = 1}));
        } else {
            add(std::make_shared<Upsample>(2, ops::UpsampleMode::kNearest));
            add(std::make_shared<Conv2d>(in_channels, out_channels, 3, rng,
                                         ops::Conv2dOptions{.stride = 1, .padding = 1}));
        }
        if (stage + 1 < stages) add(relu());
    }

    output_height_ = start_height * factor;
    output_width_ = start_width * factor;
    size_explanation_ = detail::concat(
        "the ", kind_name(spec.kind), " decoder starts from a ", start_height, "x", start_width,
        " feature map and doubles it ", stages, " times to ", output_height_, "x", output_width_);
    if (height == width && height % factor == 0) {
        size_explanation_ +=
            detail::concat("; set decoder_start_size to ", height / factor, " or leave it unset");
    } else {
        size_explanation_ += detail::concat("; decoder_start_size times ", factor,
                                            " must equal the image height and width");
    }
}

Tensor Decoder::forward(const Tensor& embedding) {
    if (output_height_ != sample_shape_[1] || output_width_ != sample_shape_[2]) {
        const int64_t batch = embedding.rank() > 0 ? embedding.dim(0) : 1;
        const Shape produced{batch, sample_shape_[0], output_height_, output_width_};
        const Shape wanted{batch, sample_shape_[0], sample_shape_[1], sample_shape_[2]};
        throw ShapeError(detail::concat("decoder: it would produce ", produced.str(),
                                        " but the images are ", wanted.str(), ": ",
                                        size_explanation_));
    }
    return Sequential::forward(embedding);
}

}  // namespace selfsup::reconstruction
