#include "plugins/plugin_registry.hpp"

#include <algorithm>

#include <boost/dll/runtime_symbol_info.hpp>

#include "selfsup/did_you_mean.hpp"
#include "selfsup/errors.hpp"
#include "support/logging.hpp"

namespace selfsup {

namespace fs = std::filesystem;

namespace {

bool is_shared_library(const fs::path& path) {
    const std::string name = path.filename().string();
    return path.extension() == ".so" || name.find(".so.") != std::string::npos;
}

std::vector<fs::path> shared_libraries_in(const fs::path& folder) {
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
        if (entry.is_regular_file() && is_shared_library(entry.path())) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// "a head", "an encoder": the kind with its article, for messages.
std::string a_kind(PluginKind kind) {
    const std::string name = kind_name(kind);
    return (name.front() == 'e' ? "an " : "a ") + name;
}

std::string join(const std::vector<std::string>& words, const char* separator) {
    std::string text;
    for (const std::string& word : words) text += (text.empty() ? "" : separator) + word;
    return text;
}

}  // namespace

void PluginRegistry::add(const fs::path& folder_or_file) {
    std::error_code error;
    const fs::path path = fs::weakly_canonical(folder_or_file, error);
    if (fs::is_regular_file(path)) {
        if (std::find(seen_files_.begin(), seen_files_.end(), path) != seen_files_.end()) return;
        seen_files_.push_back(path);
        add_plugin(load_plugin(path));
        return;
    }
    if (!fs::is_directory(path)) {
        logger("plugins").debug("plugin search: {} does not exist, skipped", folder_or_file.string());
        return;
    }
    logger("plugins").debug("plugin search: looking in {}", path.string());
    for (const fs::path& file : shared_libraries_in(path)) {
        if (std::find(seen_files_.begin(), seen_files_.end(), file) != seen_files_.end()) continue;
        seen_files_.push_back(file);
        if (!is_plugin_file(file)) {
            logger("plugins").debug("plugin search: {} is not a selfsup plugin, skipped", file.string());
            continue;
        }
        std::optional<LoadedPlugin> plugin;
        try {
            plugin = load_plugin(file);
        } catch (const PluginError& failure) {
            logger("plugins").warn("skipped {}", failure.what());
            problems_.push_back(failure.what());
            continue;
        }
        add_plugin(std::move(*plugin));
    }
}

void PluginRegistry::add_plugin(LoadedPlugin plugin) {
    if (const LoadedPlugin* existing = find(plugin.name())) {
        throw PluginError("two plugins are named '" + plugin.name() + "': " +
                          existing->path.string() + " and " + plugin.path.string() +
                          "; remove one or take its folder off the plugin path");
    }
    plugins_.push_back(std::move(plugin));
}

const LoadedPlugin* PluginRegistry::find(const std::string& name) const {
    for (const LoadedPlugin& plugin : plugins_) {
        if (plugin.name() == name) return &plugin;
    }
    return nullptr;
}

const LoadedPlugin& PluginRegistry::require(const std::string& name, PluginKind kind,
                                            const std::string& json_path) const {
    std::vector<std::string> candidates;
    for (const LoadedPlugin* plugin : list(kind)) candidates.push_back(plugin->name());
    const LoadedPlugin* plugin = find(name);
    if (plugin == nullptr) {
        std::string message = json_path + ": no " + kind_name(kind) + " plugin named '" + name +
                              "'";
        const std::string suggestion = closest_match(name, candidates);
        if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
        message += candidates.empty() ? std::string(" (no ") + kind_name(kind) +
                                            " plugins were found on the plugin path)"
                                      : " (known: " + join(candidates, ", ") + ")";
        throw ManifestError(message);
    }
    if (plugin->kind() != kind) {
        throw ManifestError(json_path + ": plugin '" + name + "' is " + a_kind(plugin->kind()) +
                            ", but " + a_kind(kind) + " is needed here" +
                            (candidates.empty() ? "" : " (known: " + join(candidates, ", ") + ")"));
    }
    return *plugin;
}

std::vector<const LoadedPlugin*> PluginRegistry::list(std::optional<PluginKind> kind) const {
    std::vector<const LoadedPlugin*> selected;
    for (const LoadedPlugin& plugin : plugins_) {
        if (!kind || plugin.kind() == *kind) selected.push_back(&plugin);
    }
    std::sort(selected.begin(), selected.end(), [](const LoadedPlugin* a, const LoadedPlugin* b) {
        return std::pair(a->kind(), a->name()) < std::pair(b->kind(), b->name());
    });
    return selected;
}

fs::path bundled_plugin_folder() {
    return boost::dll::program_location().parent_path().parent_path() / "lib" / "selfsup" /
           "plugins";
}

std::vector<fs::path> split_path_list(const std::string& list) {
    std::vector<fs::path> paths;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t end = std::min(list.find(':', start), list.size());
        if (end > start) paths.emplace_back(list.substr(start, end - start));
        start = end + 1;
    }
    return paths;
}

}  // namespace selfsup
