#pragma once

// Momentum targets: slowly moving copies of online modules, as BYOL trains
// against. After each optimizer step every target parameter moves towards its
// online twin, target = m * target + (1 - m) * online. Buffers (batch-norm
// running statistics) are not averaged: each copy keeps the ones its own
// forward passes produce. Targets are only read under NoGradGuard, and their
// tensors are outside any optimizer, so no gradient reaches them.
//
// A pretext can build a second instance of its own modules (its projector)
// and update it with ema_update(). It cannot build a second encoder: the SDK
// gives a pretext the encoder as an `Encoder&` only, with no factory and no
// clone. MomentumEncoder therefore keeps the target encoder as state only (a
// copy of every parameter and buffer, owned by the pretext) and runs it by
// swapping that state into the encoder for one forward pass, swapping it back
// before returning, also when the forward pass throws. The swap is exact (the
// values are exchanged, not recomputed), so the online encoder comes back bit
// for bit.
//
// TODO: a second encoder instance would make this a plain forward pass; it
// needs a factory in PretextContext (or Encoder::clone()), an ABI change. Until
// then the target shares the encoder's code path and its train/eval mode.
//
// Not thread-safe, and the encoder must not be used elsewhere during forward().

#include <string>
#include <vector>

#include "selfsup/module.hpp"
#include "selfsup/plugin/encoder.hpp"

namespace selfsup::views {

// target = momentum * target + (1 - momentum) * online, parameter by
// parameter; the two must have the same names and shapes (InternalError
// otherwise).
void ema_update(Module& target, const Module& online, float momentum);

class MomentumEncoder {
public:
    // Starts as an exact copy of `encoder`'s parameters and buffers. `plugin`
    // names the pretext in errors.
    MomentumEncoder(std::string plugin, const Encoder& encoder);

    // The target's embeddings of `src`, computed by `encoder` with the target
    // state swapped in, under NoGradGuard. `encoder` must be the one the
    // target was made from (same parameter and buffer names and shapes),
    // otherwise ShapeError naming the first difference and `caller`.
    Tensor forward(Encoder& encoder, const Tensor& src, const char* caller);

    // Moves the target towards `encoder`'s current parameters.
    void update(const Encoder& encoder, float momentum);

    // The target's own copies, in the order of Module::named_parameters()
    // and named_buffers().
    const std::vector<NamedTensor>& parameters() const { return parameters_; }
    const std::vector<NamedTensor>& buffers() const { return buffers_; }

private:
    void check_matches(const Encoder& encoder, const char* caller) const;

    std::string plugin_;
    std::vector<NamedTensor> parameters_;
    std::vector<NamedTensor> buffers_;
};

}  // namespace selfsup::views
