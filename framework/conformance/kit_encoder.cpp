#include "conformance/kit_encoder.hpp"

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::conformance {

namespace {

const Shape kSample{1, 28, 28};

std::shared_ptr<Sequential> conv_block(int64_t in, int64_t out, int stride, Rng& rng) {
    ops::Conv2dOptions options;
    options.stride = stride;
    options.padding = 1;
    auto block = std::make_shared<Sequential>();
    block->add(std::make_shared<Conv2d>(in, out, 3, rng, options, false));
    block->add(std::make_shared<BatchNorm2d>(out));
    block->add(std::make_shared<ActivationLayer>(Activation::kRelu));
    return block;
}

}  // namespace

DatasetInfo kit_dataset_info() {
    DatasetInfo info;
    info.sample_shape = kSample;
    info.num_classes = 10;
    info.train_size = 64;
    info.test_size = 16;
    info.min_value = 0.0f;
    info.max_value = 1.0f;
    return info;
}

Tensor kit_images(int64_t count, uint64_t seed) {
    Rng rng(seed);
    Tensor images = Tensor::empty({count, kSample[0], kSample[1], kSample[2]});
    float* dst = images.data();
    for (int64_t i = 0; i < images.numel(); ++i) dst[i] = rng.uniform();
    return images;
}

std::vector<int32_t> kit_labels(int64_t count, uint64_t seed) {
    Rng rng(seed);
    std::vector<int32_t> labels(static_cast<size_t>(count));
    for (int32_t& label : labels) label = static_cast<int32_t>(rng.below(10));
    return labels;
}

KitEncoder::KitEncoder(uint64_t seed) {
    Rng rng(seed);
    const auto add = [this](const std::string& name, std::shared_ptr<Module> module) {
        blocks_.push_back({name, register_module(name, std::move(module))});
    };
    add("conv1", conv_block(kSample[0], 4, 1, rng));
    add("conv2", conv_block(4, 8, 2, rng));
    auto embedding = std::make_shared<Sequential>();
    embedding->add(std::make_shared<Flatten>());
    embedding->add(std::make_shared<Linear>(8 * 14 * 14, kEmbeddingWidth, rng));
    add("embedding", embedding);
}

KitEncoder::~KitEncoder() = default;

Tensor KitEncoder::forward(const Tensor& src) {
    const Shape& shape = src.shape();
    if (shape.rank() != 4 || shape[0] < 1 || shape[1] != kSample[0] || shape[2] != kSample[1] ||
        shape[3] != kSample[2]) {
        throw ShapeError("conformance kit encoder: expected images [N, 1, 28, 28], got " +
                         shape.str());
    }
    Tensor dst = src;
    for (const EncoderBlock& block : blocks_) dst = block.module->forward(dst);
    return dst;
}

}  // namespace selfsup::conformance
