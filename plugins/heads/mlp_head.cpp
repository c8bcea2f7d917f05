// mlp_head: a classification head with hidden layers: Linear, activation and
// optional dropout per hidden width, then a Linear to the class logits. Named
// "mlp_head" because plugin names are shared across kinds and "mlp" is the
// encoder.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace selfsup {

namespace {

constexpr const char* kSchema = R"({
    "hidden": {"type": "array", "items": {"type": "integer", "min": 1, "max": 65536},
               "default": [256],
               "description": "widths of the hidden layers, in order; [] is a linear head"},
    "activation": {"type": "string", "enum": ["relu", "leaky_relu", "elu", "gelu", "tanh"],
                   "default": "relu", "description": "activation after each hidden layer"},
    "dropout": {"type": "number", "min": 0, "max": 0.9, "default": 0,
                "description": "probability of zeroing a hidden unit during training"}
})";

// Dropout masks come from their own stream, so turning dropout on does not
// change the initial weights.
constexpr uint64_t kDropoutStream = 1;

class MlpHead final : public Head {
public:
    MlpHead(const Params& params, const HeadContext& context) {
        Rng rng(context.seed);
        Rng dropout_seeds = Rng(context.seed).split(kDropoutStream);
        const std::string activation = params.get_string("activation");
        const float dropout = params.get_float("dropout");

        int64_t width = context.embedding_width;
        const std::vector<int64_t> hidden = params.get_int_list("hidden");
        for (size_t i = 0; i < hidden.size(); ++i) {
            const std::string index = std::to_string(i + 1);
            add_layer("fc" + index, std::make_shared<Linear>(width, hidden[i], rng));
            add_layer("act" + index, make_activation(activation));
            if (dropout > 0.0f) {
                add_layer("dropout" + index,
                          std::make_shared<Dropout>(dropout, dropout_seeds.next_u64()));
            }
            width = hidden[i];
        }
        add_layer("logits", std::make_shared<Linear>(width, context.num_classes, rng));
    }

    Tensor forward(const Tensor& src) override {
        Tensor dst = src;
        for (const auto& layer : layers_) dst = layer->forward(dst);
        return dst;
    }

private:
    void add_layer(const std::string& name, std::shared_ptr<Module> layer) {
        layers_.push_back(register_module(name, std::move(layer)));
    }

    std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_head<selfsup::MlpHead>(
    "mlp_head", "1.0.0",
    "Hidden Linear layers with an activation and dropout, then a Linear to "
    "the class logits.",
    selfsup::kSchema))
