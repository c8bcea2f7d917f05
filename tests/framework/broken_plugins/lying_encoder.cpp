// An encoder whose embedding_width() says 32 while forward() returns 16
// values per image: the conformance kit must catch the lie.

#include <memory>

#include "selfsup/layers.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/rng.hpp"

namespace {

class LyingEncoder : public selfsup::Encoder {
public:
    LyingEncoder(const selfsup::Params&, const selfsup::EncoderContext& context) {
        selfsup::Rng rng(context.seed);
        auto block = std::make_shared<selfsup::Sequential>();
        block->add(std::make_shared<selfsup::Flatten>());
        block->add(std::make_shared<selfsup::Linear>(context.sample_shape.numel(), 16, rng));
        block_ = register_module("embedding", block);
    }

    selfsup::Tensor forward(const selfsup::Tensor& src) override { return block_->forward(src); }
    int64_t embedding_width() const override { return 32; }
    std::vector<selfsup::EncoderBlock> blocks() const override { return {{"embedding", block_}}; }

private:
    std::shared_ptr<selfsup::Sequential> block_;
};

}  // namespace

SELFSUP_PLUGIN(selfsup::describe_encoder<LyingEncoder>(
    "lying_width", "1.0.0", "An encoder that declares 32 embedding values but returns 16.",
    "{}"))
