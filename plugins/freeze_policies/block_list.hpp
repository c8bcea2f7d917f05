#pragma once

// How the freeze policies list an encoder's blocks in their error messages,
// so a user sees the names they may choose from. Header-only, so each policy
// library carries its own copy.

#include <string>
#include <vector>

namespace selfsup::freeze_policies {

// "conv1, conv2, conv3, embedding"
inline std::string join_block_names(const std::vector<std::string>& block_names) {
    std::string text;
    for (const std::string& name : block_names) text += (text.empty() ? "" : ", ") + name;
    return text;
}

}  // namespace selfsup::freeze_policies
