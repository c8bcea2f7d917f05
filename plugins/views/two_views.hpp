#pragma once

// TwoViews: what the two-view pretexts share about their inputs. Each step it
// turns a batch of N images into two augmented views of every image, drawn
// independently from one AugmentPipeline (the "augment" parameter), and hands
// them back stacked as one batch [2N, C, H, W]: rows i and i + N are the two
// views of image i, the layout ops::nt_xent_loss expects.
//
// The pipeline's default is the reference workload's: a translation of up to
// 3 pixels with zero fill, a horizontal flip with probability 0.5 and, with
// probability 0.5, an erased square of 64/784 of the image (8x8 on 28x28).
//
// The view Rng belongs to the object, seeded from the pretext's seed, and
// advances every call, so each step sees new views and one seed replays the
// same ones. Previews draw from a separate stream restarted on every call:
// asking for them changes neither the training views nor their own result.
// Not thread-safe. A malformed "augment" throws ManifestError from the
// constructor, naming its JSON path.

#include <cstdint>
#include <string>
#include <vector>

#include "selfsup/augment.hpp"
#include "selfsup/params.hpp"
#include "selfsup/plugin/pretext.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::views {

// The schema entry of "augment" (a JSON object member without braces).
extern const char* const kAugmentSchemaEntry;

class TwoViews {
public:
    // `plugin` names the pretext in errors and log lines; `rng` seeds the view
    // streams.
    TwoViews(std::string plugin, const Params& params, const DatasetInfo& dataset, Rng& rng);

    // Both views of every image, stacked [2N, C, H, W]. Throws ShapeError,
    // naming `caller`, when `images` is not a non-empty batch of the dataset's
    // images.
    Tensor make(const Tensor& images, const char* caller);

    // "input", "first_view" and "second_view" for the report.
    std::vector<Preview> previews(const Tensor& images) const;

    const std::string& plugin() const { return plugin_; }

private:
    void check(const Tensor& images, const char* caller) const;

    std::string plugin_;
    DatasetInfo dataset_;
    AugmentPipeline pipeline_;
    Rng rng_;
    uint64_t preview_seed_ = 0;
};

}  // namespace selfsup::views
