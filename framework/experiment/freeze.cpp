#include "experiment/freeze.hpp"

#include <algorithm>

#include "selfsup/errors.hpp"

namespace selfsup {

std::vector<std::string> block_names(const Encoder& encoder) {
    std::vector<std::string> names;
    for (const EncoderBlock& block : encoder.blocks()) names.push_back(block.name);
    return names;
}

void apply_freeze(const FreezeDecision& decision, Encoder& encoder) {
    const std::vector<EncoderBlock> blocks = encoder.blocks();
    if (decision.block_trains.size() != blocks.size()) {
        throw PluginError(detail::concat("freeze policy decided for ",
                                         decision.block_trains.size(), " blocks, but the encoder has ",
                                         blocks.size(), "; a decision needs one entry per block"));
    }
    for (size_t i = 0; i < blocks.size(); ++i) {
        blocks[i].module->set_requires_grad(decision.block_trains[i]);
        blocks[i].module->train(decision.block_trains[i]);
    }
}

std::vector<Tensor> block_state(const std::vector<EncoderBlock>& blocks,
                                const std::vector<std::string>& names) {
    std::vector<Tensor> tensors;
    for (const EncoderBlock& block : blocks) {
        if (std::find(names.begin(), names.end(), block.name) == names.end()) continue;
        for (const NamedTensor& param : block.module->named_parameters()) {
            tensors.push_back(param.tensor);
        }
        for (const NamedTensor& buffer : block.module->named_buffers()) {
            tensors.push_back(buffer.tensor);
        }
    }
    return tensors;
}

}  // namespace selfsup
