// conv: a convolutional encoder. Convolution blocks (convolution, optional
// batch norm, activation, optional pooling), then the feature maps are
// flattened and pass through hidden Linear layers with ReLU and a final Linear
// to the embedding without an activation. The defaults on 1x28x28 images are
// the reference encoder E (457,280 parameters).
//
// Every block is checked when the encoder is made: its keys against a schema,
// and the spatial size it leaves, so a manifest whose blocks shrink the image
// to nothing fails at `selfsup validate`, naming the block.

#include "selfsup/ops/conv.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "encoder_support.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/ops/reshape.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace selfsup {

namespace {

constexpr const char* kSchema =
    R"json({
    "blocks": {"type": "array", "items": {"type": "object"}, "min_items": 1,
               "default": [{"channels": 32, "kernel": 3, "stride": 1, "padding": 1},
                           {"channels": 64, "kernel": 3, "stride": 2, "padding": 1},
                           {"channels": 64, "kernel": 3, "stride": 2, "padding": 1}],
               "description": ")json"
    "the convolution blocks, in order; each an object with channels (required), kernel (3), "
    "stride (1), padding (kernel / 2), pool (none, max or avg; none), pool_size (2), "
    "batch_norm (false; the convolution then has no bias) and activation (relu, leaky_relu, "
    "elu, gelu or tanh; relu)"
    R"json("},
    "hidden": {"type": "array", "items": {"type": "integer", "min": 1, "max": 65536},
               "default": [],
               "description": "widths of Linear layers with ReLU before the embedding"},
    "embedding": {"type": "integer", "min": 1, "max": 65536, "default": 128,
                  "description": "width of the embedding the encoder returns"}
})json";

// One element of "blocks". Read with the SDK's schema validation, so a block's
// keys get the same checks, messages and did-you-mean as any parameter.
constexpr const char* kBlockSchema = R"json({
    "channels": {"type": "integer", "min": 1, "max": 65536,
                 "description": "output channels"},
    "kernel": {"type": "integer", "min": 1, "max": 64, "default": 3,
               "description": "kernel height and width"},
    "stride": {"type": "integer", "min": 1, "max": 64, "default": 1,
               "description": "stride of the convolution"},
    "padding": {"type": "integer", "min": 0, "max": 64, "default": null,
                "description": "zeros added on each side; kernel / 2 when not given"},
    "pool": {"type": "string", "enum": ["none", "max", "avg"], "default": "none",
             "description": "pooling after the activation"},
    "pool_size": {"type": "integer", "min": 1, "max": 64, "default": 2,
                  "description": "pooling window and stride"},
    "batch_norm": {"type": "boolean", "default": false,
                   "description": "batch-normalise before the activation"},
    "activation": {"type": "string", "enum": ["relu", "leaky_relu", "elu", "gelu", "tanh"],
                   "default": "relu", "description": "activation of the block"}
})json";

struct ConvBlockSpec {
    int64_t channels = 0;
    int kernel = 3;
    ops::Conv2dOptions conv;
    std::string pool;
    int pool_size = 2;
    bool batch_norm = false;
    std::string activation;
};

ConvBlockSpec read_block(const ParamSchema& schema, const boost::json::value& given,
                         const std::string& json_path) {
    const Params block = schema.validate(given, json_path);
    ConvBlockSpec spec;
    spec.channels = block.get_int("channels");
    spec.kernel = static_cast<int>(block.get_int("kernel"));
    spec.conv.stride = static_cast<int>(block.get_int("stride"));
    spec.conv.padding =
        block.has("padding") ? static_cast<int>(block.get_int("padding")) : spec.kernel / 2;
    spec.pool = block.get_string("pool");
    spec.pool_size = static_cast<int>(block.get_int("pool_size"));
    spec.batch_norm = block.get_bool("batch_norm");
    spec.activation = block.get_string("activation");
    return spec;
}

std::string size_text(int64_t height, int64_t width) {
    return detail::concat(height, "x", width);
}

class ConvEncoder final : public encoders::BlockEncoder {
public:
    ConvEncoder(const Params& params, const EncoderContext& context)
        : BlockEncoder("conv", context.sample_shape) {
        Rng rng(context.seed);
        int64_t channels = sample_[0];
        int64_t height = sample_[1];
        int64_t width = sample_[2];
        std::string summary =
            detail::concat("conv encoder: ", channels, "x", size_text(height, width));

        // 1. Convolution blocks, each checked for the size it leaves.
        const ParamSchema block_schema = ParamSchema::parse_section(kBlockSchema, "conv block");
        const boost::json::array& given_blocks = params.get_array("blocks");
        for (size_t i = 0; i < given_blocks.size(); ++i) {
            const std::string path = detail::concat(params.path_of("blocks"), "[", i, "]");
            const std::string name = "conv" + std::to_string(i + 1);
            const ConvBlockSpec spec = read_block(block_schema, given_blocks[i], path);

            const int64_t conv_height = ops::conv2d_output_size(height, spec.kernel, spec.conv);
            const int64_t conv_width = ops::conv2d_output_size(width, spec.kernel, spec.conv);
            if (conv_height <= 0 || conv_width <= 0) {
                throw ManifestError(detail::concat(
                    path, ": block ", name, " (kernel ", spec.kernel, ", stride ", spec.conv.stride,
                    ", padding ", spec.conv.padding, ") shrinks its ", size_text(height, width),
                    " input to ",
                    size_text(std::max<int64_t>(conv_height, 0), std::max<int64_t>(conv_width, 0)),
                    "; use a smaller kernel or stride, more padding, or fewer blocks"));
            }
            auto block = std::make_shared<Sequential>();
            block->add(std::make_shared<Conv2d>(channels, spec.channels, spec.kernel, rng,
                                                spec.conv, !spec.batch_norm));
            if (spec.batch_norm) block->add(std::make_shared<BatchNorm2d>(spec.channels));
            block->add(make_activation(spec.activation));
            channels = spec.channels;
            height = conv_height;
            width = conv_width;

            if (spec.pool != "none") {
                if (height < spec.pool_size || width < spec.pool_size) {
                    throw ManifestError(detail::concat(
                        path, ".pool_size: block ", name, " pools ", size_text(height, width),
                        " feature maps with a ", size_text(spec.pool_size, spec.pool_size),
                        " window, which does not fit; use a smaller pool_size or drop the pool"));
                }
                const ops::Pool2dOptions pool{spec.pool_size, spec.pool_size, 0};
                if (spec.pool == "max") {
                    block->add(std::make_shared<MaxPool2d>(pool));
                } else {
                    block->add(std::make_shared<AvgPool2d>(pool));
                }
                height /= spec.pool_size;
                width /= spec.pool_size;
            }
            add_block(name, std::move(block));
            summary += detail::concat(" -> ", name, " ", channels, "x", size_text(height, width));
        }
        conv_block_count_ = blocks_.size();

        // 2. Linear layers on the flattened feature maps.
        int64_t features = channels * height * width;
        summary += detail::concat(" -> flatten ", features);
        const std::vector<int64_t> hidden = params.get_int_list("hidden");
        for (size_t i = 0; i < hidden.size(); ++i) {
            auto block = std::make_shared<Sequential>();
            block->add(std::make_shared<Linear>(features, hidden[i], rng));
            block->add(make_activation("relu"));
            const std::string name = "fc" + std::to_string(i + 1);
            add_block(name, std::move(block));
            summary += detail::concat(" -> ", name, " ", hidden[i]);
            features = hidden[i];
        }
        add_embedding(features, params.get_int("embedding"), rng, std::move(summary));
    }

    Tensor forward(const Tensor& src) override {
        return apply_blocks(src, conv_block_count_);
    }

private:
    size_t conv_block_count_ = 0;
};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_encoder<selfsup::ConvEncoder>(
    "conv", "1.0.0",
    "Convolution blocks then Linear layers; the defaults are the reference "
    "encoder E (three 3x3 convolutions, 457,280 parameters on 1x28x28).",
    selfsup::kSchema))
