#pragma once

// Process-wide compute settings: threads, and counters that show whether a
// training step reached a steady state.

#include <cstdint>

#include "selfsup/api.hpp"

namespace selfsup {

// Threads used by oneDNN primitives and by selfsup's own OpenMP loops.
// Results are bit-identical for one seed and one thread count.
SELFSUP_API void set_num_threads(int threads);
SELFSUP_API int num_threads();

// How many oneDNN primitives have been created so far. Primitives are cached
// by op and shape, so in a steady training loop this stops growing.
SELFSUP_API uint64_t primitives_created();

}  // namespace selfsup
