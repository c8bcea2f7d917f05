// linear: the standard classification head, one Linear layer from the
// embedding to the class logits (the reference head H: 128 -> 10).

#include <memory>

#include "selfsup/layers.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace selfsup {

namespace {

constexpr const char* kSchema = R"({
    "bias": {"type": "boolean", "default": true,
             "description": "whether the layer adds a learned bias to each logit"}
})";

class LinearHead final : public Head {
public:
    LinearHead(const Params& params, const HeadContext& context) {
        Rng rng(context.seed);
        linear_ = register_module(
            "linear", std::make_shared<Linear>(context.embedding_width, context.num_classes, rng,
                                               params.get_bool("bias")));
    }

    Tensor forward(const Tensor& src) override { return linear_->forward(src); }

private:
    std::shared_ptr<Linear> linear_;
};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_head<selfsup::LinearHead>(
    "linear", "1.0.0", "One Linear layer from the embedding to the class logits.",
    selfsup::kSchema))
