#pragma once

// The in-tree plugins, loaded from the build tree's plugin folder by the real
// loader, once per test program.

#include <filesystem>
#include <map>
#include <string>

#include "plugins/plugin_library.hpp"

namespace selfsup::testing {

// The plugin called `name` (file selfsup-NAME.so); loaded on first use and
// kept for the rest of the program.
inline const LoadedPlugin& in_tree_plugin(const std::string& name) {
    static std::map<std::string, LoadedPlugin> loaded;
    auto found = loaded.find(name);
    if (found == loaded.end()) {
        const auto path = std::filesystem::path(SELFSUP_PLUGIN_DIR) / ("selfsup-" + name + ".so");
        found = loaded.emplace(name, load_plugin(path)).first;
    }
    return found->second;
}

}  // namespace selfsup::testing
