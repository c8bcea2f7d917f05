#include "reconstruction.hpp"

#include <algorithm>
#include <numbers>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/log.hpp"
#include "selfsup/ops.hpp"

namespace selfsup::reconstruction {

namespace {

constexpr const char* kSharedSchemaEntries =
    R"json(
    "decoder": {"type": "string", "default": "conv", "enum": ["conv", "mlp", "upsample"],
        "description": "decoder network: conv (a linear layer to a small feature map, )json"
    R"json(then transposed convolutions 4x4 stride 2 that double it), upsample (the same )json"
    R"json(start, )json"
    R"json(each stage a nearest x2 upsampling and a 3x3 convolution), or mlp (fully )json"
    R"json(connected )json"
    R"json(layers)"},
    "decoder_hidden": {"type": "array", "items": {"type": "integer", "min": 1, "max": 65536},
        "max_items": 8, "default": [512],
        "description": "mlp decoder only: widths of its hidden layers, each followed by )json"
    R"json(ReLU; [] makes the decoder one linear layer"},
    "decoder_channels": {"type": "array", "items": {"type": "integer", "min": 1, "max": 4096},
        "min_items": 1, "max_items": 6, "default": [64, 32],
        "description": "conv and upsample decoders: channels of the feature map )json"
    R"json(entering each doubling stage; with k entries the first map is (H / 2^k) x (W / )json"
    R"json(2^k), so )json"
    R"json([64, 32] turns 64x7x7 into 32x14x14 and then the 28x28 image"},
    "decoder_start_size": {"type": "integer", "min": 1, "max": 4096, "default": null,
        "description": "conv and upsample decoders: side of the first feature map )json"
    R"json(instead of H / 2^k; it must double to exactly the image size"},
    "output_activation": {"type": "string", "default": "sigmoid",
        "enum": ["sigmoid", "linear", "tanh", "relu"],
        "description": "activation of the decoder's output: sigmoid (for images in a )json"
    R"json(fixed range; targets are mapped to [0, 1]), tanh (inputs and targets are )json"
    R"json(rescaled to )json"
    R"json([-1, 1]), or linear (the dataset's own range; needs loss mse); relu is refused"},
    "loss": {"type": "string", "default": "bce", "enum": ["bce", "mse"],
        "description": "bce: binary cross-entropy, mean over pixels (needs )json"
    R"json(output_activation sigmoid); mse: mean squared error"}
)json";

const char* activation_name(OutputActivation activation) {
    switch (activation) {
        case OutputActivation::kSigmoid:
            return "sigmoid";
        case OutputActivation::kLinear:
            return "linear";
        case OutputActivation::kTanh:
            return "tanh";
    }
    return "?";
}

}  // namespace

std::string reconstruction_schema(const std::string& own_entries) {
    if (own_entries.empty()) return detail::concat("{", kSharedSchemaEntries, "}");
    return detail::concat("{", own_entries, ",", kSharedSchemaEntries, "}");
}

ReconstructionPretext::ReconstructionPretext(std::string name, const Params& params,
                                             const PretextContext& context)
    : name_(std::move(name)), dataset_(context.dataset) {
    const Shape& shape = dataset_.sample_shape;
    if (shape.rank() != 3 || shape.numel() == 0) {
        throw ShapeError(detail::concat(name_, ": the dataset's sample shape ", shape.str(),
                                        " is not [C, H, W] with every size at least 1"));
    }
    if (!(dataset_.max_value > dataset_.min_value)) {
        throw DataError(detail::concat(name_, ": the dataset's value range [", dataset_.min_value,
                                       ", ", dataset_.max_value,
                                       "] is empty; images cannot be reconstructed in it"));
    }

    // 1. Output activation and loss, refusing the pairs that cannot train.
    const std::string activation = params.get_string("output_activation");
    if (activation == "relu") {
        throw ManifestError(detail::concat(
            params.path_of("output_activation"),
            ": relu is refused as the output activation: an output pushed below zero gets no "
            "gradient, so those pixels stay dead at 0, and nothing bounds the output from "
            "above; use sigmoid (with loss bce) for images in a fixed range"));
    }
    activation_ = activation == "linear" ? OutputActivation::kLinear
                  : activation == "tanh" ? OutputActivation::kTanh
                                         : OutputActivation::kSigmoid;
    loss_ = params.get_string("loss") == "mse" ? LossKind::kMse : LossKind::kBce;
    if (loss_ == LossKind::kBce && activation_ != OutputActivation::kSigmoid) {
        throw ManifestError(detail::concat(
            params.path_of("loss"), ": bce (binary cross-entropy) needs predictions in [0, 1], ",
            "but a ", activation_name(activation_), " output is not bounded to it; use loss ",
            "mse, or output_activation sigmoid"));
    }

    // 2. The map from the dataset's range onto the activation's.
    float low = dataset_.min_value;
    float high = dataset_.max_value;
    if (activation_ == OutputActivation::kSigmoid) {
        low = 0.0f;
        high = 1.0f;
    } else if (activation_ == OutputActivation::kTanh) {
        // TODO: downstream training feeds the encoder images in the dataset's
        // range, not [-1, 1], so a tanh-pretrained encoder sees shifted inputs
        // there; the framework has no way yet to carry an input map from the
        // pretext to the downstream stage.
        low = -1.0f;
        high = 1.0f;
        log_message(LogLevel::kInfo, name_,
                    detail::concat("output_activation tanh: the encoder's inputs and the "
                                   "reconstruction targets are rescaled from [",
                                   dataset_.min_value, ", ", dataset_.max_value,
                                   "] to [-1, 1] during pretraining; previews are mapped back"));
    }
    target_scale_ = (high - low) / (dataset_.max_value - dataset_.min_value);
    target_offset_ = low - dataset_.min_value * target_scale_;

    // 3. The decoder and the corruption stream, from separate streams of the
    //    seed, so neither repeats the encoder's initialisation.
    Rng root(context.seed);
    Rng init_rng = root.split(1);
    rng_ = root.split(2);
    const int64_t embedding_width = context.encoder.embedding_width();
    decoder_ = std::make_shared<Decoder>(read_decoder_spec(params, shape), embedding_width, shape,
                                         init_rng);

    // 4. An encoder at least as wide as an image can pass the image through.
    if (embedding_width >= shape.numel()) {
        log_message(LogLevel::kWarning, name_,
                    detail::concat("the embedding (", embedding_width,
                                   " values) is at least as wide as an image ", shape.str(), " (",
                                   shape.numel(),
                                   " values): the bottleneck is overcomplete, so an autoencoder "
                                   "can learn the identity instead of features; use a narrower "
                                   "embedding or a corrupting pretext"));
    }
}

Tensor ReconstructionPretext::loss(Encoder& encoder, const Tensor& images) {
    const Forward forward = run(encoder, images, "loss");
    const bool identity = target_scale_ == 1.0f && target_offset_ == 0.0f;
    const Tensor target = identity ? images : ops::scale(images, target_scale_, target_offset_);
    return compare(forward.logits, target, forward.corruption.loss_mask);
}

std::vector<std::pair<std::string, Module*>> ReconstructionPretext::modules() {
    return {{"decoder", decoder_.get()}};
}

std::vector<Preview> ReconstructionPretext::previews(Encoder& encoder, const Tensor& images) {
    const Forward forward = run(encoder, images, "previews");

    // Back from the activation's range to the dataset's; a linear output can
    // overshoot it, so clamp.
    const Tensor activated = activate(forward.logits);
    Tensor shown = Tensor::empty(activated.shape());
    const float* src = activated.data();
    float* dst = shown.data();
    for (int64_t i = 0; i < shown.numel(); ++i) {
        const float value = (src[i] - target_offset_) / target_scale_;
        dst[i] = std::clamp(value, dataset_.min_value, dataset_.max_value);
    }

    std::vector<Preview> result{{"input", images}};
    if (corrupts()) result.push_back({"corrupted", forward.corruption.images});
    result.push_back({"reconstruction", shown});
    return result;
}

ReconstructionPretext::Forward ReconstructionPretext::run(Encoder& encoder, const Tensor& images,
                                                          const char* caller) {
    const Shape& sample = dataset_.sample_shape;
    if (images.rank() != 4 || images.dim(0) == 0 || images.dim(1) != sample[0] ||
        images.dim(2) != sample[1] || images.dim(3) != sample[2]) {
        throw ShapeError(detail::concat(name_, " ", caller, ": images ", images.shape().str(),
                                        " are not a batch [N, ", sample[0], ", ", sample[1], ", ",
                                        sample[2], "] of the dataset's images"));
    }

    Forward forward;
    forward.corruption = corrupt(images, rng_);
    Tensor src = forward.corruption.images;
    if (activation_ == OutputActivation::kTanh) {
        src = ops::scale(src, target_scale_, target_offset_);
    }
    forward.logits = decoder_->forward(encoder.forward(src));
    return forward;
}

Tensor ReconstructionPretext::compare(const Tensor& logits, const Tensor& target,
                                      const Tensor& mask) const {
    // A sigmoid with BCE is computed from the logits: the same value, without
    // the flat clamp bce_loss needs for saturated probabilities.
    const bool from_logits = loss_ == LossKind::kBce;
    const Tensor prediction = from_logits ? logits : activate(logits);
    if (!mask.defined()) {
        return from_logits ? ops::bce_with_logits_loss(prediction, target)
                           : ops::mse_loss(prediction, target);
    }

    // Masked: zero prediction and target outside the mask, so those elements
    // contribute a constant with zero gradient (0 for MSE, log 2 for BCE on
    // logits); remove the constant and divide the sum by the mask's count.
    double count = 0.0;
    const float* m = mask.data();
    for (int64_t i = 0; i < mask.numel(); ++i) count += m[i];
    SELFSUP_CHECK(count > 0.0, "the loss mask of ", name_, " is empty");
    const double total = static_cast<double>(mask.numel());
    const Tensor masked_prediction = ops::multiply(prediction, mask);
    const Tensor masked_target = ops::multiply(target, mask);
    if (!from_logits) {
        return ops::scale(ops::mse_loss(masked_prediction, masked_target),
                          static_cast<float>(total / count));
    }
    const double outside_constant = (total - count) * std::numbers::ln2 / count;
    return ops::scale(ops::bce_with_logits_loss(masked_prediction, masked_target),
                      static_cast<float>(total / count), static_cast<float>(-outside_constant));
}

Tensor ReconstructionPretext::activate(const Tensor& logits) const {
    switch (activation_) {
        case OutputActivation::kSigmoid:
            return ops::sigmoid(logits);
        case OutputActivation::kTanh:
            return ops::tanh(logits);
        case OutputActivation::kLinear:
            return logits;
    }
    return logits;
}

}  // namespace selfsup::reconstruction
