#pragma once

// The random transforms a pipeline is made of: each draws its per-image
// parameters from the Rng, serially, then calls a deterministic transform of
// augment.hpp, which may run in parallel.

#include <memory>
#include <string>
#include <vector>

#include "selfsup/augment.hpp"
#include "selfsup/params.hpp"

namespace selfsup {

class AugmentPipeline::Step {
public:
    virtual ~Step() = default;
    virtual Tensor apply(const Tensor& batch, Rng& rng) const = 0;
    // The transform and its main amounts, e.g. "hflip(0.5)".
    virtual std::string describe() const = 0;
};

namespace augment::detail {

// One kind of transform a pipeline may name.
struct StepType {
    const char* name;
    // Its keys as a parameter schema (params.hpp), "type" included.
    const char* schema;
    // Builds it from validated keys; throws ManifestError naming
    // params.path_of(key) for values that do not fit together.
    std::shared_ptr<const AugmentPipeline::Step> (*make)(const Params& params, ValueRange range);
};

// Every transform, in the order the documentation lists them.
const std::vector<StepType>& step_types();

}  // namespace augment::detail

}  // namespace selfsup
