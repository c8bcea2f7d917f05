#include "experiment/labeled_subset.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "selfsup/errors.hpp"
#include "selfsup/rng.hpp"

namespace selfsup {

namespace {

// Fisher-Yates with our own Rng, so the order is the same on every platform.
template <typename T>
void shuffle(std::vector<T>& items, Rng& rng) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.below(i)]);
}

}  // namespace

std::vector<int64_t> stratified_subset(const std::vector<int32_t>& labels, int num_classes,
                                       int64_t budget, uint64_t seed) {
    const auto total = static_cast<int64_t>(labels.size());
    if (budget == 0 || budget >= total) {
        std::vector<int64_t> all(labels.size());
        std::iota(all.begin(), all.end(), 0);
        return all;
    }
    std::vector<std::vector<int64_t>> by_class(num_classes);
    for (int64_t i = 0; i < total; ++i) by_class[labels[i]].push_back(i);

    Rng rng(seed ^ 0x5ab5e7ULL);
    std::vector<int> class_order(num_classes);
    std::iota(class_order.begin(), class_order.end(), 0);
    shuffle(class_order, rng);
    std::vector<int64_t> quota(num_classes, budget / num_classes);
    for (int64_t extra = 0; extra < budget % num_classes; ++extra) ++quota[class_order[extra]];

    std::vector<int64_t> chosen;
    chosen.reserve(budget);
    for (int label = 0; label < num_classes; ++label) {
        std::vector<int64_t>& members = by_class[label];
        if (static_cast<int64_t>(members.size()) < quota[label]) {
            throw DataError("a label budget of " + std::to_string(budget) + " needs " +
                            std::to_string(quota[label]) + " images of class " +
                            std::to_string(label) + ", but the training split has only " +
                            std::to_string(members.size()));
        }
        shuffle(members, rng);
        chosen.insert(chosen.end(), members.begin(), members.begin() + quota[label]);
    }
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

std::vector<int32_t> labels_at(const std::vector<int64_t>& indices,
                               const std::vector<int32_t>& labels) {
    std::vector<int32_t> picked;
    picked.reserve(indices.size());
    for (int64_t index : indices) picked.push_back(labels[index]);
    return picked;
}

}  // namespace selfsup
