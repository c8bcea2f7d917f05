// synthetic: procedural grey images with labels, for tests and quick starts
// without any data on disk.
//
// Class k is shape family k (filled square, hollow square, disc, ...), drawn
// at a random position, size and brightness on a black background, plus
// Gaussian noise, clipped to [0, 1]. Image i of a split has label i % classes,
// so every prefix of a split is balanced. Each image is a pure function of
// (seed, split, index): images() renders on request from a generator keyed by
// those three, stores nothing, and may be called from any number of threads.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "byte_images.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/log.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::datasets {

namespace {

constexpr const char* kPluginName = "synthetic";

constexpr const char* kSchema = R"json({
    "classes": {"type": "integer", "default": 10, "min": 2, "max": 10,
                "description": "number of classes, each its own shape family"},
    "train_size": {"type": "integer", "default": 2000, "min": 1, "max": 10000000,
                   "description": "images in the train split"},
    "test_size": {"type": "integer", "default": 500, "min": 1, "max": 10000000,
                  "description": "images in the test split"},
    "image_size": {"type": "integer", "default": 28, "min": 8, "max": 512,
                   "description": "height and width of the square images"},
    "seed": {"type": "integer", "default": 0, "min": 0,
             "description": "seed of every image; the same seed gives the same data"},
    "noise": {"type": "number", "default": 0.05, "min": 0, "max": 1,
              "description": "standard deviation of the Gaussian noise on every pixel"}
})json";

enum class Family {
    kFilledSquare,
    kHollowSquare,
    kDisc,
    kRing,
    kHorizontalBar,
    kVerticalBar,
    kCross,
    kDiagonal,
    kTriangle,
    kTwoDots,
};

const std::vector<std::string> kFamilyNames = {
    "filled square", "hollow square", "disc",     "ring",     "horizontal bar",
    "vertical bar",  "cross",         "diagonal", "triangle", "two dots"};

// Where and how one image draws its shape, in pixels.
struct Placement {
    float centre_x = 0.0f;
    float centre_y = 0.0f;
    // Half the shape's extent.
    float half = 0.0f;
    // Half the width of strokes (bars, outlines, the diagonal).
    float stroke = 0.0f;
    float brightness = 0.0f;
};

// Whether the point (dx, dy) from the shape's centre lies on the shape.
bool covers(Family family, float dx, float dy, const Placement& at) {
    const float ax = std::abs(dx);
    const float ay = std::abs(dy);
    const float h = at.half;
    const float t = at.stroke;
    const float radius = std::sqrt(dx * dx + dy * dy);
    switch (family) {
        case Family::kFilledSquare:
            return ax <= h && ay <= h;
        case Family::kHollowSquare:
            return ax <= h && ay <= h && std::max(ax, ay) > h - 2.0f * t;
        case Family::kDisc:
            return radius <= h;
        case Family::kRing:
            return radius <= h && radius > h - 2.0f * t;
        case Family::kHorizontalBar:
            return ax <= h && ay <= t;
        case Family::kVerticalBar:
            return ax <= t && ay <= h;
        case Family::kCross:
            return (ax <= h && ay <= t) || (ax <= t && ay <= h);
        case Family::kDiagonal:
            return ax <= h && ay <= h && std::abs(dx - dy) <= t * std::sqrt(2.0f);
        case Family::kTriangle:
            // Apex at the top, base at the bottom.
            return ay <= h && ax <= 0.5f * (dy + h);
        case Family::kTwoDots: {
            const float dot = 0.4f * h;
            const float offset = 0.55f * h;
            const float left = std::hypot(dx + offset, dy);
            const float right = std::hypot(dx - offset, dy);
            return std::min(left, right) <= dot;
        }
    }
    return false;
}

// A 64-bit mixing function (splitmix64's finaliser), so nearby seeds and
// indices give unrelated generators.
uint64_t mix(uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class SyntheticDataset final : public Dataset {
public:
    explicit SyntheticDataset(const Params& params)
        : seed_(static_cast<uint64_t>(params.get_int("seed"))), noise_(params.get_float("noise")) {
        const auto classes = static_cast<int>(params.get_int("classes"));
        const int64_t side = params.get_int("image_size");
        info_.sample_shape = Shape{1, side, side};
        info_.num_classes = classes;
        info_.class_names.assign(kFamilyNames.begin(), kFamilyNames.begin() + classes);
        info_.train_size = params.get_int("train_size");
        info_.test_size = params.get_int("test_size");
        info_.min_value = 0.0f;
        info_.max_value = 1.0f;
        log_message(LogLevel::kInfo, kPluginName,
                    detail::concat(info_.train_size, " train and ", info_.test_size,
                                   " test images of ", info_.sample_shape.str(), ", ", classes,
                                   " classes, seed ", seed_, ", noise ", noise_));
    }

    const DatasetInfo& info() const override { return info_; }

    Tensor images(Split split, std::span<const int64_t> indices) const override {
        check_indices(kPluginName, split, info_.size(split), indices);
        const int64_t side = info_.sample_shape[1];
        const auto batch = static_cast<int64_t>(indices.size());
        Tensor dst = Tensor::empty({batch, 1, side, side});
        for (int64_t i = 0; i < batch; ++i) {
            render(split, indices[static_cast<size_t>(i)], dst.data() + i * side * side);
        }
        return dst;
    }

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
        // 1. A generator of its own, keyed by (seed, split, index).
        const uint64_t split_tag = split == Split::kTrain ? 1 : 2;
        Rng rng(mix(mix(mix(seed_) + split_tag) + static_cast<uint64_t>(index)));

        // 2. Size, stroke and brightness, then a centre moved by up to half the
        // room the shape leaves: it stays inside the image, and the position
        // varies without drowning the class-conditional structure (a
        // nearest-class-mean classifier gets about 75% on 10 classes).
        const int64_t pixels = info_.sample_shape[1];
        const auto side = static_cast<float>(pixels);
        Placement at;
        at.half = side * rng.uniform(0.22f, 0.34f);
        at.stroke = std::max(0.75f, 0.05f * side);
        at.brightness = rng.uniform(0.6f, 1.0f);
        const float slack = 0.5f * std::max(0.0f, 0.5f * side - at.half - 1.0f);
        at.centre_x = 0.5f * side + rng.uniform(-slack, slack);
        at.centre_y = 0.5f * side + rng.uniform(-slack, slack);

        // 3. Shape at pixel centres, noise, clip.
        const auto family = static_cast<Family>(label_of(index));
        for (int64_t y = 0; y < pixels; ++y) {
            for (int64_t x = 0; x < pixels; ++x) {
                const float dx = static_cast<float>(x) + 0.5f - at.centre_x;
                const float dy = static_cast<float>(y) + 0.5f - at.centre_y;
                float value = covers(family, dx, dy, at) ? at.brightness : 0.0f;
                if (noise_ > 0.0f) value += rng.normal(0.0f, noise_);
                dst[y * pixels + x] = std::clamp(value, 0.0f, 1.0f);
            }
        }
    }

    DatasetInfo info_;
    uint64_t seed_ = 0;
    float noise_ = 0.0f;
};

}  // namespace

}  // namespace selfsup::datasets

SELFSUP_PLUGIN(selfsup::describe_dataset<selfsup::datasets::SyntheticDataset>(
    "synthetic", "1.0.0", "Seeded procedural shapes, one family per class, for runs without data.",
    selfsup::datasets::kSchema))
