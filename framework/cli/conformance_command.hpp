#pragma once

// `selfsup conformance PLUGIN_FILE|NAME [--params JSON] [--json]`: the
// conformance kit on one plugin.

#include <optional>
#include <string>

#include "cli/commands.hpp"

namespace selfsup {

struct ConformanceCommandOptions {
    // A path to a plugin library, or a plugin's name on the search path.
    std::string plugin;
    // --params: the plugin's parameters as a JSON object.
    std::optional<std::string> params;
    bool json = false;
};

// Prints the report (text or JSON) on stdout; returns 0 when no mandatory
// check fails, 1 otherwise. A missing file, an unknown name, a file that is
// not a plugin, or --params that are not a JSON object fitting the plugin's
// schema throw ManifestError or PluginError (exit code 2).
int run_conformance_command(const CommonOptions& common, const ConformanceCommandOptions& options);

}  // namespace selfsup
