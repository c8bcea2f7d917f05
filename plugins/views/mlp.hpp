#pragma once

// Mlp: the small fully connected heads of the two-view pretexts (the
// projector, and byol's predictor). For widths [w1, ..., wk] it is
// Linear(in -> w1), then for each further width: [BatchNorm], ReLU,
// Linear(-> next). The last layer has no activation, so the output can take
// any direction before it is normalised.
//
// Batch norm, when asked for, sits after every hidden linear layer (as in
// BYOL's heads) and normalises each feature over the batch, which needs at
// least two rows in training mode.
//
// Parameters come from the Rng given to the constructor, so one seed gives
// one head. Not thread-safe.

#include <cstdint>
#include <vector>

#include "selfsup/module.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::views {

class Mlp : public Sequential {
public:
    // `widths` must hold at least one width, each at least 1 (the schema
    // ensures both; otherwise InternalError).
    Mlp(int64_t in_features, const std::vector<int64_t>& widths, bool batch_norm, Rng& rng);

    int64_t out_features() const { return out_features_; }

private:
    int64_t out_features_ = 0;
};

}  // namespace selfsup::views
