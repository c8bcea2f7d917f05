// byol (Bootstrap Your Own Latent): an online network (encoder, projector,
// predictor) learns to predict, from one view of an image, what a slowly
// moving target network (an EMA copy of the encoder and projector) makes of
// the other view. There are no negatives; the predictor and the target's
// lag keep the embeddings from collapsing to a constant.
//
// Loss: for unit vectors p (online prediction of one view) and t (target
// projection of the other), 2 - 2 cos(p, t) = |p - t|^2; computed both ways
// round and averaged over the 2N pairs, so it lies in [0, 4].

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include "mlp.hpp"
#include "momentum.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/ops.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "two_views.hpp"

namespace selfsup::views {
namespace {

constexpr const char* kOwnSchema =
    R"json(
    "projection": {"type": "array", "items": {"type": "integer", "min": 1, "max": 65536},
        "min_items": 1, "max_items": 8, "default": [256, 64],
        "description": "widths of the projector's layers after the embedding, the last )json"
    R"json(being the projection; batch norm (if on) and ReLU between layers. The default is )json"
    R"json(embedding -> 256, BN, ReLU -> 64"},
    "predictor_hidden": {"type": "array", "items": {"type": "integer", "min": 1,
        "max": 65536}, "max_items": 8, "default": [256],
        "description": "widths of the predictor's hidden layers; it maps a projection to )json"
    R"json(the projection's width, so the default is 64 -> 256, BN, ReLU -> 64. [] makes )json"
    R"json(it one linear layer"},
    "batch_norm": {"type": "boolean", "default": true,
        "description": "batch norm after every hidden layer of the projector and )json"
    R"json(predictor, as in BYOL"},
    "momentum": {"type": "number", "default": 0.99, "min": 0, "max": 1,
        "description": "EMA momentum m of the target: after each step target = m * )json"
    R"json(target + (1 - m) * online. With the cosine schedule this is where m starts"},
    "momentum_schedule": {"type": "string", "default": "cosine",
        "enum": ["cosine", "constant"],
        "description": "cosine: m rises from momentum to 1 over the run, m(s) = 1 - (1 - )json"
    R"json(momentum) (1 + cos(pi s / S)) / 2 after step s of S; constant: m stays momentum"}
)json";

std::string schema() {
    return detail::concat("{", kAugmentSchemaEntry, ",", kOwnSchema, "}");
}

class ByolPretext final : public Pretext {
public:
    ByolPretext(const Params& params, const PretextContext& context)
        : momentum_(params.get_float("momentum")),
          cosine_(params.get_string("momentum_schedule") == "cosine"),
          target_encoder_("byol", context.encoder) {
        // 1. Views, online heads and target projector, from separate streams.
        Rng root(context.seed);
        Rng init_rng = root.split(1);
        Rng view_rng = root.split(2);
        views_ = std::make_unique<TwoViews>("byol", params, context.dataset, view_rng);
        const bool batch_norm = params.get_bool("batch_norm");
        const std::vector<int64_t> projection = params.get_int_list("projection");
        const int64_t width = context.encoder.embedding_width();
        projector_ = std::make_shared<Mlp>(width, projection, batch_norm, init_rng);
        std::vector<int64_t> predictor = params.get_int_list("predictor_hidden");
        predictor.push_back(projector_->out_features());
        predictor_ =
            std::make_shared<Mlp>(projector_->out_features(), predictor, batch_norm, init_rng);

        // 2. The target projector: a second instance, starting as an exact copy.
        target_projector_ = std::make_shared<Mlp>(width, projection, batch_norm, init_rng);
        copy_state(*projector_, *target_projector_);
        target_projector_->set_requires_grad(false);
    }

    Tensor loss(Encoder& encoder, const Tensor& images) override {
        // 1. Both views stacked [2N]; the target sees them in swapped order,
        //    so row i of the prediction meets the target of the other view.
        const Tensor both = views_->make(images, "loss");
        const int64_t n = images.dim(0);
        const Tensor swapped =
            ops::concat({ops::slice(both, 0, n, n), ops::slice(both, 0, 0, n)}, 0);

        // 2. The target first, with no gradient and before the online pass
        //    records anything that reads the encoder's weights.
        Tensor target;
        {
            NoGradGuard no_grad;
            target = ops::l2_normalize(
                target_projector_->forward(target_encoder_.forward(encoder, swapped, "loss")));
        }

        // 3. The online prediction and 2 - 2 cos, averaged over the 2N rows.
        const Tensor prediction =
            ops::l2_normalize(predictor_->forward(projector_->forward(encoder.forward(both))));
        const Tensor cosine = ops::mean(ops::sum(ops::multiply(prediction, target), 1));
        return ops::scale(cosine, -2.0f, 2.0f);
    }

    std::vector<std::pair<std::string, Module*>> modules() override {
        // The target is left out: the framework trains every module listed.
        return {{"projector", projector_.get()}, {"predictor", predictor_.get()}};
    }

    void after_step(Encoder& encoder, int64_t step, int64_t total_steps) override {
        const float momentum = momentum_at(step, total_steps);
        target_encoder_.update(encoder, momentum);
        ema_update(*target_projector_, *projector_, momentum);
    }

    std::vector<Preview> previews(Encoder&, const Tensor& images) override {
        return views_->previews(images);
    }

private:
    float momentum_at(int64_t step, int64_t total_steps) const {
        if (!cosine_ || total_steps <= 0) return momentum_;
        const double progress =
            std::clamp(static_cast<double>(step) / static_cast<double>(total_steps), 0.0, 1.0);
        const double rise = (1.0 + std::cos(std::numbers::pi * progress)) / 2.0;
        return static_cast<float>(1.0 - (1.0 - momentum_) * rise);
    }

    float momentum_;
    bool cosine_;
    std::unique_ptr<TwoViews> views_;
    std::shared_ptr<Mlp> projector_;
    std::shared_ptr<Mlp> predictor_;
    MomentumEncoder target_encoder_;
    std::shared_ptr<Mlp> target_projector_;
};

}  // namespace
}  // namespace selfsup::views

SELFSUP_PLUGIN(selfsup::describe_pretext<selfsup::views::ByolPretext>(
    "byol", "1.0.0",
    "Predict, from one augmented view, a slowly moving EMA target's projection of another "
    "view (BYOL; no negatives).",
    selfsup::views::schema()))
