#pragma once

// Fingerprinting the state (parameters and buffers) of modules, and the
// optimizer a manifest describes. copy_state is the SDK's (selfsup/module.hpp).

#include <cstdint>
#include <vector>

#include "selfsup/module.hpp"
#include "selfsup/optim.hpp"
#include "manifest/manifest.hpp"

namespace selfsup {

// The parameters, then the buffers, of `module`: what a fingerprint covers.
std::vector<Tensor> module_state(const Module& module);

// A 64-bit FNV-1a hash of the tensors' bytes, in order: equal before and
// after training exactly when nothing changed them.
uint64_t fingerprint(const std::vector<Tensor>& tensors);

// The optimizer a manifest's spec describes, over `params`.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec& spec, std::vector<Tensor> params);

}  // namespace selfsup
