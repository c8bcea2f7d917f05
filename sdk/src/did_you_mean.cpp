#include "selfsup/did_you_mean.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <string_view>

namespace selfsup {

namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions,
// because swapped letters ("levle") are the commonest typo in a key.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t cols = b.size() + 1;
    std::vector<std::size_t> d((a.size() + 1) * cols);
    for (std::size_t i = 0; i <= a.size(); ++i) d[i * cols] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            std::size_t best = std::min({d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1,
                                         d[(i - 1) * cols + j - 1] + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1])) {
                best = std::min(best, d[(i - 2) * cols + j - 2] + 1);
            }
            d[i * cols + j] = best;
        }
    }
    return d.back();
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
    const std::size_t allowed = std::max<std::size_t>(2, word.size() / 3);
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    const std::string* best = nullptr;
    for (const std::string& candidate : candidates) {
        const std::size_t distance = edit_distance(word, candidate);
        // A distance as long as a word means every letter changed: no typo.
        if (distance > allowed || distance >= std::min(word.size(), candidate.size())) continue;
        if (distance < best_distance) {
            best_distance = distance;
            best = &candidate;
        }
    }
    return best ? *best : std::string();
}

}  // namespace selfsup
