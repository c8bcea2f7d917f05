#pragma once

// oneDNN plumbing shared by the ops: the CPU engine and stream, the primitive
// cache, and conversions between Tensors and dnnl::memory. Private to the SDK.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "selfsup/tensor.hpp"

namespace selfsup::dnnl_support {

dnnl::engine& engine();
dnnl::stream& stream();

// Dimensions of a tensor as oneDNN wants them.
dnnl::memory::dims dims_of(const Shape& shape);
// The plain row-major layout for a shape of rank 1 to 4 (a, ab, abc, abcd).
dnnl::memory::desc plain_md(const Shape& shape);
// The plain layout of the given dimensions.
dnnl::memory::desc plain_md(const dnnl::memory::dims& dims);
// A dnnl::memory over a tensor's storage, in the plain layout (no copy).
dnnl::memory wrap(const Tensor& tensor);
dnnl::memory wrap(const Tensor& tensor, const dnnl::memory::desc& md);

// Memory of layout `md` in pooled Tensor storage: `storage` is set to a tensor
// big enough for it, which must outlive every use of the memory.
dnnl::memory pooled(const dnnl::memory::desc& md, Tensor& storage);

// Process-wide cache of primitive descriptors and primitives, keyed by a
// string that an op builds from its kind, shapes and settings. Entries live
// until the process ends. Thread-safe.
class PrimitiveCache {
public:
    // The cached entry for `key`, made by `make` on first use.
    template <typename Entry>
    Entry& get(const std::string& key, const std::function<Entry()>& make) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = entries_.find(key);
        if (found == entries_.end()) {
            auto entry = std::make_shared<Entry>(make());
            found = entries_.emplace(key, std::shared_ptr<void>(entry, entry.get())).first;
            ++created_;
        }
        return *static_cast<Entry*>(found->second.get());
    }

    uint64_t created() const;
    static PrimitiveCache& instance();

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<void>> entries_;
    uint64_t created_ = 0;
};

// Key text for a shape, e.g. "128x1x28x28".
std::string key_of(const Shape& shape);

}  // namespace selfsup::dnnl_support
