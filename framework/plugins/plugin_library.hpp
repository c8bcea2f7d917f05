#pragma once

// Loading one plugin library and making objects from it.
//
// load_plugin() opens a shared library the way every run does: it first
// checks, from the file's symbol table and without running any of its code,
// that the file is a selfsup plugin; then it loads it, reads the ABI version
// the plugin was built against and refuses a mismatch before calling
// anything in it; only then does it call the entry point for the descriptor,
// and it checks the descriptor (name, version, summary, schema).
//
// Lifetime: every object made through make() holds a reference to its
// library, so the library stays loaded for as long as any object from it
// lives, whatever order the caller drops things in.

#include <filesystem>
#include <memory>
#include <string>

#include <boost/json/value.hpp>

#include "selfsup/params.hpp"
#include "selfsup/plugin/descriptor.hpp"

namespace boost::dll {
class shared_library;
}

namespace selfsup {

struct LoadedPlugin {
    std::filesystem::path path;
    std::shared_ptr<boost::dll::shared_library> library;
    const PluginDescriptor* descriptor = nullptr;
    ParamSchema schema;

    const std::string& name() const { return descriptor->name; }
    PluginKind kind() const { return descriptor->kind; }
};

// True when the file exports the selfsup ABI version symbol, the mark of a
// plugin (load_plugin then checks the rest). Reads the symbol table only;
// never loads the file.
bool is_plugin_file(const std::filesystem::path& path);

// Throws PluginError naming the file: it cannot be loaded, is not a selfsup
// plugin, was built for another ABI version (naming both), its entry point
// throws, or its descriptor is invalid.
LoadedPlugin load_plugin(const std::filesystem::path& path);

// `object` owned together with a reference to the library that made it: the
// library is released only after the object is destroyed.
template <typename T>
std::shared_ptr<T> tie_to_library(std::unique_ptr<T> object,
                                  std::shared_ptr<boost::dll::shared_library> library) {
    return std::shared_ptr<T>(object.release(), [library](T* raw) { delete raw; });
}

// Validates `params` against the plugin's schema (errors name `json_path`)
// and constructs the plugin. The kind must match the factory used.
std::shared_ptr<Dataset> make_dataset(const LoadedPlugin& plugin, const boost::json::value& params,
                                      const std::string& json_path);
std::shared_ptr<Encoder> make_encoder(const LoadedPlugin& plugin, const boost::json::value& params,
                                      const std::string& json_path,
                                      const EncoderContext& context);
std::shared_ptr<Pretext> make_pretext(const LoadedPlugin& plugin, const boost::json::value& params,
                                      const std::string& json_path,
                                      const PretextContext& context);
std::shared_ptr<Head> make_head(const LoadedPlugin& plugin, const boost::json::value& params,
                                const std::string& json_path, const HeadContext& context);
std::shared_ptr<FreezePolicy> make_freeze_policy(const LoadedPlugin& plugin,
                                                 const boost::json::value& params,
                                                 const std::string& json_path);

}  // namespace selfsup
