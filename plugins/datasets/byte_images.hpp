#pragma once

// What the dataset plugins share: a split's images held as bytes and turned
// into float32 tensors on request, index checks with messages a user can act
// on, and the optional `*_limit` parameters.
//
// ByteImages is an immutable value once loaded; gather() only reads it, so
// several threads may gather from one store at once.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "selfsup/params.hpp"
#include "selfsup/plugin/dataset.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::datasets {

// One split: `count()` images of `sample_shape` ([C, H, W]) stored
// back to back as bytes 0..255, and their labels in the same order.
struct ByteImages {
    Shape sample_shape;
    std::vector<uint8_t> pixels;
    std::vector<int32_t> labels;

    int64_t count() const { return static_cast<int64_t>(labels.size()); }
    // Keeps the first `count` images (no-op when it already holds fewer) and
    // returns the memory of the rest.
    void truncate(int64_t count);
};

// Throws DataError naming `plugin`, the first bad index, the split and its
// size when any index lies outside [0, size).
void check_indices(const std::string& plugin, Split split, int64_t size,
                   std::span<const int64_t> indices);

// Images at `indices` as float32 [indices.size(), C, H, W] with each byte
// divided by 255, so values lie in [0, 1]. Checks the indices first.
Tensor gather(const ByteImages& images, const std::string& plugin, Split split,
              std::span<const int64_t> indices);

// The value of an optional limit parameter (schema: integer, min 1, default
// null), or nullopt when the manifest left it out.
std::optional<int64_t> optional_limit(const Params& params, const std::string& name);

// The schema entries of `train_limit` and `test_limit`, for a plugin's schema
// text (without surrounding braces).
inline constexpr const char* kLimitSchema = R"json(
    "train_limit": {"type": "integer", "default": null, "min": 1,
                    "description": "use only the first N training images (null, or N past the end: all)"},
    "test_limit": {"type": "integer", "default": null, "min": 1,
                   "description": "use only the first N test images (null, or N past the end: all)"})json";

// A dataset whose two splits are held as bytes; subclasses fill info_,
// train_ and test_ in their constructor.
class ByteImageDataset : public Dataset {
public:
    const DatasetInfo& info() const override { return info_; }

    Tensor images(Split split, std::span<const int64_t> indices) const override {
        return gather(split == Split::kTrain ? train_ : test_, plugin_, split, indices);
    }

    std::vector<int32_t> labels(Split split) const override {
        return split == Split::kTrain ? train_.labels : test_.labels;
    }

protected:
    explicit ByteImageDataset(std::string plugin) : plugin_(std::move(plugin)) {}

    std::string plugin_;
    DatasetInfo info_;
    ByteImages train_;
    ByteImages test_;
};

}  // namespace selfsup::datasets
