#pragma once

// BatchStream: the batches of one epoch, in a seeded random order, each
// assembled by the dataset on a second thread while the caller trains on the
// previous one.
//
// The dataset must outlive the stream. Not thread-safe itself (one consumer).
// A DataError from the dataset is rethrown from next().

#include <cstdint>
#include <future>
#include <optional>
#include <vector>

#include "selfsup/plugin/dataset.hpp"

namespace selfsup {

struct Batch {
    Tensor images;
    // The dataset indices of the images, for looking their labels up.
    std::vector<int64_t> indices;
};

class BatchStream {
public:
    // `indices` of `split`, shuffled with `seed` when `shuffle`; the last
    // batch may be smaller.
    BatchStream(const Dataset& dataset, Split split, std::vector<int64_t> indices,
                int64_t batch_size, bool shuffle, uint64_t seed);
    ~BatchStream();
    BatchStream(const BatchStream&) = delete;
    BatchStream& operator=(const BatchStream&) = delete;

    int64_t batch_count() const;
    // The next batch, or nothing at the end of the epoch.
    std::optional<Batch> next();

private:
    std::future<Batch> load(int64_t batch);

    const Dataset& dataset_;
    Split split_;
    std::vector<int64_t> order_;
    int64_t batch_size_;
    int64_t next_batch_ = 0;
    std::future<Batch> pending_;
};

}  // namespace selfsup
