// contrastive (SimCLR-style): two augmented views of every image pass through
// the encoder and a projection MLP; the NT-Xent loss pulls each view's
// projection towards its twin's and away from every other image's, so the
// encoder learns what the augmentations leave unchanged.

#include <cmath>
#include <memory>

#include "mlp.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/losses.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "two_views.hpp"

namespace selfsup::views {
namespace {

constexpr const char* kOwnSchema =
    R"json(
    "projection": {"type": "array", "items": {"type": "integer", "min": 1, "max": 65536},
        "min_items": 1, "max_items": 8, "default": [128, 64],
        "description": "widths of the projection MLP's layers after the embedding, the )json"
    R"json(last being the projection NT-Xent compares; a ReLU between layers. The default )json"
    R"json(is embedding -> 128, ReLU -> 64"},
    "temperature": {"type": "number", "default": 0.5,
        "description": "NT-Xent temperature dividing the cosine similarities; above 0. )json"
    R"json(Lower values weigh the hardest negatives more"}
)json";

std::string schema() {
    return detail::concat("{", kAugmentSchemaEntry, ",", kOwnSchema, "}");
}

class ContrastivePretext final : public Pretext {
public:
    ContrastivePretext(const Params& params, const PretextContext& context)
        : temperature_(params.get_float("temperature")) {
        if (!(temperature_ > 0.0f) || !std::isfinite(temperature_)) {
            throw ManifestError(detail::concat(
                params.path_of("temperature"), ": ", temperature_,
                " is not a temperature; NT-Xent divides similarities by it, so it must be "
                "above 0 and finite (0.5 is the reference value, 0.1 to 1 the usual range)"));
        }
        // 1. The views and the projector, from separate streams of the seed.
        Rng root(context.seed);
        Rng init_rng = root.split(1);
        Rng view_rng = root.split(2);
        views_ = std::make_unique<TwoViews>("contrastive", params, context.dataset, view_rng);
        projector_ = std::make_shared<Mlp>(context.encoder.embedding_width(),
                                           params.get_int_list("projection"), false, init_rng);
    }

    Tensor loss(Encoder& encoder, const Tensor& images) override {
        const Tensor both = views_->make(images, "loss");
        return ops::nt_xent_loss(projector_->forward(encoder.forward(both)), temperature_);
    }

    std::vector<std::pair<std::string, Module*>> modules() override {
        return {{"projector", projector_.get()}};
    }

    std::vector<Preview> previews(Encoder&, const Tensor& images) override {
        return views_->previews(images);
    }

private:
    float temperature_;
    std::unique_ptr<TwoViews> views_;
    std::shared_ptr<Mlp> projector_;
};

}  // namespace
}  // namespace selfsup::views

SELFSUP_PLUGIN(selfsup::describe_pretext<selfsup::views::ContrastivePretext>(
    "contrastive", "1.0.0",
    "Contrast two augmented views of each image against the other images of the batch "
    "(SimCLR-style NT-Xent on a projection MLP).",
    selfsup::views::schema()))
