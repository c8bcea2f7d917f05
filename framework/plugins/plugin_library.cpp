#include "plugins/plugin_library.hpp"

#include <algorithm>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "selfsup/errors.hpp"
#include "support/logging.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup {

namespace {

#define SELFSUP_STRINGIFY_INNER(symbol) #symbol
#define SELFSUP_STRINGIFY(symbol) SELFSUP_STRINGIFY_INNER(symbol)
constexpr const char* kAbiSymbol = SELFSUP_STRINGIFY(SELFSUP_PLUGIN_ABI_SYMBOL);
constexpr const char* kEntrySymbol = SELFSUP_STRINGIFY(SELFSUP_PLUGIN_ENTRY_SYMBOL);

PluginError refused(const std::filesystem::path& path, const std::string& why) {
    return PluginError("plugin library " + path.string() + ": " + why);
}

void check_descriptor(const PluginDescriptor& descriptor, const std::filesystem::path& path) {
    if (descriptor.name.empty()) throw refused(path, "its descriptor has an empty name");
    if (descriptor.version.empty() || descriptor.summary.empty()) {
        throw refused(path, "plugin '" + descriptor.name +
                                "' has an empty version or summary in its descriptor");
    }
    const bool has_factory[] = {bool(descriptor.make_dataset), bool(descriptor.make_encoder),
                                bool(descriptor.make_pretext), bool(descriptor.make_head),
                                bool(descriptor.make_freeze_policy)};
    if (!has_factory[static_cast<int>(descriptor.kind)]) {
        throw refused(path, "plugin '" + descriptor.name + "' declares kind " +
                                kind_name(descriptor.kind) + " but has no factory for it");
    }
}

template <typename Factory>
const Factory& factory_of(const LoadedPlugin& plugin, const Factory& factory, PluginKind kind) {
    SELFSUP_CHECK(plugin.kind() == kind && factory, "plugin '", plugin.name(), "' of kind ",
                  kind_name(plugin.kind()), " used as a ", kind_name(kind));
    return factory;
}

}  // namespace

bool is_plugin_file(const std::filesystem::path& path) {
    try {
        boost::dll::library_info info(path, false);
        const std::vector<std::string> symbols = info.symbols();
        return std::find(symbols.begin(), symbols.end(), kAbiSymbol) != symbols.end();
    } catch (const std::exception&) {
        return false;
    }
}

LoadedPlugin load_plugin(const std::filesystem::path& path) {
    if (!std::filesystem::is_regular_file(path)) throw refused(path, "no such file");
    if (!is_plugin_file(path)) {
        throw refused(path, std::string("not a selfsup plugin (it exports no ") + kAbiSymbol +
                                "; plugins end with SELFSUP_PLUGIN(...))");
    }
    LoadedPlugin plugin;
    plugin.path = path;
    try {
        plugin.library = std::make_shared<boost::dll::shared_library>(path);
    } catch (const std::exception& error) {
        throw refused(path, std::string("cannot be loaded: ") + error.what());
    }

    // 1. The ABI version, read before anything in the library is called.
    const uint32_t abi = plugin.library->get<const uint32_t>(kAbiSymbol);
    if (abi != kAbiVersion) {
        throw refused(path, "built for selfsup ABI version " + std::to_string(abi) +
                                ", but this selfsup has ABI version " +
                                std::to_string(kAbiVersion) + "; rebuild it against this SDK");
    }

    // 2. The descriptor, from the entry point.
    if (!plugin.library->has(kEntrySymbol)) {
        throw refused(path, std::string("exports the ABI version but no entry point ") +
                                kEntrySymbol + "; plugins end with SELFSUP_PLUGIN(...)");
    }
    auto* entry = &plugin.library->get<const PluginDescriptor*()>(kEntrySymbol);
    try {
        plugin.descriptor = entry();
    } catch (const std::exception& error) {
        throw refused(path, std::string("its entry point threw: ") + error.what());
    }
    if (plugin.descriptor == nullptr) throw refused(path, "its entry point returned nothing");
    check_descriptor(*plugin.descriptor, path);

    // 3. The parameter schema; a malformed one names the plugin and key.
    try {
        plugin.schema = ParamSchema::parse(plugin.descriptor->schema, plugin.descriptor->name);
    } catch (const PluginError& error) {
        throw refused(path, error.what());
    }
    logger("plugins").debug("loaded plugin '{}' ({} {}) from {}", plugin.name(),
                  kind_name(plugin.kind()), plugin.descriptor->version, path.string());
    return plugin;
}

std::shared_ptr<Dataset> make_dataset(const LoadedPlugin& plugin, const boost::json::value& params,
                                      const std::string& json_path) {
    const auto& make = factory_of(plugin, plugin.descriptor->make_dataset, PluginKind::kDataset);
    return tie_to_library(make(plugin.schema.validate(params, json_path)), plugin.library);
}

std::shared_ptr<Encoder> make_encoder(const LoadedPlugin& plugin, const boost::json::value& params,
                                      const std::string& json_path,
                                      const EncoderContext& context) {
    const auto& make = factory_of(plugin, plugin.descriptor->make_encoder, PluginKind::kEncoder);
    return tie_to_library(make(plugin.schema.validate(params, json_path), context),
                          plugin.library);
}

std::shared_ptr<Pretext> make_pretext(const LoadedPlugin& plugin, const boost::json::value& params,
                                      const std::string& json_path,
                                      const PretextContext& context) {
    const auto& make = factory_of(plugin, plugin.descriptor->make_pretext, PluginKind::kPretext);
    return tie_to_library(make(plugin.schema.validate(params, json_path), context),
                          plugin.library);
}

std::shared_ptr<Head> make_head(const LoadedPlugin& plugin, const boost::json::value& params,
                                const std::string& json_path, const HeadContext& context) {
    const auto& make = factory_of(plugin, plugin.descriptor->make_head, PluginKind::kHead);
    return tie_to_library(make(plugin.schema.validate(params, json_path), context),
                          plugin.library);
}

std::shared_ptr<FreezePolicy> make_freeze_policy(const LoadedPlugin& plugin,
                                                 const boost::json::value& params,
                                                 const std::string& json_path) {
    const auto& make =
        factory_of(plugin, plugin.descriptor->make_freeze_policy, PluginKind::kFreezePolicy);
    return tie_to_library(make(plugin.schema.validate(params, json_path)), plugin.library);
}

}  // namespace selfsup
