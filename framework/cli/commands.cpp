#include "cli/commands.hpp"

#include <cstdlib>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "experiment/report.hpp"
#include "experiment/runner.hpp"
#include "experiment/setup.hpp"
#include "manifest/json_file.hpp"
#include "selfsup/did_you_mean.hpp"
#include "selfsup/errors.hpp"
#include "support/logging.hpp"

namespace selfsup {

namespace json = boost::json;

namespace {

// The search path in its documented order: --plugin-path, SELFSUP_PLUGIN_PATH,
// the manifest's plugin_paths, then the plugins that ship with this program.
PluginRegistry discover_plugins(const CommonOptions& common,
                                const std::vector<std::string>& manifest_paths = {}) {
    PluginRegistry registry;
    for (const auto& path : common.plugin_paths) registry.add(path);
    if (const char* variable = std::getenv("SELFSUP_PLUGIN_PATH")) {
        for (const auto& path : split_path_list(variable)) registry.add(path);
    }
    for (const std::string& path : manifest_paths) registry.add(path);
    registry.add(bundled_plugin_folder());
    return registry;
}

Manifest load_manifest(const ManifestOptions& options) {
    json::value root = read_json_file(options.manifest_path);
    for (const std::string& assignment : options.overrides) apply_override(root, assignment);
    Manifest manifest = parse_manifest(root, options.manifest_path);
    if (!options.pretexts.empty()) keep_pretexts(manifest, options.pretexts);
    // Plugin paths in a manifest are relative to the manifest's own folder, so
    // a manifest and the plugins beside it can move together.
    const std::filesystem::path base = std::filesystem::path(options.manifest_path).parent_path();
    for (std::string& path : manifest.plugin_paths) {
        if (std::filesystem::path(path).is_relative()) path = (base / path).string();
    }
    return manifest;
}

json::object plugin_json(const LoadedPlugin& plugin) {
    return {{"name", plugin.name()},
            {"kind", kind_name(plugin.kind())},
            {"version", plugin.descriptor->version},
            {"summary", plugin.descriptor->summary},
            {"file", plugin.path.string()}};
}

std::filesystem::path free_run_folder(const std::filesystem::path& wanted) {
    std::filesystem::path folder = wanted;
    for (int suffix = 2; std::filesystem::exists(folder / "results.json"); ++suffix) {
        folder = wanted.string() + "-" + std::to_string(suffix);
    }
    return folder;
}

std::string value_text(const json::value& value) {
    if (value.is_string()) return std::string(value.get_string());
    // Boost.JSON writes 0.05 as "5E-2"; people read "0.05".
    if (value.is_double()) return fmt::format("{}", value.get_double());
    return json::serialize(value);
}

std::string range_text(const ParamSpec& spec) {
    if (!spec.enum_values.empty()) {
        std::string text = "one of";
        for (const std::string& value : spec.enum_values) text += " " + value;
        return text;
    }
    if (spec.min && spec.max) return fmt::format("{} to {}", *spec.min, *spec.max);
    if (spec.min) return fmt::format(">= {}", *spec.min);
    if (spec.max) return fmt::format("<= {}", *spec.max);
    return "";
}

// "1 seed", "3 seeds".
std::string counted(size_t count, const char* one, const char* many) {
    return fmt::format("{} {}", count, count == 1 ? one : many);
}

}  // namespace

int list_plugins(const CommonOptions& common, const std::optional<std::string>& kind,
                 bool as_json) {
    const PluginRegistry registry = discover_plugins(common);
    const auto plugins =
        registry.list(kind ? parse_kind(*kind) : std::optional<PluginKind>(std::nullopt));
    if (as_json) {
        json::array list;
        for (const LoadedPlugin* plugin : plugins) list.push_back(plugin_json(*plugin));
        std::cout << json::serialize(list) << "\n";
        return 0;
    }
    if (plugins.empty()) {
        std::cout << "no plugins found; searched --plugin-path, SELFSUP_PLUGIN_PATH and "
                  << bundled_plugin_folder().string() << "\n";
        return 0;
    }
    std::cout << fmt::format("{:<16} {:<14} {:<8} {}\n", "NAME", "KIND", "VERSION", "SUMMARY");
    for (const LoadedPlugin* plugin : plugins) {
        std::cout << fmt::format("{:<16} {:<14} {:<8} {}\n    {}\n", plugin->name(),
                                 kind_name(plugin->kind()), plugin->descriptor->version,
                                 plugin->descriptor->summary, plugin->path.string());
    }
    return 0;
}

int show_plugin(const CommonOptions& common, const std::string& name, bool as_json) {
    const PluginRegistry registry = discover_plugins(common);
    const LoadedPlugin* plugin = registry.find(name);
    if (plugin == nullptr) {
        std::vector<std::string> names;
        for (const LoadedPlugin* known : registry.list()) names.push_back(known->name());
        const std::string suggestion = closest_match(name, names);
        throw ManifestError("no plugin named '" + name + "'" +
                            (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?") +
                            " (`selfsup plugins` lists them)");
    }
    if (as_json) {
        json::object described = plugin_json(*plugin);
        described["schema"] = json::parse(plugin->descriptor->schema.empty()
                                              ? "{}"
                                              : plugin->descriptor->schema);
        std::cout << json::serialize(described) << "\n";
        return 0;
    }
    std::cout << fmt::format("{} {} ({})\n{}\nfile: {}\n", plugin->name(),
                             plugin->descriptor->version, kind_name(plugin->kind()),
                             plugin->descriptor->summary, plugin->path.string());
    const auto& entries = plugin->schema.entries();
    if (entries.empty()) {
        std::cout << "\nno parameters\n";
        return 0;
    }
    std::cout << "\nparameters:\n";
    for (const ParamSpec& spec : entries) {
        std::string type = param_type_name(spec.type);
        if (spec.items) type += fmt::format(" of {}", param_type_name(spec.items->type));
        const std::string fallback = spec.required()          ? "required"
                                     : spec.default_value->is_null() ? "optional"
                                                                   : "default " + value_text(*spec.default_value);
        std::cout << fmt::format("  {:<18} {:<18} {}\n", spec.name, type, fallback);
        const std::string range = range_text(spec);
        if (!range.empty()) std::cout << fmt::format("  {:<18} {}\n", "", range);
        if (!spec.description.empty()) std::cout << fmt::format("  {:<18} {}\n", "", spec.description);
    }
    return 0;
}

int validate_manifest(const CommonOptions& common, const ManifestOptions& options) {
    Manifest manifest = load_manifest(options);
    const PluginRegistry registry = discover_plugins(common, manifest.plugin_paths);
    const ExperimentSetup setup = prepare_experiment(std::move(manifest), registry);
    std::cout << fmt::format("{}: valid ({}, {}, {}, {})\n", options.manifest_path,
                             counted(setup.manifest.pretexts.size(), "pretext", "pretexts"),
                             counted(setup.freeze_policies.size(), "freeze policy", "freeze policies"),
                             counted(setup.manifest.evaluation.label_budgets.size(), "label budget",
                                     "label budgets"),
                             counted(setup.manifest.seeds.size(), "seed", "seeds"));
    return 0;
}

int run_manifest(const CommonOptions& common, const ManifestOptions& options,
                 const RunOptions& run) {
    Manifest manifest = load_manifest(options);
    if (run.out) manifest.output = *run.out;
    const PluginRegistry registry = discover_plugins(common, manifest.plugin_paths);
    const ExperimentSetup setup = prepare_experiment(std::move(manifest), registry);
    std::optional<EarlierRun> earlier;
    if (run.pretrained_from) {
        earlier.emplace(*run.pretrained_from);
        earlier->check(setup);
    }
    const std::filesystem::path folder = free_run_folder(setup.manifest.output);
    if (folder != std::filesystem::path(setup.manifest.output)) {
        logger("experiment").warn("{} already holds results; this run goes to {}",
                                  setup.manifest.output, folder.string());
    }
    std::filesystem::create_directories(folder);
    add_log_file(folder / "run.log");
    logger("experiment").info("running {} into {}", setup.manifest.name, folder.string());
    const RunResults results = run_experiment(setup, folder, earlier ? &*earlier : nullptr);
    std::cout << "\n" << comparison_table(results);
    const std::string frozen = frozen_embedding_table(results);
    if (!frozen.empty()) std::cout << "\nfrozen embeddings, no weight changes:\n\n" << frozen;
    std::cout << "\nreport: " << (folder / "report.md").string() << "\n";
    return 0;
}

}  // namespace selfsup
