#pragma once

// Copying and fingerprinting the state (parameters and buffers) of modules.

#include <cstdint>
#include <vector>

#include "selfsup/module.hpp"
#include "selfsup/optim.hpp"
#include "manifest/manifest.hpp"

namespace selfsup {

// Copies every parameter and buffer of `from` into the same-named one of
// `to`. Both must come from one spec (same names and shapes); otherwise
// InternalError.
void copy_state(const Module& from, Module& to);

// The parameters, then the buffers, of `module`: what a fingerprint covers.
std::vector<Tensor> module_state(const Module& module);

// A 64-bit FNV-1a hash of the tensors' bytes, in order: equal before and
// after training exactly when nothing changed them.
uint64_t fingerprint(const std::vector<Tensor>& tensors);

// The optimizer a manifest's spec describes, over `params`.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec& spec, std::vector<Tensor> params);

}  // namespace selfsup
