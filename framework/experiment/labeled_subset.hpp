#pragma once

// Choosing which training images keep their labels for a downstream run.

#include <cstdint>
#include <vector>

namespace selfsup {

// A stratified subset of `budget` indices (0 means all) of a split whose
// labels are `labels`: budget / classes per class, the remainder spread over
// the classes in a seeded order, each class's picks drawn with `seed`. The
// same (labels, budget, seed) always gives the same subset, so every method
// at one budget and seed trains on the same images. Sorted ascending.
// Throws DataError when a class has fewer images than its share.
std::vector<int64_t> stratified_subset(const std::vector<int32_t>& labels, int num_classes,
                                       int64_t budget, uint64_t seed);

// The labels of the rows `indices`, in that order.
std::vector<int32_t> labels_at(const std::vector<int64_t>& indices,
                               const std::vector<int32_t>& labels);

}  // namespace selfsup
