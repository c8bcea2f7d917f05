#pragma once

// SELFSUP_PLUGIN writes a plugin library's entry point. A plugin source file
// ends with one of:
//
//   SELFSUP_PLUGIN(selfsup::describe_pretext<MyPretext>(
//       "my_pretext", "1.0.0", "One line saying what it learns.", kSchema))
//
// It exports two C symbols: the ABI version the plugin was built against,
// which the loader reads and checks before calling anything in the library,
// and the entry function returning the descriptor. The descriptor's factory
// is wrapped so that anything a plugin throws reaches the framework as a
// selfsup error naming the plugin and its library file: selfsup errors keep
// their type, anything else becomes a PluginError.

#include <string>
#include <utility>

#include "selfsup/plugin/descriptor.hpp"

namespace selfsup {

namespace detail {

inline PluginDescriptor describe(PluginKind kind, std::string name, std::string version,
                                 std::string summary, std::string schema) {
    PluginDescriptor descriptor;
    descriptor.kind = kind;
    descriptor.name = std::move(name);
    descriptor.version = std::move(version);
    descriptor.summary = std::move(summary);
    descriptor.schema = std::move(schema);
    return descriptor;
}

}  // namespace detail

// Descriptor helpers: a factory calling `Plugin(params[, context])`.
template <typename Plugin>
PluginDescriptor describe_dataset(std::string name, std::string version, std::string summary,
                                  std::string schema) {
    PluginDescriptor descriptor =
        detail::describe(PluginKind::kDataset, std::move(name), std::move(version),
                         std::move(summary), std::move(schema));
    descriptor.make_dataset = [](const Params& params) { return std::make_unique<Plugin>(params); };
    return descriptor;
}

template <typename Plugin>
PluginDescriptor describe_encoder(std::string name, std::string version, std::string summary,
                                  std::string schema) {
    PluginDescriptor descriptor =
        detail::describe(PluginKind::kEncoder, std::move(name), std::move(version),
                         std::move(summary), std::move(schema));
    descriptor.make_encoder = [](const Params& params, const EncoderContext& context) {
        return std::make_unique<Plugin>(params, context);
    };
    return descriptor;
}

template <typename Plugin>
PluginDescriptor describe_pretext(std::string name, std::string version, std::string summary,
                                  std::string schema) {
    PluginDescriptor descriptor =
        detail::describe(PluginKind::kPretext, std::move(name), std::move(version),
                         std::move(summary), std::move(schema));
    descriptor.make_pretext = [](const Params& params, const PretextContext& context) {
        return std::make_unique<Plugin>(params, context);
    };
    return descriptor;
}

template <typename Plugin>
PluginDescriptor describe_head(std::string name, std::string version, std::string summary,
                               std::string schema) {
    PluginDescriptor descriptor =
        detail::describe(PluginKind::kHead, std::move(name), std::move(version), std::move(summary),
                         std::move(schema));
    descriptor.make_head = [](const Params& params, const HeadContext& context) {
        return std::make_unique<Plugin>(params, context);
    };
    return descriptor;
}

template <typename Plugin>
PluginDescriptor describe_freeze_policy(std::string name, std::string version, std::string summary,
                                        std::string schema) {
    PluginDescriptor descriptor =
        detail::describe(PluginKind::kFreezePolicy, std::move(name), std::move(version),
                         std::move(summary), std::move(schema));
    descriptor.make_freeze_policy = [](const Params& params) {
        return std::make_unique<Plugin>(params);
    };
    return descriptor;
}

namespace detail {

// Wraps every factory of `descriptor` so exceptions name the plugin and the
// library file that holds `address_in_library`.
SELFSUP_API PluginDescriptor guard_factories(PluginDescriptor descriptor,
                                             const void* address_in_library);

}  // namespace detail

}  // namespace selfsup

#define SELFSUP_PLUGIN_ABI_SYMBOL selfsup_plugin_abi_version
#define SELFSUP_PLUGIN_ENTRY_SYMBOL selfsup_plugin_entry

#define SELFSUP_PLUGIN(...)                                                                       \
    extern "C" SELFSUP_API const uint32_t SELFSUP_PLUGIN_ABI_SYMBOL = ::selfsup::kAbiVersion;     \
    extern "C" SELFSUP_API const ::selfsup::PluginDescriptor* SELFSUP_PLUGIN_ENTRY_SYMBOL() {     \
        static const ::selfsup::PluginDescriptor descriptor = ::selfsup::detail::guard_factories( \
            __VA_ARGS__, reinterpret_cast<const void*>(&SELFSUP_PLUGIN_ENTRY_SYMBOL));            \
        return &descriptor;                                                                       \
    }
