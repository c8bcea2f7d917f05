// my_pretext: a selfsup pretext plugin. The task: cut each image into a grid
// of cells, blank some cells at random, and from the embedding of what is
// left predict the mean brightness of every cell, the blanked ones included.
// To do well the encoder must learn where things are and guess what is
// hidden from what is not. With mask_probability 0 and grid 2 it is the
// plainest version: predict the mean of each image quadrant.
//
// Build: cmake -B build && cmake --build build    (makes build/selfsup-my_pretext.so)
// Use:   selfsup run experiment.json
// Check: selfsup conformance build/selfsup-my_pretext.so

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/losses.hpp"
#include "selfsup/ops/pool.hpp"
#include "selfsup/ops/reshape.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace my_pretext {

using namespace selfsup;

// [doc:schema]
// The parameters a manifest may give under "params", with their defaults.
// `selfsup plugins show my_pretext` prints them; the framework checks a
// manifest's values against them before the plugin is constructed.
constexpr const char* kSchema = R"json({
    "grid": {"type": "integer", "default": 2, "min": 1, "max": 16,
             "description": "cells per side; it must divide the image size (2: quadrants)"},
    "mask_probability": {"type": "number", "default": 0.25, "min": 0, "max": 0.9,
                         "description": "chance that a cell is blanked before encoding"}
})json";
// [doc:schema]

// The base class is qualified so that a plugin named after its kind still compiles.
class MyPretext final : public selfsup::Pretext {
public:
    // [doc:constructor]
    // Builds the pretext's own module for one encoder and one data shape. Bad
    // parameter combinations are a ManifestError naming the parameter's JSON
    // path (params.path_of), so the user knows which line to change.
    MyPretext(const Params& params, const PretextContext& context)
        : grid_(params.get_int("grid")),
          mask_probability_(params.get_float("mask_probability")),
          blank_value_(context.dataset.min_value),
          rng_(Rng(context.seed).split(1)) {
        const Shape& sample = context.dataset.sample_shape;
        if (sample[1] != sample[2] || sample[1] % grid_ != 0) {
            throw ManifestError(params.path_of("grid") + ": " + std::to_string(grid_) +
                                " cells per side do not tile the images " + sample.str() +
                                "; the images must be square and grid must divide their side");
        }
        cell_ = sample[1] / grid_;
        channels_ = sample[0];
        // One output per channel and cell, read from the embedding.
        Rng init(context.seed);
        predictor_ = std::make_shared<Linear>(context.encoder.embedding_width(),
                                              channels_ * grid_ * grid_, init);
    }
    // [doc:constructor]

    // [doc:loss]
    // The loss for a batch of unlabeled images [N, C, H, W]: mean squared
    // error between the predicted and the true cell means.
    Tensor loss(Encoder& encoder, const Tensor& images) override {
        const Tensor target = cell_means(images);
        const Tensor masked = mask_cells(images);
        const Tensor prediction = predictor_->forward(encoder.forward(masked));
        return ops::mse_loss(prediction, target);
    }
    // [doc:loss]

    // The predictor is trained with the encoder and discarded afterwards.
    std::vector<std::pair<std::string, Module*>> modules() override {
        return {{"predictor", predictor_.get()}};
    }

    // For the report: the images, what the encoder sees, and the predicted
    // cell means painted back as blocks.
    std::vector<Preview> previews(Encoder& encoder, const Tensor& images) override {
        const Tensor masked = mask_cells(images);
        const int64_t batch = images.dim(0);
        Tensor means = predictor_->forward(encoder.forward(masked));
        means = ops::reshape(means, Shape{batch, channels_, grid_, grid_});
        Tensor blocks = ops::upsample(means, static_cast<int>(cell_), ops::UpsampleMode::kNearest);
        return {{"input", images}, {"masked", masked}, {"cell means", blocks}};
    }

private:
    // [C * grid * grid] means per image: an average pool with one window per
    // cell. The images need no gradient, so nothing is recorded.
    Tensor cell_means(const Tensor& images) const {
        const int window = static_cast<int>(cell_);
        const Tensor pooled = ops::avg_pool2d(images, {.kernel = window, .stride = window});
        return ops::flatten(pooled);
    }

    // A copy of `images` with each cell blanked with mask_probability. Plain
    // loops on the CPU: the corruption is not differentiated.
    Tensor mask_cells(const Tensor& images) {
        Tensor dst = images.clone();
        if (mask_probability_ <= 0.0f) return dst;
        const int64_t batch = images.dim(0);
        const int64_t side = images.dim(2);
        float* pixels = dst.data();
        for (int64_t n = 0; n < batch; ++n) {
            for (int64_t row = 0; row < grid_; ++row) {
                for (int64_t col = 0; col < grid_; ++col) {
                    if (!rng_.bernoulli(mask_probability_)) continue;
                    for (int64_t c = 0; c < channels_; ++c) {
                        float* plane = pixels + (n * channels_ + c) * side * side;
                        for (int64_t y = row * cell_; y < (row + 1) * cell_; ++y) {
                            for (int64_t x = col * cell_; x < (col + 1) * cell_; ++x) {
                                plane[y * side + x] = blank_value_;
                            }
                        }
                    }
                }
            }
        }
        return dst;
    }

    int64_t grid_;
    float mask_probability_;
    float blank_value_;
    int64_t cell_ = 1;
    int64_t channels_ = 1;
    std::shared_ptr<Linear> predictor_;
    // Draws the masks; seeded from the context, so one seed replays one run.
    Rng rng_;
};

}  // namespace my_pretext

// [doc:entry]
// The entry point: the ABI version and a descriptor (kind, name, version,
// one-line summary, parameter schema, factory). The name is what manifests
// write in "plugin".
SELFSUP_PLUGIN(selfsup::describe_pretext<my_pretext::MyPretext>(
    "my_pretext", "0.1.0",
    "Predict the mean brightness of every grid cell of a partly blanked image.",
    my_pretext::kSchema))
// [doc:entry]
