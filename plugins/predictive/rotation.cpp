// rotation: turn each image by a quarter turn k in {0, 1, 2, 3} and predict k
// from the embedding with a small head (RotNet). To tell an upright shirt from
// one lying on its side, the encoder must learn what objects look like and
// which way up they stand.
//
// Quarter turns keep every pixel (no interpolation, nothing cropped), which is
// what makes k recoverable from content alone, but they need square images:
// the constructor refuses any other shape with a ManifestError. The optional
// "augment" pipeline runs before the turn; a rotate90 step in it would make
// the target ambiguous and is refused.
//
// Random draws (the pipeline's and k) come from one Rng owned by the
// pretext, split from the context's seed apart from the head's
// initialisation, so one seed replays one run. Not thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "selfsup/augment.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/losses.hpp"
#include "selfsup/ops/combine.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::predictive {
namespace {

constexpr const char* kSchema = R"json({
    "hidden": {"type": "array", "items": {"type": "integer", "min": 1, "max": 65536},
        "max_items": 8, "default": [],
        "description": "widths of the head's hidden layers, each followed by ReLU; [] makes )json"
    R"json(the head one Linear from the embedding to the 4 rotations (as in the reference )json"
    R"json(workload)"},
    "all_rotations": {"type": "boolean", "default": false,
        "description": "false: each image is turned once, by a k drawn at random; true: )json"
    R"json(each image appears in all four rotations, so a batch of N images trains on 4N )json"
    R"json(rows (RotNet's setup, four times the compute per step)"},
    "augment": {"type": "array", "items": {"type": "object"}, "default": [],
        "description": "augmentation pipeline applied before the rotation, e.g. )json"
    R"json([{\"type\": \"translate\", \"max_shift\": 2}] (see docs/augmentations.md); )json"
    R"json(rotate90 is refused, and keep any rotate well under 45 degrees"}
})json";

constexpr int kRotations = 4;

// The pretext's entry in the manifest: its params' path without ".params".
std::string pretext_path(const Params& params) {
    const std::string& path = params.json_path();
    const std::string suffix = ".params";
    if (path.size() > suffix.size() &&
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return path.substr(0, path.size() - suffix.size());
    }
    return path;
}

class RotationPretext final : public Pretext {
public:
    RotationPretext(const Params& params, const PretextContext& context)
        : sample_shape_(context.dataset.sample_shape),
          all_rotations_(params.get_bool("all_rotations")) {
        // 1. Quarter turns keep the batch shape only for square images.
        const Shape& shape = sample_shape_;
        if (shape.rank() != 3 || shape.numel() == 0) {
            throw ShapeError(detail::concat("rotation: the dataset's sample shape ", shape.str(),
                                            " is not [C, H, W] with every size at least 1"));
        }
        if (shape[1] != shape[2]) {
            throw ManifestError(detail::concat(
                pretext_path(params), ": the rotation pretext turns images by multiples of 90 ",
                "degrees, which needs square images, but the dataset's are ", shape[1],
                " high and ", shape[2], " wide (", shape.str(),
                "); crop or pad the dataset to a square, or use a pretext without quarter ",
                "turns (for example inpainting)"));
        }

        // 2. The pipeline, without quarter turns of its own.
        const boost::json::array& steps = params.get_array("augment");
        for (size_t i = 0; i < steps.size(); ++i) {
            const boost::json::object* step = steps[i].if_object();
            const boost::json::value* type = step ? step->if_contains("type") : nullptr;
            if (type && type->is_string() && type->get_string() == "rotate90") {
                throw ManifestError(detail::concat(
                    params.path_of("augment"), "[", i, "].type: rotate90 in the augmentation ",
                    "of the rotation pretext would turn images the pretext then labels with ",
                    "another turn, so the target k would be wrong; remove this step (the ",
                    "pretext makes the quarter turns itself)"));
            }
        }
        pipeline_ = AugmentPipeline(boost::json::value(steps), params.path_of("augment"),
                                    ValueRange{context.dataset.min_value,
                                               context.dataset.max_value});

        // 3. The head and the draws, from separate streams of the seed.
        Rng root(context.seed);
        Rng init_rng = root.split(1);
        rng_ = root.split(2);
        head_ = std::make_shared<Sequential>();
        int64_t width = context.encoder.embedding_width();
        for (int64_t hidden : params.get_int_list("hidden")) {
            head_->add(std::make_shared<Linear>(width, hidden, init_rng));
            head_->add(std::make_shared<ActivationLayer>(Activation::kRelu));
            width = hidden;
        }
        head_->add(std::make_shared<Linear>(width, kRotations, init_rng));
    }

    Tensor loss(Encoder& encoder, const Tensor& images) override {
        const Turned turned = turn(images, "loss");
        const Tensor logits = head_->forward(encoder.forward(turned.images));
        return ops::softmax_cross_entropy(logits, turned.k);
    }

    std::vector<std::pair<std::string, Module*>> modules() override {
        return {{"head", head_.get()}};
    }

    // The input, the augmented input when there is a pipeline, and the turned
    // images: one row of each image's random turn, or with all_rotations one
    // row per quarter turn.
    std::vector<Preview> previews(Encoder&, const Tensor& images) override {
        const Turned turned = turn(images, "previews");
        std::vector<Preview> result{{"input", images}};
        if (!pipeline_.empty()) result.push_back({"augmented", turned.augmented});
        if (!all_rotations_) {
            result.push_back({"rotated", turned.images});
            return result;
        }
        const int64_t batch = images.dim(0);
        for (int k = 1; k < kRotations; ++k) {
            result.push_back({detail::concat("rotated ", 90 * k),
                              ops::slice(turned.images, 0, k * batch, batch)});
        }
        return result;
    }

private:
    struct Turned {
        Tensor augmented;
        // [N, C, H, W], or [4N, C, H, W] with all_rotations: the N images
        // turned by 0, then by 1, 2 and 3 quarter turns.
        Tensor images;
        // The quarter turns of each row: the targets.
        std::vector<int32_t> k;
    };

    Turned turn(const Tensor& images, const char* caller) {
        check_batch(images, caller);
        Turned turned;
        turned.augmented = pipeline_.empty() ? images : pipeline_.apply(images, rng_);

        const int64_t batch = images.dim(0);
        std::vector<int> quarter_turns;
        Tensor src = turned.augmented;
        if (all_rotations_) {
            src = ops::concat({src, src, src, src}, 0);
            for (int k = 0; k < kRotations; ++k) quarter_turns.insert(quarter_turns.end(), batch, k);
        } else {
            for (int64_t n = 0; n < batch; ++n) {
                quarter_turns.push_back(static_cast<int>(rng_.below(kRotations)));
            }
        }
        turned.images = augment::rotate90(src, quarter_turns);
        turned.k.assign(quarter_turns.begin(), quarter_turns.end());
        return turned;
    }

    void check_batch(const Tensor& images, const char* caller) const {
        const Shape& sample = sample_shape_;
        if (images.rank() != 4 || images.dim(0) == 0 || images.dim(1) != sample[0] ||
            images.dim(2) != sample[1] || images.dim(3) != sample[2]) {
            throw ShapeError(detail::concat("rotation ", caller, ": images ",
                                            images.shape().str(), " are not a batch [N, ",
                                            sample[0], ", ", sample[1], ", ", sample[2],
                                            "] of the dataset's images"));
        }
    }

    Shape sample_shape_;
    bool all_rotations_;
    AugmentPipeline pipeline_;
    std::shared_ptr<Sequential> head_;
    Rng rng_;
};

}  // namespace
}  // namespace selfsup::predictive

SELFSUP_PLUGIN(selfsup::describe_pretext<selfsup::predictive::RotationPretext>(
    "rotation", "1.0.0",
    "Turn each image by a random multiple of 90 degrees and predict the turn from the embedding.",
    selfsup::predictive::kSchema))
