// masked: cut the image into square patches, hide most of them and
// reconstruct what is hidden (masked image modelling, as in MAE, here with a
// convolutional encoder that sees the filled patches). With three quarters of
// the image gone, the encoder must infer shapes from a few visible pieces;
// the loss covers only the hidden patches, so copying what is visible earns
// nothing.

#include <cmath>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "reconstruction.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup::reconstruction {
namespace {

constexpr const char* kOwnSchema = R"json(
    "patch_size": {"type": "integer", "default": 4, "min": 1, "max": 4096,
        "description": "side of the square patches in pixels; it must divide the image )json"
    R"json(height and width (4 cuts a 28x28 image into 7x7 = 49 patches)"},
    "mask_ratio": {"type": "number", "default": 0.75, "min": 0.5, "max": 0.9,
        "description": "fraction of the patches hidden in each image, allowed 0.5 to 0.9; )json"
    R"json(exactly round(mask_ratio * patches) are hidden, chosen at random per image"},
    "fill": {"type": "number", "default": null,
        "description": "value written into hidden patches, inside the dataset's value range; )json"
    R"json(unset means the dataset's minimum (0 for images in [0, 1])"}
)json";

class MaskedPretext final : public ReconstructionPretext {
public:
    MaskedPretext(const Params& params, const PretextContext& context)
        : ReconstructionPretext("masked", params, context),
          patch_(params.get_int("patch_size")),
          fill_(params.has("fill") ? params.get_float("fill") : dataset().min_value) {
        // 1. Patches must tile the image exactly.
        const Shape& shape = dataset().sample_shape;
        const int64_t height = shape[1];
        const int64_t width = shape[2];
        if (height % patch_ != 0 || width % patch_ != 0) {
            throw ManifestError(detail::concat(
                params.path_of("patch_size"), ": patches of ", patch_, "x", patch_,
                " pixels do not tile the ", height, "x", width,
                " images; patch_size must divide both the height and the width (",
                divisors_text(std::gcd(height, width)), ")"));
        }
        rows_ = height / patch_;
        cols_ = width / patch_;

        // 2. Some patches hidden, and some left to see.
        const int64_t patches = rows_ * cols_;
        const double ratio = params.get_double("mask_ratio");
        hidden_ = static_cast<int64_t>(std::lround(ratio * static_cast<double>(patches)));
        if (hidden_ >= patches) {
            throw ManifestError(detail::concat(
                params.path_of("patch_size"), ": ", height, "x", width, " images hold only ",
                patches, patches == 1 ? " patch" : " patches", " of ", patch_, "x", patch_,
                ", and mask_ratio ", ratio,
                " hides ", hidden_, " of them, so the encoder would see nothing; use a ",
                "smaller patch_size"));
        }

        // 3. The fill must be a value images can hold.
        if (fill_ < dataset().min_value || fill_ > dataset().max_value) {
            throw ManifestError(detail::concat(
                params.path_of("fill"), ": ", fill_, " lies outside the dataset's value range [",
                dataset().min_value, ", ", dataset().max_value,
                "]; give a value inside it, or leave fill unset for the minimum"));
        }
    }

protected:
    Corruption corrupt(const Tensor& images, Rng& rng) override {
        const int64_t batch = images.dim(0);
        const int64_t channels = images.dim(1);
        const int64_t height = images.dim(2);
        const int64_t width = images.dim(3);
        Tensor filled = images.clone();
        Tensor mask = Tensor::zeros(images.shape());
        float* dst = filled.data();
        float* region = mask.data();

        std::vector<int64_t> order(static_cast<size_t>(rows_ * cols_));
        for (int64_t n = 0; n < batch; ++n) {
            // The first hidden_ entries of a partial Fisher-Yates shuffle: a
            // uniform choice of exactly that many distinct patches.
            std::iota(order.begin(), order.end(), int64_t{0});
            for (int64_t i = 0; i < hidden_; ++i) {
                const auto remaining = static_cast<uint64_t>(order.size()) - i;
                const auto j = i + static_cast<int64_t>(rng.below(remaining));
                std::swap(order[i], order[j]);
            }
            for (int64_t i = 0; i < hidden_; ++i) {
                const int64_t top = order[i] / cols_ * patch_;
                const int64_t left = order[i] % cols_ * patch_;
                for (int64_t c = 0; c < channels; ++c) {
                    for (int64_t y = top; y < top + patch_; ++y) {
                        const int64_t row = ((n * channels + c) * height + y) * width;
                        for (int64_t x = left; x < left + patch_; ++x) {
                            dst[row + x] = fill_;
                            region[row + x] = 1.0f;
                        }
                    }
                }
            }
        }
        return {filled, mask};
    }

private:
    // "1, 2, 4 or 7": the patch sizes that would tile the image.
    static std::string divisors_text(int64_t side) {
        std::vector<int64_t> divisors;
        for (int64_t d = 1; d <= side; ++d) {
            if (side % d == 0) divisors.push_back(d);
        }
        std::string text = divisors.size() == 1 ? "only " : "";
        for (size_t i = 0; i < divisors.size(); ++i) {
            if (i > 0) text += i + 1 == divisors.size() ? " or " : ", ";
            text += std::to_string(divisors[i]);
        }
        return text;
    }

    int64_t patch_;
    float fill_;
    int64_t rows_ = 1;
    int64_t cols_ = 1;
    int64_t hidden_ = 0;
};

}  // namespace
}  // namespace selfsup::reconstruction

SELFSUP_PLUGIN(selfsup::describe_pretext<selfsup::reconstruction::MaskedPretext>(
    "masked", "1.0.0",
    "Hide most square patches of the image and reconstruct the hidden ones (masked modelling).",
    selfsup::reconstruction::reconstruction_schema(selfsup::reconstruction::kOwnSchema)))
