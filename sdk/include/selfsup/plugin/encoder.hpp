#pragma once

// Encoder: the network that maps images [N, C, H, W] to embeddings [N, D].
// It is what pretraining learns and what the downstream head sits on.
//
// An encoder exposes its layers as an ordered list of named blocks that
// together hold every parameter exactly once; freeze policies speak of them
// ("the last 2 blocks", "conv1"). The framework freezes a block by clearing
// requires_grad on its parameters and putting it in evaluation mode, so
// batch-norm statistics of a frozen block stay fixed too.
//
// Ownership: the encoder owns its blocks; blocks() returns shared handles to
// them, valid while the encoder lives. Not thread-safe. A failure in
// forward() (a ShapeError for an input of the wrong shape) leaves the
// encoder's parameters unchanged.

#include <memory>
#include <string>
#include <vector>

#include "selfsup/module.hpp"

namespace selfsup {

struct EncoderContext {
    // [C, H, W] of the images it will see.
    Shape sample_shape;
    // Seeds the initialisation: one seed gives one network.
    uint64_t seed = 0;
};

struct EncoderBlock {
    std::string name;
    std::shared_ptr<Module> module;
};

class SELFSUP_API Encoder : public Module {
public:
    ~Encoder() override;

    // D, the width of the embedding forward() returns.
    virtual int64_t embedding_width() const = 0;
    virtual std::vector<EncoderBlock> blocks() const = 0;
};

}  // namespace selfsup
