#include "selfsup/rng.hpp"

#include <cmath>

#include "selfsup/errors.hpp"

namespace selfsup {

namespace {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
    for (uint64_t& word : state_) word = splitmix64(seed);
}

uint64_t Rng::next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
}

float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

float Rng::uniform(float low, float high) { return low + (high - low) * uniform(); }

uint64_t Rng::below(uint64_t bound) {
    SELFSUP_CHECK(bound > 0, "Rng::below(0)");
    // Rejection sampling removes the modulo bias.
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t draw;
    do {
        draw = next_u64();
    } while (draw >= limit);
    return draw % bound;
}

float Rng::normal(float mean, float stddev) {
    if (has_spare_) {
        has_spare_ = false;
        return mean + stddev * spare_normal_;
    }
    // Box-Muller on doubles; u1 is kept away from zero so log() is finite.
    const double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * M_PI * u2;
    spare_normal_ = static_cast<float>(radius * std::sin(angle));
    has_spare_ = true;
    return mean + stddev * static_cast<float>(radius * std::cos(angle));
}

Rng Rng::split(uint64_t stream) {
    return Rng(next_u64() ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL));
}

}  // namespace selfsup
