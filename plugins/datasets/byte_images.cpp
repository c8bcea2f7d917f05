#include "byte_images.hpp"

#include <algorithm>

#include "selfsup/errors.hpp"

namespace selfsup::datasets {

void ByteImages::truncate(int64_t count) {
    if (count >= this->count()) return;
    labels.resize(static_cast<size_t>(count));
    labels.shrink_to_fit();
    pixels.resize(static_cast<size_t>(count * sample_shape.numel()));
    pixels.shrink_to_fit();
}

void check_indices(const std::string& plugin, Split split, int64_t size,
                   std::span<const int64_t> indices) {
    const auto bad = std::find_if(indices.begin(), indices.end(),
                                  [size](int64_t index) { return index < 0 || index >= size; });
    if (bad != indices.end()) {
        throw DataError(detail::concat(plugin, ": image index ", *bad, " is out of range for the ",
                                       split_name(split), " split, which holds ", size,
                                       " images (valid indices 0 to ", size - 1, ")"));
    }
}

Tensor gather(const ByteImages& images, const std::string& plugin, Split split,
              std::span<const int64_t> indices) {
    check_indices(plugin, split, images.count(), indices);
    const Shape& sample = images.sample_shape;
    const int64_t per_image = sample.numel();
    const auto batch = static_cast<int64_t>(indices.size());
    Tensor dst = Tensor::empty({batch, sample[0], sample[1], sample[2]});
    float* out = dst.data();
    for (int64_t i = 0; i < batch; ++i) {
        const uint8_t* src = images.pixels.data() + indices[static_cast<size_t>(i)] * per_image;
        float* row = out + i * per_image;
        // Division rather than a reciprocal multiply, matching idx::to_tensor bit for bit.
        for (int64_t p = 0; p < per_image; ++p) row[p] = static_cast<float>(src[p]) / 255.0f;
    }
    return dst;
}

std::optional<int64_t> optional_limit(const Params& params, const std::string& name) {
    if (!params.has(name)) return std::nullopt;
    return params.get_int(name);
}

}  // namespace selfsup::datasets
