#include "cli/conformance_command.hpp"

#include <cstdlib>
#include <iostream>

#include <boost/json/parse.hpp>

#include "conformance/conformance.hpp"
#include "plugins/plugin_registry.hpp"
#include "selfsup/did_you_mean.hpp"
#include "selfsup/errors.hpp"

namespace selfsup {

namespace {

namespace fs = std::filesystem;

bool looks_like_path(const std::string& text) {
    return text.find('/') != std::string::npos || text.ends_with(".so");
}

// The library holding the plugin called `name`, searched in the usual order:
// --plugin-path, SELFSUP_PLUGIN_PATH, then the bundled folder.
fs::path find_plugin_file(const CommonOptions& common, const std::string& name) {
    PluginRegistry registry;
    for (const auto& path : common.plugin_paths) registry.add(path);
    if (const char* variable = std::getenv("SELFSUP_PLUGIN_PATH")) {
        for (const auto& path : split_path_list(variable)) registry.add(path);
    }
    registry.add(bundled_plugin_folder());
    if (const LoadedPlugin* plugin = registry.find(name)) return plugin->path;

    std::vector<std::string> names;
    for (const LoadedPlugin* known : registry.list()) names.push_back(known->name());
    const std::string suggestion = closest_match(name, names);
    std::string message = "conformance: no plugin named '" + name + "'";
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    message += " (`selfsup plugins` lists them; give a path to check a library directly)";
    if (!registry.problems().empty()) {
        message += "; some plugin files could not be loaded, run the kit on them by path: " +
                   registry.problems().front();
    }
    throw ManifestError(message);
}

boost::json::value parse_params(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    boost::system::error_code error;
    boost::json::value params = boost::json::parse(*text, error);
    if (error) throw ManifestError("--params: not valid JSON (" + error.message() + "): " + *text);
    if (!params.is_object()) {
        throw ManifestError("--params: expected a JSON object such as '{\"folder\": \"data\"}', "
                            "got " + *text);
    }
    return params;
}

}  // namespace

int run_conformance_command(const CommonOptions& common, const ConformanceCommandOptions& options) {
    ConformanceOptions kit;
    kit.params = parse_params(options.params);
    // The registry is gone before the kit starts, so the kit's handle is the
    // library's only one and its unloading checks mean something.
    const fs::path file = looks_like_path(options.plugin) || fs::is_regular_file(options.plugin)
                              ? fs::path(options.plugin)
                              : find_plugin_file(common, options.plugin);
    const ConformanceReport report = run_conformance(file, kit);
    std::cout << (options.json ? report_json(report) + "\n" : report_text(report));
    return report.conforms() ? 0 : 1;
}

}  // namespace selfsup
