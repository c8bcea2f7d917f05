// my_encoder: a selfsup encoder plugin. A small convolutional network: two
// stride-2 convolutions with ReLU, then a Linear layer to the embedding.
// Each of the three is a named block ("conv1", "conv2", "embedding"), so
// freeze policies can train some and freeze others.
//
// Build: cmake -B build && cmake --build build    (makes build/selfsup-my_encoder.so)
// Use:   selfsup run experiment.json
// Check: selfsup conformance build/selfsup-my_encoder.so

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace my_encoder {

using namespace selfsup;

// The parameters a manifest may give under "params", with their defaults.
constexpr const char* kSchema = R"json({
    "channels": {"type": "integer", "default": 8, "min": 1, "max": 1024,
                 "description": "channels of the first convolution; the second has twice as many"},
    "embedding": {"type": "integer", "default": 32, "min": 1, "max": 65536,
                  "description": "width of the embedding the encoder returns"}
})json";

// The base class is qualified so that a plugin named after its kind still compiles.
class MyEncoder final : public selfsup::Encoder {
public:
    // The context gives the image shape [C, H, W] and the seed: one seed, one
    // network.
    MyEncoder(const Params& params, const EncoderContext& context)
        : sample_(context.sample_shape), embedding_width_(params.get_int("embedding")) {
        if (sample_.rank() != 3 || sample_[1] < 4 || sample_[2] < 4) {
            throw ShapeError("my_encoder: needs images [C, H, W] of at least 4 x 4 pixels, got " +
                             sample_.str());
        }
        Rng rng(context.seed);
        const int64_t channels = params.get_int("channels");
        // Kernel 3, stride 2, padding 1: each convolution halves H and W (rounding up).
        const ops::Conv2dOptions halve{.stride = 2, .padding = 1};
        add_block("conv1", {std::make_shared<Conv2d>(sample_[0], channels, 3, rng, halve),
                            make_activation("relu")});
        add_block("conv2", {std::make_shared<Conv2d>(channels, 2 * channels, 3, rng, halve),
                            make_activation("relu")});
        int64_t height = sample_[1];
        int64_t width = sample_[2];
        for (int i = 0; i < 2; ++i) {
            height = ops::conv2d_output_size(height, 3, halve);
            width = ops::conv2d_output_size(width, 3, halve);
        }
        add_block("embedding",
                  {std::make_shared<Flatten>(),
                   std::make_shared<Linear>(2 * channels * height * width, embedding_width_, rng)});
    }

    // [N, C, H, W] -> [N, embedding]: the blocks in order.
    Tensor forward(const Tensor& src) override {
        const Shape& shape = src.shape();
        if (shape.rank() != 4 || shape[1] != sample_[0] || shape[2] != sample_[1] ||
            shape[3] != sample_[2]) {
            throw ShapeError("my_encoder: expected images [N, " + std::to_string(sample_[0]) +
                             ", " + std::to_string(sample_[1]) + ", " + std::to_string(sample_[2]) +
                             "], got " + shape.str());
        }
        Tensor dst = src;
        for (const EncoderBlock& block : blocks_) dst = block.module->forward(dst);
        return dst;
    }

    int64_t embedding_width() const override { return embedding_width_; }

    // Every parameter sits in exactly one block, in the order forward() runs them.
    std::vector<EncoderBlock> blocks() const override { return blocks_; }

private:
    // Registering the block as a sub-module makes its parameters the
    // encoder's (for the optimizer, checkpoints and parameter counts).
    void add_block(const std::string& name, std::vector<std::shared_ptr<Module>> layers) {
        auto block = std::make_shared<Sequential>(std::move(layers));
        blocks_.push_back({name, register_module(name, block)});
    }

    Shape sample_;
    int64_t embedding_width_;
    std::vector<EncoderBlock> blocks_;
};

}  // namespace my_encoder

// The entry point: the ABI version and a descriptor (kind, name, version,
// one-line summary, parameter schema, factory).
SELFSUP_PLUGIN(selfsup::describe_encoder<my_encoder::MyEncoder>(
    "my_encoder", "0.1.0", "Two stride-2 convolutions with ReLU, then a Linear to the embedding.",
    my_encoder::kSchema))
