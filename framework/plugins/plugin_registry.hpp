#pragma once

// PluginRegistry: the plugins found on the search path, by name.
//
// Folders are searched in the order they are added (the CLI adds
// --plugin-path, then SELFSUP_PLUGIN_PATH, then the manifest's plugin_paths,
// then the install's own plugin folder). Every shared library in a folder is
// looked at: one that is not a selfsup plugin is skipped with a debug line,
// one that is a plugin but cannot be loaded (another ABI version, a throwing
// entry point) is skipped with a warning and remembered in problems(). The
// same file reached twice is loaded once; two files holding plugins of one
// name are an error naming both.
//
// The registry owns the loaded libraries; objects made from its plugins keep
// their library loaded on their own. Not thread-safe.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "plugins/plugin_library.hpp"

namespace selfsup {

class PluginRegistry {
public:
    // Adds a folder of plugins, or one plugin file (which must load: errors
    // are thrown, not skipped). A folder that does not exist is skipped with
    // a debug line.
    void add(const std::filesystem::path& folder_or_file);

    // The plugin called `name`, or nullptr.
    const LoadedPlugin* find(const std::string& name) const;
    // The plugin called `name`, which must be of `kind`; `json_path` names
    // where the manifest asked for it. Throws ManifestError for an unknown
    // name (with a did-you-mean and the plugins of that kind) or a plugin of
    // another kind.
    const LoadedPlugin& require(const std::string& name, PluginKind kind,
                                const std::string& json_path) const;

    // All plugins, sorted by kind then name; or those of one kind.
    std::vector<const LoadedPlugin*> list(std::optional<PluginKind> kind = std::nullopt) const;
    // Plugin files that were found but could not be loaded, with why.
    const std::vector<std::string>& problems() const { return problems_; }

private:
    void add_plugin(LoadedPlugin plugin);

    std::vector<LoadedPlugin> plugins_;
    std::vector<std::filesystem::path> seen_files_;
    std::vector<std::string> problems_;
};

// The folder of plugins that ships with this executable: <exe>/../lib/selfsup/plugins,
// the same relative place in the build tree and in an install.
std::filesystem::path bundled_plugin_folder();

// Entries of a colon-separated path list such as SELFSUP_PLUGIN_PATH.
std::vector<std::filesystem::path> split_path_list(const std::string& list);

}  // namespace selfsup
