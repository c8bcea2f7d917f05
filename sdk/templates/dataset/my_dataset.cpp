// my_dataset: a selfsup dataset plugin. Procedural grey images of stripes:
// class k has stripes at angle k * 180 / classes degrees, with a random
// spacing, phase and contrast per image, plus noise. Nothing is read from
// disk; a dataset that loads files reads them in its constructor and throws
// DataError naming the file when one is missing or malformed.
//
// Build: cmake -B build && cmake --build build    (makes build/selfsup-my_dataset.so)
// Use:   selfsup run experiment.json
// Check: selfsup conformance build/selfsup-my_dataset.so

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace my_dataset {

using namespace selfsup;

// The parameters a manifest may give under "params", with their defaults.
constexpr const char* kSchema = R"json({
    "classes": {"type": "integer", "default": 4, "min": 2, "max": 12,
                "description": "number of classes, one stripe angle each"},
    "image_size": {"type": "integer", "default": 16, "min": 4, "max": 256,
                   "description": "height and width of the square images"},
    "train_size": {"type": "integer", "default": 512, "min": 1, "max": 1000000,
                   "description": "images in the train split"},
    "test_size": {"type": "integer", "default": 128, "min": 1, "max": 1000000,
                  "description": "images in the test split"},
    "noise": {"type": "number", "default": 0.1, "min": 0, "max": 1,
              "description": "standard deviation of the Gaussian noise on every pixel"},
    "seed": {"type": "integer", "default": 0, "min": 0,
             "description": "the same seed gives the same images"}
})json";

constexpr double kPi = 3.14159265358979323846;

// The base class is qualified so that a plugin named after its kind still compiles.
class MyDataset final : public selfsup::Dataset {
public:
    explicit MyDataset(const Params& params)
        : noise_(params.get_float("noise")), seed_(static_cast<uint64_t>(params.get_int("seed"))) {
        const int64_t side = params.get_int("image_size");
        info_.sample_shape = Shape{1, side, side};
        info_.num_classes = static_cast<int>(params.get_int("classes"));
        for (int k = 0; k < info_.num_classes; ++k) {
            info_.class_names.push_back(std::to_string(k * 180 / info_.num_classes) + " degrees");
        }
        info_.train_size = params.get_int("train_size");
        info_.test_size = params.get_int("test_size");
        info_.min_value = 0.0f;
        info_.max_value = 1.0f;
    }

    const DatasetInfo& info() const override { return info_; }

    // Renders on request: each image is a function of (seed, split, index)
    // alone, so images() keeps no state and is safe on a loader thread.
    Tensor images(Split split, std::span<const int64_t> indices) const override {
        const int64_t size = info_.size(split);
        for (int64_t index : indices) {
            if (index < 0 || index >= size) {
                throw DataError("my_dataset: index " + std::to_string(index) + " is outside the " +
                                split_name(split) + " split, which has " + std::to_string(size) +
                                " images");
            }
        }
        const int64_t side = info_.sample_shape[1];
        Tensor dst = Tensor::empty({static_cast<int64_t>(indices.size()), 1, side, side});
        for (size_t i = 0; i < indices.size(); ++i) {
            render(split, indices[i], dst.data() + static_cast<int64_t>(i) * side * side);
        }
        return dst;
    }

    // Image i has label i % classes, so every prefix of a split is balanced.
    std::vector<int32_t> labels(Split split) const override {
        std::vector<int32_t> labels(static_cast<size_t>(info_.size(split)));
        for (size_t i = 0; i < labels.size(); ++i) labels[i] = label_of(static_cast<int64_t>(i));
        return labels;
    }

private:
    int32_t label_of(int64_t index) const {
        return static_cast<int32_t>(index % info_.num_classes);
    }

    // Draws image `index` of `split` into `dst` (side * side floats).
    void render(Split split, int64_t index, float* dst) const {
        // A generator of its own per image; split() keeps nearby keys unrelated.
        Rng rng =
            Rng(seed_).split(split == Split::kTrain ? 1 : 2).split(static_cast<uint64_t>(index));
        const double angle = kPi * label_of(index) / info_.num_classes;
        const double spacing = rng.uniform(3.0f, 6.0f);
        const double phase = rng.uniform(0.0f, 2.0f * static_cast<float>(kPi));
        const double contrast = rng.uniform(0.5f, 1.0f);
        const double dx = std::cos(angle) * 2.0 * kPi / spacing;
        const double dy = std::sin(angle) * 2.0 * kPi / spacing;
        const int64_t side = info_.sample_shape[1];
        for (int64_t y = 0; y < side; ++y) {
            for (int64_t x = 0; x < side; ++x) {
                const double wave =
                    std::sin(static_cast<double>(x) * dx + static_cast<double>(y) * dy + phase);
                float value = static_cast<float>(0.5 + 0.5 * contrast * wave);
                if (noise_ > 0.0f) value += rng.normal(0.0f, noise_);
                dst[y * side + x] = std::clamp(value, 0.0f, 1.0f);
            }
        }
    }

    DatasetInfo info_;
    float noise_;
    uint64_t seed_;
};

}  // namespace my_dataset

// The entry point: the ABI version and a descriptor (kind, name, version,
// one-line summary, parameter schema, factory).
SELFSUP_PLUGIN(selfsup::describe_dataset<my_dataset::MyDataset>(
    "my_dataset", "0.1.0", "Procedural stripes, one angle per class, rendered on request.",
    my_dataset::kSchema))
