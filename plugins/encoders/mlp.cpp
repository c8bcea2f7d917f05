// mlp: a multilayer perceptron encoder. Images are flattened, pass through
// hidden Linear layers (each optionally batch-normalised, then activated and
// optionally dropped out) and end in a Linear to the embedding without an
// activation, so the embedding is not clipped. The defaults on 1x28x28
// images are the reference encoder M: 784 -> 512 ReLU -> 128.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "encoder_support.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/ops/reshape.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace selfsup {

namespace {

constexpr const char* kSchema = R"json({
    "hidden": {"type": "array", "items": {"type": "integer", "min": 1, "max": 65536},
               "default": [512],
               "description": "widths of the hidden layers; [] maps pixels to the embedding"},
    "embedding": {"type": "integer", "min": 1, "max": 65536, "default": 128,
                  "description": "width of the embedding the encoder returns"},
    "activation": {"type": "string", "enum": ["relu", "leaky_relu", "elu", "gelu", "tanh"],
                   "default": "relu", "description": "activation after each hidden layer"},
    "batch_norm": {"type": "boolean", "default": false,
                   "description": "batch norm before each activation; its Linear has no bias"},
    "dropout": {"type": "number", "min": 0, "max": 0.9, "default": 0,
                "description": "probability of zeroing a hidden unit during training"}
})json";

// Dropout masks come from their own stream, so turning dropout on does not
// change the initial weights.
constexpr uint64_t kDropoutStream = 1;

class MlpEncoder final : public encoders::BlockEncoder {
public:
    MlpEncoder(const Params& params, const EncoderContext& context)
        : BlockEncoder("mlp", context.sample_shape) {
        Rng rng(context.seed);
        Rng dropout_seeds = Rng(context.seed).split(kDropoutStream);
        const std::string activation = params.get_string("activation");
        const bool batch_norm = params.get_bool("batch_norm");
        const float dropout = params.get_float("dropout");

        int64_t width = sample_.numel();
        std::string summary = detail::concat("mlp encoder: ", width);
        const std::vector<int64_t> hidden = params.get_int_list("hidden");
        for (size_t i = 0; i < hidden.size(); ++i) {
            auto block = std::make_shared<Sequential>();
            block->add(std::make_shared<Linear>(width, hidden[i], rng, !batch_norm));
            // ops::batch_norm normalises [N, C] features as well as images, so
            // BatchNorm2d serves the hidden layers too.
            if (batch_norm) block->add(std::make_shared<BatchNorm2d>(hidden[i]));
            block->add(make_activation(activation));
            if (dropout > 0.0f) {
                block->add(std::make_shared<Dropout>(dropout, dropout_seeds.next_u64()));
            }
            const std::string name = "fc" + std::to_string(i + 1);
            add_block(name, std::move(block));
            summary += detail::concat(" -> ", name, " ", hidden[i], " ", activation);
            width = hidden[i];
        }
        add_embedding(width, params.get_int("embedding"), rng, std::move(summary));
    }

    Tensor forward(const Tensor& src) override {
        return apply_blocks(src, 0);
    }

};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_encoder<selfsup::MlpEncoder>(
    "mlp", "1.0.0",
    "Multilayer perceptron on flattened images; the defaults are the reference "
    "encoder M (784 -> 512 ReLU -> 128).",
    selfsup::kSchema))
