#include "experiment/batch_stream.hpp"

#include <algorithm>

#include "selfsup/rng.hpp"

namespace selfsup {

BatchStream::BatchStream(const Dataset& dataset, Split split, std::vector<int64_t> indices,
                         int64_t batch_size, bool shuffle, uint64_t seed)
    : dataset_(dataset), split_(split), order_(std::move(indices)), batch_size_(batch_size) {
    if (shuffle) {
        Rng rng(seed);
        for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);
    }
    if (batch_count() > 0) pending_ = load(0);
}

BatchStream::~BatchStream() {
    if (pending_.valid()) pending_.wait();
}

int64_t BatchStream::batch_count() const {
    return (static_cast<int64_t>(order_.size()) + batch_size_ - 1) / batch_size_;
}

std::future<Batch> BatchStream::load(int64_t batch) {
    const int64_t first = batch * batch_size_;
    const int64_t last = std::min<int64_t>(first + batch_size_, order_.size());
    std::vector<int64_t> indices(order_.begin() + first, order_.begin() + last);
    return std::async(std::launch::async, [this, indices = std::move(indices)]() mutable {
        Tensor images = dataset_.images(split_, indices);
        return Batch{std::move(images), std::move(indices)};
    });
}

std::optional<Batch> BatchStream::next() {
    if (next_batch_ >= batch_count()) return std::nullopt;
    Batch batch = pending_.get();
    if (++next_batch_ < batch_count()) pending_ = load(next_batch_);
    return batch;
}

}  // namespace selfsup
