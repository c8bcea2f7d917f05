#pragma once

// Applying a freeze policy's decision to an encoder: the one mechanism every
// policy goes through, in downstream training and in the conformance kit.

#include <string>
#include <vector>

#include "selfsup/plugin/encoder.hpp"
#include "selfsup/plugin/freeze_policy.hpp"

namespace selfsup {

// The names of the encoder's blocks, in block order: what decide() is given.
std::vector<std::string> block_names(const Encoder& encoder);

// A frozen block keeps its parameters (requires_grad cleared, so no gradient
// and no optimizer update) and its batch-norm statistics (evaluation mode); a
// training block trains. `decision` must have one entry per block; otherwise
// PluginError, since the policy broke its contract.
void apply_freeze(const FreezeDecision& decision, Encoder& encoder);

// The parameters and buffers of the blocks called one of `names`, in block
// order: what the freeze audit fingerprints.
std::vector<Tensor> block_state(const std::vector<EncoderBlock>& blocks,
                                const std::vector<std::string>& names);

}  // namespace selfsup
