#pragma once

// The verbs of the `selfsup` command line. Each returns the process exit code
// (0 ok, 1 the run failed, 2 bad usage or bad manifest) or throws a selfsup
// error, which main() turns into one line on stderr and the matching code.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace selfsup {

struct CommonOptions {
    // --plugin-path, in the order given.
    std::vector<std::filesystem::path> plugin_paths;
};

struct ManifestOptions {
    std::string manifest_path;
    // --set key.path=value, in the order given.
    std::vector<std::string> overrides;
    // --pretexts a,b: only these of the manifest's pretexts; empty keeps all.
    std::vector<std::string> pretexts;
};

struct RunOptions {
    // --out: the run folder (default: the manifest's "output").
    std::optional<std::string> out;
    // --pretrained-from: an earlier run folder whose pretrained encoders this
    // run loads instead of pretraining (see experiment/earlier_run.hpp).
    std::optional<std::string> pretrained_from;
};

int list_plugins(const CommonOptions& common, const std::optional<std::string>& kind, bool json);
int show_plugin(const CommonOptions& common, const std::string& name, bool json);
int validate_manifest(const CommonOptions& common, const ManifestOptions& manifest);
// Runs the experiment into its folder. A folder that already holds results is
// never overwritten: the run goes to the first free "<folder>-2", "<folder>-3", ...
int run_manifest(const CommonOptions& common, const ManifestOptions& manifest,
                 const RunOptions& run);

}  // namespace selfsup
