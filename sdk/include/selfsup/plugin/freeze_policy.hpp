#pragma once

// FreezePolicy: decides, for each downstream epoch, which encoder blocks
// train. It only decides; the framework applies the decision (clearing
// requires_grad and switching frozen blocks to evaluation mode), so a policy
// cannot half-freeze a block, and the freeze audit checks the framework's
// mechanism once for every policy.
//
// A policy is stateless between calls: decide() depends only on its
// parameters and arguments, so it is thread-safe and can be asked about any
// epoch in any order.

#include <string>
#include <vector>

#include "selfsup/api.hpp"

namespace selfsup {

struct FreezeDecision {
    // One entry per encoder block, in block order: true when it trains.
    std::vector<bool> block_trains;
};

class SELFSUP_API FreezePolicy {
public:
    virtual ~FreezePolicy();

    // `epoch` counts from 0 to `total_epochs` - 1. A name the policy was told
    // about that is not among `block_names` throws ManifestError naming it
    // and listing the block names.
    virtual FreezeDecision decide(const std::vector<std::string>& block_names, int epoch,
                                  int total_epochs) const = 0;
};

}  // namespace selfsup
