#include "random_steps.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "selfsup/errors.hpp"

namespace selfsup::augment::detail {

namespace {

using Step = AugmentPipeline::Step;

// How often a random rectangle is redrawn before the last draw is cut to fit.
constexpr int kFitAttempts = 10;

// Shortest text that reads back as the same float: "0.5", "1", "0.05".
std::string format(float number) {
    std::array<char, 32> buffer;
    const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number).ptr;
    return std::string(buffer.data(), end);
}

void require_positive(const Params& params, const std::string& key) {
    const double value = params.get_double(key);
    if (value <= 0.0) {
        throw ManifestError(
            selfsup::detail::concat(params.path_of(key), ": ", format(value), " must be above 0"));
    }
}

// min_key must not be above max_key.
void require_ordered(const Params& params, const std::string& min_key, const std::string& max_key) {
    const double low = params.get_double(min_key);
    const double high = params.get_double(max_key);
    if (low > high) {
        throw ManifestError(selfsup::detail::concat(params.path_of(min_key), ": ", format(low),
                                                    " is above ", max_key, " (", format(high),
                                                    ")"));
    }
}

// A uniform draw of log(ratio), so r and 1 / r are equally likely.
float log_uniform(Rng& rng, float low, float high) {
    return std::exp(rng.uniform(std::log(low), std::log(high)));
}

std::vector<uint64_t> draw_seeds(int64_t count, Rng& rng) {
    std::vector<uint64_t> seeds(count);
    for (uint64_t& seed : seeds) seed = rng.next_u64();
    return seeds;
}

class TranslateStep final : public Step {
public:
    explicit TranslateStep(const Params& params)
        : max_shift_(static_cast<int>(params.get_int("max_shift"))),
          reflect_(params.get_string("fill") == "reflect") {}

    Tensor apply(const Tensor& batch, Rng& rng) const override {
        std::vector<Shift> shifts(batch.dim(0));
        const auto span = static_cast<uint64_t>(2 * max_shift_ + 1);
        for (Shift& shift : shifts) {
            shift.dx = static_cast<int>(rng.below(span)) - max_shift_;
            shift.dy = static_cast<int>(rng.below(span)) - max_shift_;
        }
        return translate(batch, shifts, reflect_ ? Fill::kReflect : Fill::kZero);
    }

    std::string describe() const override {
        return selfsup::detail::concat("translate(", max_shift_, ", ",
                                       reflect_ ? "reflect" : "zero", ")");
    }

private:
    int max_shift_;
    bool reflect_;
};

class ResizedCropStep final : public Step {
public:
    explicit ResizedCropStep(const Params& params)
        : min_scale_(params.get_float("min_scale")),
          max_scale_(params.get_float("max_scale")),
          min_ratio_(params.get_float("min_ratio")),
          max_ratio_(params.get_float("max_ratio")) {
        require_positive(params, "min_scale");
        require_positive(params, "min_ratio");
        require_ordered(params, "min_scale", "max_scale");
        require_ordered(params, "min_ratio", "max_ratio");
    }

    // As in Inception-style crops: a box of the drawn area and aspect ratio
    // at a uniform position; when ten draws do not fit the image, the last is
    // cut to it.
    Tensor apply(const Tensor& batch, Rng& rng) const override {
        const auto h = static_cast<float>(batch.dim(2));
        const auto w = static_cast<float>(batch.dim(3));
        std::vector<Box> boxes(batch.dim(0));
        for (Box& box : boxes) {
            for (int attempt = 0; attempt < kFitAttempts; ++attempt) {
                const float area = h * w * rng.uniform(min_scale_, max_scale_);
                const float ratio = log_uniform(rng, min_ratio_, max_ratio_);
                box.width = std::sqrt(area * ratio);
                box.height = std::sqrt(area / ratio);
                if (box.width <= w && box.height <= h) break;
            }
            box.width = std::fmin(box.width, w);
            box.height = std::fmin(box.height, h);
            box.top = rng.uniform(0.0f, h - box.height);
            box.left = rng.uniform(0.0f, w - box.width);
        }
        return resized_crop(batch, boxes);
    }

    std::string describe() const override {
        return "resized_crop(" + format(min_scale_) + "-" + format(max_scale_) + ")";
    }

private:
    float min_scale_;
    float max_scale_;
    float min_ratio_;
    float max_ratio_;
};

class HflipStep final : public Step {
public:
    explicit HflipStep(const Params& params) : p_(params.get_float("p")) {}

    Tensor apply(const Tensor& batch, Rng& rng) const override {
        std::vector<bool> flip(batch.dim(0));
        for (std::size_t n = 0; n < flip.size(); ++n) flip[n] = rng.bernoulli(p_);
        return hflip(batch, flip);
    }

    std::string describe() const override { return "hflip(" + format(p_) + ")"; }

private:
    float p_;
};

class Rotate90Step final : public Step {
public:
    explicit Rotate90Step(const Params&) {}

    Tensor apply(const Tensor& batch, Rng& rng) const override {
        std::vector<int> turns(batch.dim(0));
        for (int& k : turns) k = static_cast<int>(rng.below(4));
        return rotate90(batch, turns);
    }

    std::string describe() const override { return "rotate90"; }
};

class RotateStep final : public Step {
public:
    explicit RotateStep(const Params& params) : max_degrees_(params.get_float("max_degrees")) {}

    Tensor apply(const Tensor& batch, Rng& rng) const override {
        std::vector<float> degrees(batch.dim(0));
        for (float& angle : degrees) angle = rng.uniform(-max_degrees_, max_degrees_);
        return rotate(batch, degrees);
    }

    std::string describe() const override { return "rotate(" + format(max_degrees_) + ")"; }

private:
    float max_degrees_;
};

class EraseStep final : public Step {
public:
    EraseStep(const Params& params, ValueRange range)
        : p_(params.get_float("p")),
          min_area_(params.get_float("min_area")),
          max_area_(params.get_float("max_area")),
          min_ratio_(params.get_float("min_ratio")),
          max_ratio_(params.get_float("max_ratio")),
          noise_(params.get_string("fill") == "noise"),
          range_(range) {
        require_positive(params, "min_ratio");
        require_ordered(params, "min_area", "max_area");
        require_ordered(params, "min_ratio", "max_ratio");
    }

    // A rectangle of the drawn area fraction and aspect ratio (width /
    // height), rounded to whole pixels, at a uniform position.
    Tensor apply(const Tensor& batch, Rng& rng) const override {
        const int64_t h = batch.dim(2);
        const int64_t w = batch.dim(3);
        std::vector<Rect> rects(batch.dim(0));
        for (Rect& rect : rects) {
            if (!rng.bernoulli(p_)) continue;
            int64_t height = 0;
            int64_t width = 0;
            for (int attempt = 0; attempt < kFitAttempts; ++attempt) {
                const float area = static_cast<float>(h * w) * rng.uniform(min_area_, max_area_);
                const float ratio = log_uniform(rng, min_ratio_, max_ratio_);
                height = std::lround(std::sqrt(area / ratio));
                width = std::lround(std::sqrt(area * ratio));
                if (height <= h && width <= w) break;
            }
            rect.height = static_cast<int>(std::min(height, h));
            rect.width = static_cast<int>(std::min(width, w));
            rect.top = static_cast<int>(rng.below(h - rect.height + 1));
            rect.left = static_cast<int>(rng.below(w - rect.width + 1));
        }
        if (noise_) return erase_with_noise(batch, rects, draw_seeds(batch.dim(0), rng), range_);
        return erase(batch, rects, std::clamp(0.0f, range_.min, range_.max));
    }

    std::string describe() const override {
        return selfsup::detail::concat("erase(", format(p_), ", ", format(min_area_), "-",
                                       format(max_area_), ", ", noise_ ? "noise" : "zero", ")");
    }

private:
    float p_;
    float min_area_;
    float max_area_;
    float min_ratio_;
    float max_ratio_;
    bool noise_;
    ValueRange range_;
};

class NoiseStep final : public Step {
public:
    NoiseStep(const Params& params, ValueRange range)
        : stddev_(params.get_float("stddev")), clamp_(params.get_bool("clamp")), range_(range) {}

    Tensor apply(const Tensor& batch, Rng& rng) const override {
        const std::optional<ValueRange> clamp = clamp_ ? std::optional(range_) : std::nullopt;
        return add_noise(batch, stddev_ * range_.width(), draw_seeds(batch.dim(0), rng), clamp);
    }

    std::string describe() const override { return "noise(" + format(stddev_) + ")"; }

private:
    float stddev_;
    bool clamp_;
    ValueRange range_;
};

class JitterStep final : public Step {
public:
    JitterStep(const Params& params, ValueRange range)
        : brightness_(params.get_float("brightness")),
          contrast_(params.get_float("contrast")),
          range_(range) {}

    Tensor apply(const Tensor& batch, Rng& rng) const override {
        std::vector<Jitter> params(batch.dim(0));
        for (Jitter& jitter : params) {
            jitter.brightness = rng.uniform(-brightness_, brightness_) * range_.width();
            jitter.contrast = rng.uniform(1.0f - contrast_, 1.0f + contrast_);
        }
        return jitter(batch, params, range_);
    }

    std::string describe() const override {
        return "jitter(" + format(brightness_) + ", " + format(contrast_) + ")";
    }

private:
    float brightness_;
    float contrast_;
    ValueRange range_;
};

class BlurStep final : public Step {
public:
    explicit BlurStep(const Params& params)
        : p_(params.get_float("p")),
          min_sigma_(params.get_float("min_sigma")),
          max_sigma_(params.get_float("max_sigma")) {
        require_ordered(params, "min_sigma", "max_sigma");
    }

    Tensor apply(const Tensor& batch, Rng& rng) const override {
        std::vector<float> sigmas(batch.dim(0));
        for (float& sigma : sigmas) {
            sigma = rng.bernoulli(p_) ? rng.uniform(min_sigma_, max_sigma_) : 0.0f;
        }
        return blur(batch, sigmas);
    }

    std::string describe() const override {
        return "blur(" + format(p_) + ", " + format(min_sigma_) + "-" + format(max_sigma_) + ")";
    }

private:
    float p_;
    float min_sigma_;
    float max_sigma_;
};

template <typename S>
std::shared_ptr<const Step> make(const Params& params, ValueRange) {
    return std::make_shared<S>(params);
}

template <typename S>
std::shared_ptr<const Step> make_in_range(const Params& params, ValueRange range) {
    return std::make_shared<S>(params, range);
}

#define SELFSUP_TYPE_KEY R"("type": {"type": "string", "description": "the transform"})"
#define SELFSUP_P_KEY(value)                                                   \
    R"("p": {"type": "number", "default": )" #value R"(, "min": 0, "max": 1,)" \
    R"( "description": "probability that an image is transformed"})"

// clang-format off
const char* const kTranslateSchema = "{" SELFSUP_TYPE_KEY R"(,
    "max_shift": {"type": "integer", "default": 2, "min": 0, "max": 256,
                  "description": "largest shift in x and in y, in pixels"},
    "fill": {"type": "string", "default": "zero", "enum": ["zero", "reflect"],
             "description": "what shows where the image moved away"}})";

const char* const kResizedCropSchema = "{" SELFSUP_TYPE_KEY R"(,
    "min_scale": {"type": "number", "default": 0.08, "min": 0, "max": 1,
                  "description": "smallest crop area, as a fraction of the image"},
    "max_scale": {"type": "number", "default": 1, "min": 0, "max": 1,
                  "description": "largest crop area, as a fraction of the image"},
    "min_ratio": {"type": "number", "default": 0.75, "min": 0, "max": 100,
                  "description": "smallest width / height of the crop"},
    "max_ratio": {"type": "number", "default": 1.3333333, "min": 0, "max": 100,
                  "description": "largest width / height of the crop"}})";

const char* const kHflipSchema = "{" SELFSUP_TYPE_KEY ", " SELFSUP_P_KEY(0.5) "}";

const char* const kRotate90Schema = "{" SELFSUP_TYPE_KEY "}";

const char* const kRotateSchema = "{" SELFSUP_TYPE_KEY R"(,
    "max_degrees": {"type": "number", "default": 15, "min": 0, "max": 180,
                    "description": "largest angle either way, in degrees"}})";

const char* const kEraseSchema = "{" SELFSUP_TYPE_KEY ", " SELFSUP_P_KEY(0.5) R"(,
    "min_area": {"type": "number", "default": 0.02, "min": 0, "max": 1,
                 "description": "smallest erased area, as a fraction of the image"},
    "max_area": {"type": "number", "default": 0.33, "min": 0, "max": 1,
                 "description": "largest erased area, as a fraction of the image"},
    "min_ratio": {"type": "number", "default": 0.3, "min": 0, "max": 100,
                  "description": "smallest width / height of the rectangle"},
    "max_ratio": {"type": "number", "default": 3.3, "min": 0, "max": 100,
                  "description": "largest width / height of the rectangle"},
    "fill": {"type": "string", "default": "zero", "enum": ["zero", "noise"],
             "description": "zero: 0 (or the nearest end of the value range); noise: uniform )"
             R"(values from the value range"}})";

const char* const kNoiseSchema = "{" SELFSUP_TYPE_KEY R"(,
    "stddev": {"type": "number", "default": 0.05, "min": 0, "max": 1,
               "description": "standard deviation, as a fraction of the value range"},
    "clamp": {"type": "boolean", "default": true,
              "description": "clamp the result to the value range"}})";

const char* const kJitterSchema = "{" SELFSUP_TYPE_KEY R"(,
    "brightness": {"type": "number", "default": 0.2, "min": 0, "max": 1,
                   "description": "largest offset either way, as a fraction of the value range"},
    "contrast": {"type": "number", "default": 0.2, "min": 0, "max": 1,
                 "description": "contrast factor drawn from [1 - contrast, 1 + contrast]"}})";

const char* const kBlurSchema = "{" SELFSUP_TYPE_KEY ", " SELFSUP_P_KEY(0.5) R"(,
    "min_sigma": {"type": "number", "default": 0.1, "min": 0, "max": 32,
                  "description": "smallest standard deviation of the kernel, in pixels"},
    "max_sigma": {"type": "number", "default": 2, "min": 0, "max": 32,
                  "description": "largest standard deviation of the kernel, in pixels"}})";
// clang-format on

#undef SELFSUP_P_KEY
#undef SELFSUP_TYPE_KEY

}  // namespace

const std::vector<StepType>& step_types() {
    static const std::vector<StepType> kTypes = {
        {"translate", kTranslateSchema, make<TranslateStep>},
        {"resized_crop", kResizedCropSchema, make<ResizedCropStep>},
        {"hflip", kHflipSchema, make<HflipStep>},
        {"rotate90", kRotate90Schema, make<Rotate90Step>},
        {"rotate", kRotateSchema, make<RotateStep>},
        {"erase", kEraseSchema, make_in_range<EraseStep>},
        {"noise", kNoiseSchema, make_in_range<NoiseStep>},
        {"jitter", kJitterSchema, make_in_range<JitterStep>},
        {"blur", kBlurSchema, make<BlurStep>},
    };
    return kTypes;
}

}  // namespace selfsup::augment::detail
