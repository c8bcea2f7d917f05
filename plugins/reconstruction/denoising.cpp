// denoising: reconstruct the clean image from a noisy copy, so the encoder
// must capture what noise does not destroy.

#include <algorithm>

#include "reconstruction.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup::reconstruction {
namespace {

constexpr const char* kOwnSchema = R"json(
    "noise": {"type": "string", "default": "gaussian",
        "enum": ["gaussian", "salt_and_pepper", "masking"],
        "description": "gaussian: add N(0, level^2) (level as a fraction of the value )json"
        R"json(range) to every value and clip to the range; salt_and_pepper: set a fraction )json"
        R"json(level of )json"
        R"json(pixels to the minimum or the maximum at random; masking: set a fraction level )json"
        R"json(of pixels )json"
        R"json(to the minimum (0 for images in [0, 1])"},
    "level": {"type": "number", "default": 0.3, "min": 0, "max": 1,
        "description": "strength of the noise: the standard deviation for gaussian, the )json"
        R"json(fraction of pixels hit for salt_and_pepper and masking"}
)json";

enum class Noise { kGaussian, kSaltAndPepper, kMasking };

class DenoisingPretext final : public ReconstructionPretext {
public:
    DenoisingPretext(const Params& params, const PretextContext& context)
        : ReconstructionPretext("denoising", params, context),
          noise_(parse_noise(params.get_string("noise"))),
          level_(params.get_float("level")) {}

protected:
    Corruption corrupt(const Tensor& images, Rng& rng) override {
        const float low = dataset().min_value;
        const float high = dataset().max_value;
        Tensor noisy = images.clone();
        float* dst = noisy.data();
        if (noise_ == Noise::kGaussian) {
            const float stddev = level_ * (high - low);
            for (int64_t i = 0; i < noisy.numel(); ++i) {
                dst[i] = std::clamp(dst[i] + rng.normal(0.0f, stddev), low, high);
            }
            return {noisy, Tensor()};
        }

        // A pixel is one location across all channels, so a colour image
        // loses whole pixels rather than single channels.
        const int64_t batch = images.dim(0);
        const int64_t channels = images.dim(1);
        const int64_t plane = images.dim(2) * images.dim(3);
        for (int64_t n = 0; n < batch; ++n) {
            for (int64_t pixel = 0; pixel < plane; ++pixel) {
                if (!rng.bernoulli(level_)) continue;
                const bool salt = noise_ == Noise::kSaltAndPepper && rng.bernoulli(0.5f);
                const float value = salt ? high : low;
                for (int64_t c = 0; c < channels; ++c)
                    dst[(n * channels + c) * plane + pixel] = value;
            }
        }
        return {noisy, Tensor()};
    }

private:
    static Noise parse_noise(const std::string& name) {
        if (name == "salt_and_pepper") return Noise::kSaltAndPepper;
        if (name == "masking") return Noise::kMasking;
        return Noise::kGaussian;
    }

    Noise noise_;
    float level_;
};

}  // namespace
}  // namespace selfsup::reconstruction

SELFSUP_PLUGIN(selfsup::describe_pretext<selfsup::reconstruction::DenoisingPretext>(
    "denoising", "1.0.0",
    "Reconstruct the clean image from a noisy copy (gaussian, salt-and-pepper or masking noise).",
    selfsup::reconstruction::reconstruction_schema(selfsup::reconstruction::kOwnSchema)))
