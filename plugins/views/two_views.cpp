#include "two_views.hpp"

#include <utility>

#include "selfsup/errors.hpp"
#include "selfsup/log.hpp"
#include "selfsup/ops.hpp"

namespace selfsup::views {

// 64 / 784 is an 8x8 square of a 28x28 image; the erase step rounds the
// drawn area to whole pixels, so the square is exactly 8x8 there.
const char* const kAugmentSchemaEntry =
    R"json(
    "augment": {"type": "array", "items": {"type": "object"},
        "default": [{"type": "translate", "max_shift": 3, "fill": "zero"},
                    {"type": "hflip", "p": 0.5},
                    {"type": "erase", "p": 0.5, "min_area": 0.0816326530612245,
                     "max_area": 0.0816326530612245, "min_ratio": 1, "max_ratio": 1}],
        "description": "the augmentation pipeline each view is drawn from (see )json"
    R"json(docs/augmentations.md); the default is the reference workload's: translation )json"
    R"json(up to 3 pixels with zero fill, horizontal flip, and an erased 8x8 square )json"
    R"json((64/784 of the image) with probability 0.5"}
)json";

TwoViews::TwoViews(std::string plugin, const Params& params, const DatasetInfo& dataset, Rng& rng)
    : plugin_(std::move(plugin)),
      dataset_(dataset),
      pipeline_(params.get_array("augment"), params.path_of("augment"),
                ValueRange{dataset.min_value, dataset.max_value}),
      rng_(rng.split(1)),
      preview_seed_(rng.split(2).next_u64()) {
    const Shape& shape = dataset_.sample_shape;
    if (shape.rank() != 3 || shape.numel() == 0) {
        throw ShapeError(detail::concat(plugin_, ": the dataset's sample shape ", shape.str(),
                                        " is not [C, H, W] with every size at least 1"));
    }
    log_message(LogLevel::kDebug, plugin_, "views: " + pipeline_.describe());
}

Tensor TwoViews::make(const Tensor& images, const char* caller) {
    check(images, caller);
    // Two calls on one stream: the second view draws parameters of its own.
    const Tensor first = pipeline_.apply(images, rng_);
    const Tensor second = pipeline_.apply(images, rng_);
    return ops::concat({first, second}, 0);
}

std::vector<Preview> TwoViews::previews(const Tensor& images) const {
    check(images, "previews");
    Rng rng(preview_seed_);
    const Tensor first = pipeline_.apply(images, rng);
    const Tensor second = pipeline_.apply(images, rng);
    return {{"input", images}, {"first_view", first}, {"second_view", second}};
}

void TwoViews::check(const Tensor& images, const char* caller) const {
    const Shape& sample = dataset_.sample_shape;
    if (images.rank() != 4 || images.dim(0) == 0 || images.dim(1) != sample[0] ||
        images.dim(2) != sample[1] || images.dim(3) != sample[2]) {
        throw ShapeError(detail::concat(plugin_, " ", caller, ": images ", images.shape().str(),
                                        " are not a batch [N, ", sample[0], ", ", sample[1], ", ",
                                        sample[2], "] of the dataset's images"));
    }
}

}  // namespace selfsup::views
