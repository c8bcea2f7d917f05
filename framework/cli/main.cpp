// The `selfsup` command line: parses arguments with CLI11 and maps every
// failure to one line on stderr and an exit code.

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/conformance_command.hpp"
#include "cli/new_plugin.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/plugin/descriptor.hpp"
#include "support/logging.hpp"
#include "support/progress.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRunFailed = 1;
constexpr int kExitBadInput = 2;

int fail(int code, const std::string& message) {
    std::cerr << "selfsup: " << message << "\n";
    return code;
}

// The first word that is neither an option, an option's value nor a verb:
// CLI11 reports it only as "a subcommand is required".
std::string unknown_verb(int argc, char** argv, const std::vector<std::string>& verbs) {
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word == "--plugin-path") {
            ++i;
        } else if (!word.starts_with("-")) {
            return std::find(verbs.begin(), verbs.end(), word) == verbs.end() ? word : "";
        }
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace selfsup;
    CLI::App app{"selfsup: self-supervised representation learning, run from JSON manifests",
                 "selfsup"};
    app.set_version_flag("--version", "selfsup 0.1.0 (plugin ABI " + std::to_string(kAbiVersion) + ")");
    app.require_subcommand(1);
    app.fallthrough();

    CommonOptions common;
    bool verbose = false;
    bool quiet = false;
    app.add_option("--plugin-path", common.plugin_paths,
                   "folder or file to find plugins in, searched first (repeatable)");
    app.add_flag("-v,--verbose", verbose, "also show debug messages");
    app.add_flag("-q,--quiet", quiet, "only show warnings and errors");

    auto* plugins = app.add_subcommand("plugins", "list the plugins found on the plugin path");
    std::optional<std::string> kind;
    bool json = false;
    plugins->add_option("--kind", kind, "only plugins of this kind")
        ->check(CLI::IsMember({"dataset", "encoder", "pretext", "head", "freeze_policy"}));
    plugins->add_flag("--json", json, "print JSON instead of a table");
    auto* show = plugins->add_subcommand("show", "a plugin's parameters and description");
    std::string show_name;
    show->add_option("name", show_name, "the plugin's name")->required();
    show->add_flag("--json", json, "print JSON instead of text");

    ManifestOptions manifest;
    auto add_manifest_options = [&](CLI::App* verb) {
        verb->add_option("manifest", manifest.manifest_path, "the experiment manifest (JSON)")
            ->required();
        verb->add_option("--set", manifest.overrides,
                         "override a manifest key, e.g. --set evaluation.epochs=5 (repeatable)");
        verb->add_option("--pretexts", manifest.pretexts,
                         "only these of the manifest's pretexts, by name: --pretexts a,b")
            ->delimiter(',');
    };
    auto* validate = app.add_subcommand(
        "validate", "check a manifest short of training: plugins, parameters and shapes");
    add_manifest_options(validate);
    auto* run = app.add_subcommand("run", "run the experiment a manifest describes");
    add_manifest_options(run);
    RunOptions run_options;
    run->add_option("--out", run_options.out, "the run folder (default: the manifest's \"output\")");
    run->add_option("--pretrained-from", run_options.pretrained_from,
                    "an earlier run folder: load each pretext's encoder from its checkpoints "
                    "instead of pretraining (it must have pretrained them the same way)");
    auto* conformance = app.add_subcommand(
        "conformance", "check a plugin against the contract of its kind (the conformance kit)");
    ConformanceCommandOptions conformance_options;
    conformance->add_option("plugin", conformance_options.plugin,
                            "a plugin library file, or a plugin's name on the plugin path")
        ->required();
    conformance->add_option("--params", conformance_options.params,
                            "the plugin's parameters as a JSON object (default: its defaults)");
    conformance->add_flag("--json", conformance_options.json, "print JSON instead of text");
    auto* new_plugin_verb = app.add_subcommand(
        "new-plugin", "write a plugin project to start from: source, CMake build, experiment");
    NewPluginOptions new_plugin_options;
    new_plugin_verb->add_option("--kind", new_plugin_options.kind,
                                "dataset, encoder, pretext, head or freeze_policy")
        ->required();
    new_plugin_verb->add_option("name", new_plugin_options.name,
                                "the plugin's name, lower_snake_case")
        ->required();
    new_plugin_verb->add_option("dir", new_plugin_options.folder,
                                "a new or empty folder to write to (default: ./NAME)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& success) {
        return app.exit(success);
    } catch (const CLI::ParseError& error) {
        const std::string word = unknown_verb(argc, argv, {"plugins", "validate", "run"});
        if (!word.empty()) {
            return fail(kExitBadInput, "unknown command '" + word +
                                           "'; the commands are plugins, validate and run "
                                           "(selfsup --help)");
        }
        app.exit(error);
        return kExitBadInput;
    }

    init_console_logging(verbose ? spdlog::level::debug
                         : quiet ? spdlog::level::warn
                                 : spdlog::level::info);
    Progress::set_enabled(!quiet);
    try {
        if (show->parsed()) return show_plugin(common, show_name, json);
        if (plugins->parsed()) return list_plugins(common, kind, json);
        if (conformance->parsed()) return run_conformance_command(common, conformance_options);
        if (new_plugin_verb->parsed()) {
            new_plugin_options.program = argv[0];
            return new_plugin(common, new_plugin_options, std::cout, std::cerr);
        }
        if (validate->parsed()) return validate_manifest(common, manifest);
        return run_manifest(common, manifest, run_options);
    } catch (const ManifestError& error) {
        return fail(kExitBadInput, error.what());
    } catch (const PluginError& error) {
        return fail(run->parsed() ? kExitRunFailed : kExitBadInput, error.what());
    } catch (const Error& error) {
        return fail(validate->parsed() ? kExitBadInput : kExitRunFailed, error.what());
    } catch (const std::exception& error) {
        return fail(kExitRunFailed, std::string("unexpected error: ") + error.what());
    }
    return kExitOk;
}
