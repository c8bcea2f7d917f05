// inpainting: blank random squares of the image and reconstruct it, so the
// encoder must infer missing parts from their surroundings.

#include <algorithm>

#include "reconstruction.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup::reconstruction {
namespace {

constexpr const char* kOwnSchema = R"json(
    "squares": {"type": "integer", "default": 1, "min": 1, "max": 64,
        "description": "how many squares are blanked in each image, placed )json"
        R"json(independently at random (they may overlap)"},
    "square_size": {"type": "integer", "default": 12, "min": 1,
        "description": "side of each square in pixels; at most the image height and width"},
    "loss_region": {"type": "string", "default": "whole", "enum": ["whole", "masked"],
        "description": "whole: the loss covers every pixel; masked: only the blanked )json"
        R"json(pixels, averaged over them"}
)json";

class InpaintingPretext final : public ReconstructionPretext {
public:
    InpaintingPretext(const Params& params, const PretextContext& context)
        : ReconstructionPretext("inpainting", params, context),
          squares_(params.get_int("squares")),
          size_(params.get_int("square_size")),
          masked_loss_(params.get_string("loss_region") == "masked") {
        const Shape& shape = dataset().sample_shape;
        if (size_ > shape[1] || size_ > shape[2]) {
            throw ManifestError(detail::concat(
                params.path_of("square_size"), ": a square of ", size_, "x", size_,
                " pixels does not fit in the ", shape[1], "x", shape[2],
                " images; use a square_size of at most ", std::min(shape[1], shape[2])));
        }
    }

protected:
    Corruption corrupt(const Tensor& images, Rng& rng) override {
        const int64_t batch = images.dim(0);
        const int64_t channels = images.dim(1);
        const int64_t height = images.dim(2);
        const int64_t width = images.dim(3);
        const float blank = dataset().min_value;
        Tensor blanked = images.clone();
        Tensor mask = masked_loss_ ? Tensor::zeros(images.shape()) : Tensor();
        float* dst = blanked.data();
        float* region = masked_loss_ ? mask.data() : nullptr;

        for (int64_t n = 0; n < batch; ++n) {
            for (int64_t square = 0; square < squares_; ++square) {
                const auto top = static_cast<int64_t>(rng.below(height - size_ + 1));
                const auto left = static_cast<int64_t>(rng.below(width - size_ + 1));
                for (int64_t c = 0; c < channels; ++c) {
                    for (int64_t y = top; y < top + size_; ++y) {
                        const int64_t row = ((n * channels + c) * height + y) * width;
                        for (int64_t x = left; x < left + size_; ++x) {
                            dst[row + x] = blank;
                            if (region) region[row + x] = 1.0f;
                        }
                    }
                }
            }
        }
        return {blanked, mask};
    }

private:
    int64_t squares_;
    int64_t size_;
    bool masked_loss_;
};

}  // namespace
}  // namespace selfsup::reconstruction

SELFSUP_PLUGIN(selfsup::describe_pretext<selfsup::reconstruction::InpaintingPretext>(
    "inpainting", "1.0.0",
    "Blank random squares of the image and reconstruct the whole image from what is left.",
    selfsup::reconstruction::reconstruction_schema(selfsup::reconstruction::kOwnSchema)))
