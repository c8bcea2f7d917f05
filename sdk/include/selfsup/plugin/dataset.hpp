#pragma once

// Dataset: a source of images and labels, split into train and test.
//
// The framework asks a dataset for images by index and, separately, for the
// labels of a split. Pretexts only ever receive images: labels reach the
// downstream stage alone, so a pretext cannot read them even by mistake.
//
// Ownership: a dataset owns its data. images() returns a new tensor the caller
// owns. Thread safety: images() may be called from a loader thread while the
// main thread trains, so it must not mutate shared state without locking.
// Failure: a missing or malformed file throws DataError from the constructor
// (naming the file and the problem); an index out of range throws DataError
// naming the index, the split and its size, and leaves the dataset usable.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "selfsup/api.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup {

enum class Split { kTrain, kTest };

SELFSUP_API const char* split_name(Split split);

struct DatasetInfo {
    // [C, H, W] of one image.
    Shape sample_shape;
    int num_classes = 0;
    // One name per class, or empty.
    std::vector<std::string> class_names;
    int64_t train_size = 0;
    int64_t test_size = 0;
    // The range every pixel value lies in.
    float min_value = 0.0f;
    float max_value = 1.0f;

    int64_t size(Split split) const { return split == Split::kTrain ? train_size : test_size; }
};

class SELFSUP_API Dataset {
public:
    virtual ~Dataset();

    virtual const DatasetInfo& info() const = 0;
    // Images [indices.size(), C, H, W], in the order of `indices`.
    virtual Tensor images(Split split, std::span<const int64_t> indices) const = 0;
    // The label of every image of the split, in index order.
    virtual std::vector<int32_t> labels(Split split) const = 0;
};

}  // namespace selfsup
