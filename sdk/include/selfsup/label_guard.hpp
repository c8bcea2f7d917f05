#pragma once

// LabelGuard: while one is alive, reading labels through the SDK is refused.
//
// A pretext never receives labels (it gets images only), but a plugin can
// still open a labels file itself with idx::read_labels. The framework arms a
// guard around every call into a pretext (construction, loss, after_step,
// previews), in pretraining and in the conformance kit, so such a read throws
// DataError saying that labels were read while a pretext was running, and the
// attempt is counted even when the pretext catches the exception.
//
// The flag is process-wide, not thread-local, on purpose: a pretext may do
// its work on threads of its own, and a thread-local flag would let a read
// from such a thread through. The cost is that nothing else in the process
// may read labels while a pretext call is running; selfsup never does (the
// downstream stage, the only reader of labels, runs after pretraining).
// Guards nest: reads are refused until the last one is destroyed. Arming,
// disarming and the checks are atomic, so guards are thread-safe.

#include <cstdint>
#include <string>

#include "selfsup/api.hpp"

namespace selfsup {

class SELFSUP_API LabelGuard {
public:
    LabelGuard();
    ~LabelGuard();
    LabelGuard(const LabelGuard&) = delete;
    LabelGuard& operator=(const LabelGuard&) = delete;

    // True while at least one guard is alive.
    static bool armed();
    // How many label reads have been refused since the program started.
    static int64_t refused_reads();
};

namespace detail {

// Called by every SDK function that reads labels, with the file it reads:
// throws DataError naming `what` when a LabelGuard is alive.
SELFSUP_API void check_labels_allowed(const std::string& what);

}  // namespace detail

}  // namespace selfsup
