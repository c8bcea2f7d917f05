#pragma once

// The kit's own encoder and data, for checking the plugins that need an
// encoder (pretexts and freeze policies) without depending on any other
// plugin: a small network in the shape of a real one (two convolution blocks
// with batch norm, then a linear embedding block) and seeded random images.

#include <cstdint>
#include <memory>
#include <vector>

#include "selfsup/plugin/dataset.hpp"
#include "selfsup/plugin/encoder.hpp"

namespace selfsup::conformance {

// The data the kit's images describe: 1x28x28, 10 classes, values in [0, 1].
DatasetInfo kit_dataset_info();

// `count` images of kit_dataset_info(), uniform in [0, 1], the same for one
// seed.
Tensor kit_images(int64_t count, uint64_t seed);
// `count` labels in [0, 10), the same for one seed.
std::vector<int32_t> kit_labels(int64_t count, uint64_t seed);

// Blocks "conv1" (conv 1->4, 3x3, batch norm, ReLU), "conv2" (conv 4->8, 3x3,
// stride 2, batch norm, ReLU) and "embedding" (flatten, Linear to 16), for
// 1x28x28 images. One seed gives one network.
class KitEncoder final : public Encoder {
public:
    explicit KitEncoder(uint64_t seed);
    ~KitEncoder() override;

    Tensor forward(const Tensor& src) override;
    int64_t embedding_width() const override { return kEmbeddingWidth; }
    std::vector<EncoderBlock> blocks() const override { return blocks_; }

    static constexpr int64_t kEmbeddingWidth = 16;

private:
    std::vector<EncoderBlock> blocks_;
};

}  // namespace selfsup::conformance
