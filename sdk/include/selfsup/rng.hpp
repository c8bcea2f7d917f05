#pragma once

// Rng: a seeded pseudo-random generator (xoshiro256**, seeded by splitmix64)
// with its own uniform and normal transforms, so one seed gives the same
// numbers on every platform and standard library. Not thread-safe: give each
// thread its own, e.g. with split().

#include <cstdint>

#include "selfsup/api.hpp"

namespace selfsup {

class SELFSUP_API Rng {
public:
    explicit Rng(uint64_t seed = 0);

    uint64_t next_u64();
    // Uniform in [0, 1).
    float uniform();
    float uniform(float low, float high);
    // Uniform integer in [0, bound); bound must be positive.
    uint64_t below(uint64_t bound);
    float normal(float mean = 0.0f, float stddev = 1.0f);
    bool bernoulli(float p) { return uniform() < p; }
    // An independent generator derived from this one's state and `stream`.
    Rng split(uint64_t stream);

private:
    uint64_t state_[4];
    float spare_normal_ = 0.0f;
    bool has_spare_ = false;
};

}  // namespace selfsup
