#pragma once

// Spelling suggestions for error messages: given a word the user wrote and the
// words that were allowed (parameter names, plugin names, enum values), finds
// the one they most likely meant, so a message can end in "did you mean ...?".
// Pure functions; thread-safe.

#include <string>
#include <vector>

#include "selfsup/api.hpp"

namespace selfsup {

// The candidate closest to `word` by edit distance (insertions, deletions,
// substitutions and swaps of adjacent letters each count one; case is
// ignored), or "" when none is close enough to be a plausible typo: the
// distance must be at most max(2, word length / 3) and smaller than both
// words' lengths. Ties go to the earlier candidate.
SELFSUP_API std::string closest_match(const std::string& word,
                                      const std::vector<std::string>& candidates);

}  // namespace selfsup
