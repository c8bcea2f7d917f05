#pragma once

// Image augmentations: seeded, batch-wise transforms of images on the CPU, for
// pretexts to corrupt their inputs and to make views of one image.
//
// Two layers:
// - Deterministic transforms in namespace selfsup::augment (translate,
//   resized_crop, hflip, rotate90, rotate, erase, add_noise, jitter, blur)
//   take a batch and explicit per-image parameters, one entry per image, and
//   compute the result exactly. A pretext that needs to know what was done
//   (rotation prediction builds its targets from the k it chose) calls these.
// - AugmentPipeline, built from a JSON array in a pretext's parameters, draws
//   each image's parameters from an Rng and runs those transforms in order.
//
// Images: a batch is [N, C, H, W] float32. Pixel (y, x) has its centre at
// coordinate (y, x), with y growing downwards and x to the right, so an image
// covers [-0.5, H - 0.5] x [-0.5, W - 0.5]. Images never mix: image n of the
// result depends on image n of the input and its own parameters only.
// Geometric transforms move whole pixels (every channel alike).
//
// Ownership and autograd: every transform returns a new tensor and leaves its
// input unchanged. Augmentation is data preparation: nothing is recorded on
// the autograd tape and the result never requires a gradient. A batch that
// requires one is refused with InternalError, because no gradient would reach
// it (augment images.detach() when that is really meant).
//
// Determinism: AugmentPipeline::apply draws all parameters for a batch
// serially from the Rng, transform after transform and image after image, and
// only then transforms the images in parallel (OpenMP). Per-value randomness
// (noise) comes from one seed per image drawn in that serial pass. So one seed
// gives bit-identical output whatever the thread count.
//
// Errors: a batch that is not rank 4, or a parameter list whose length is not
// N, throws ShapeError naming the transform and the shapes; a parameter the
// maths cannot take (a negative or non-finite standard deviation, an empty
// crop) throws NumericalError. Pipeline JSON that is not valid throws
// ManifestError whose message starts with the JSON path of the bad value. A
// throwing call leaves its input unchanged.
//
// Thread safety: the free functions are pure. An AugmentPipeline is immutable
// once built; apply() may run on several threads at once with distinct Rngs.

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/rng.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup {

// The closed interval image values lie in (DatasetInfo::min_value/max_value).
// The pipeline clamps to it and measures its amounts (noise, brightness) as
// fractions of its width, so one pipeline suits [0, 1] and [0, 255] images.
struct ValueRange {
    float min = 0.0f;
    float max = 1.0f;

    float width() const { return max - min; }
};

namespace augment {

// What a translation shows where the image moved away from.
enum class Fill {
    kZero,     // the value 0
    kReflect,  // the image mirrored at its border, without repeating the edge pixel
};

// Shift image content by (dx, dy) whole pixels: positive dx moves it right,
// positive dy moves it down.
struct Shift {
    int dx = 0;
    int dy = 0;
};
// dst(y, x) = src(y - dy, x - dx), filled by `fill` outside the image. Shifts
// larger than the image are allowed (reflect fill repeats the mirroring).
SELFSUP_API Tensor translate(const Tensor& batch, const std::vector<Shift>& shifts, Fill fill);

// A region of an image in pixel units; fractional values are allowed.
struct Box {
    float top = 0.0f;
    float left = 0.0f;
    float height = 0.0f;
    float width = 0.0f;
};
// Crops boxes[n] from image n and resizes it to the full H x W with bilinear
// interpolation (half-pixel centres; samples beyond the border take the edge
// value). The box {0, 0, H, W} gives the image back exactly. A box with a
// non-positive or non-finite size throws NumericalError.
SELFSUP_API Tensor resized_crop(const Tensor& batch, const std::vector<Box>& boxes);

// Mirrors image n left to right where flip[n] is true; copies it otherwise.
SELFSUP_API Tensor hflip(const Tensor& batch, const std::vector<bool>& flip);

// Rotates image n by k_per_image[n] quarter turns counter-clockwise (as the
// image is viewed, y down); k is taken modulo 4, so -1 is a clockwise turn.
// Exact (values are moved, not interpolated). Images must be square
// (H == W), or ShapeError.
SELFSUP_API Tensor rotate90(const Tensor& batch, const std::vector<int>& k_per_image);

// Rotates image n by degrees[n] counter-clockwise about its centre, with
// bilinear interpolation; what comes from outside the image is 0. A rotation
// by 0 is exact; by 90 it matches rotate90 within float rounding. Images may
// be non-square (corners then come from outside and are 0).
SELFSUP_API Tensor rotate(const Tensor& batch, const std::vector<float>& degrees);

// A rectangle of whole pixels; empty (nothing erased) when height or width is
// 0. It must lie inside the image, or ShapeError.
struct Rect {
    int top = 0;
    int left = 0;
    int height = 0;
    int width = 0;
};
// Sets rects[n] of image n, in every channel, to `value`.
SELFSUP_API Tensor erase(const Tensor& batch, const std::vector<Rect>& rects, float value);
// Sets rects[n] of image n to values uniform in [range.min, range.max), drawn
// from Rng(seeds[n]) in row-major (c, y, x) order.
SELFSUP_API Tensor erase_with_noise(const Tensor& batch, const std::vector<Rect>& rects,
                                    const std::vector<uint64_t>& seeds, ValueRange range);

// Adds N(0, stddev^2) to every value of image n, drawn from Rng(seeds[n]) in
// row-major (c, y, x) order, then clamps to `clamp` when given. `stddev` is in
// value units and must be finite and non-negative (else NumericalError).
SELFSUP_API Tensor add_noise(const Tensor& batch, float stddev, const std::vector<uint64_t>& seeds,
                             std::optional<ValueRange> clamp);

// Brightness and contrast of one image, in value units.
struct Jitter {
    float brightness = 0.0f;  // added to every value
    float contrast = 1.0f;    // scales each value's distance from the image mean
};
// dst = clamp((src - mean) * contrast + mean + brightness, range), where mean
// is image n's mean over all its channels and pixels (so colours keep their
// balance). Jitter{} changes nothing (beyond clamping to the range).
SELFSUP_API Tensor jitter(const Tensor& batch, const std::vector<Jitter>& params, ValueRange range);

// Gaussian blur of image n with standard deviation sigmas[n] pixels: a
// separable kernel of radius ceil(3 sigma), normalised to sum 1, with the
// image mirrored at its borders (as Fill::kReflect). A sigma of 0 copies the
// image; a negative or non-finite one throws NumericalError. Away from the
// borders the sum of the values is preserved.
SELFSUP_API Tensor blur(const Tensor& batch, const std::vector<float>& sigmas);

}  // namespace augment

// A sequence of random transforms described in JSON, e.g. in a pretext's
// parameters:
//
//   [{"type": "resized_crop", "min_scale": 0.5}, {"type": "hflip", "p": 0.5},
//    {"type": "noise", "stddev": 0.05}]
//
// Each object names a transform by "type" and may set its keys; the others
// take their defaults. The types and keys (see docs/augmentations.md):
//   translate     max_shift 2 (pixels, 0..256), fill "zero" | "reflect" ("zero")
//   resized_crop  min_scale 0.08, max_scale 1 (area fractions in (0, 1]),
//                 min_ratio 0.75, max_ratio 1.3333 (width / height, log-uniform)
//   hflip         p 0.5
//   rotate90      no keys: a uniform number of quarter turns, 0..3; square images
//   rotate        max_degrees 15 (0..180): uniform in [-max, max]
//   erase         p 0.5, min_area 0.02, max_area 0.33 (fractions of the image),
//                 min_ratio 0.3, max_ratio 3.3, fill "zero" | "noise" ("zero")
//   noise         stddev 0.05 (fraction of the value range), clamp true
//   jitter        brightness 0.2 (fraction of the value range, uniform in
//                 [-b, b]), contrast 0.2 (factor uniform in [1 - c, 1 + c])
//   blur          p 0.5, min_sigma 0.1, max_sigma 2 (pixels)
// "zero" erasing uses 0, or the nearest end of the value range when 0 lies
// outside it; "noise" erasing draws uniformly from the value range.
class SELFSUP_API AugmentPipeline {
public:
    // The empty pipeline: apply() returns a copy.
    AugmentPipeline();
    // Parses `spec`, an array of transform objects (null is the empty
    // pipeline). `json_path` is where `spec` sits in the manifest, e.g.
    // "pretexts[0].params.augment"; it starts every ManifestError message,
    // e.g. "pretexts[0].params.augment[1].p: 1.5 is above the maximum 1".
    // Unknown types (with a suggestion), unknown keys, ill-typed values, values
    // out of range and inconsistent pairs (min above max) are refused.
    // `range` is the dataset's value range; a range whose min is not below its
    // max throws NumericalError.
    AugmentPipeline(const boost::json::value& spec, const std::string& json_path,
                    ValueRange range = {});

    // Runs the transforms in order on a copy of `batch`, drawing each image's
    // parameters from `rng` (see Determinism above).
    Tensor apply(const Tensor& batch, Rng& rng) const;

    // One line for logs: "resized_crop(0.5-1) -> hflip(0.5) -> noise(0.05)",
    // or "none" for the empty pipeline.
    std::string describe() const;
    std::size_t size() const { return steps_.size(); }
    bool empty() const { return steps_.empty(); }

    // The valid "type" values, in the order listed above.
    static std::vector<std::string> transform_types();

    // One transform with its parameters; defined where the transforms are.
    class Step;

private:
    std::vector<std::shared_ptr<const Step>> steps_;
};

}  // namespace selfsup
