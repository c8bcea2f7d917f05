#pragma once

// PluginDescriptor: what a plugin library tells the framework about the one
// plugin it holds: its kind, name, version, a one-line summary, the schema of
// its parameters, and a factory.
//
// The descriptor is built by the plugin and lives as long as its library is
// loaded. Objects its factory makes are owned by the caller, who must destroy
// them while the library is still loaded (the framework's loader guarantees
// it by tying the library's lifetime to every object).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "selfsup/params.hpp"
#include "selfsup/plugin/dataset.hpp"
#include "selfsup/plugin/encoder.hpp"
#include "selfsup/plugin/freeze_policy.hpp"
#include "selfsup/plugin/head.hpp"
#include "selfsup/plugin/pretext.hpp"

namespace selfsup {

// Bumped whenever a change to the SDK's headers could break a plugin built
// against an older one (a changed class layout, virtual function, or
// signature). The loader refuses a plugin built for another version.
inline constexpr uint32_t kAbiVersion = 1;

enum class PluginKind { kDataset, kEncoder, kPretext, kHead, kFreezePolicy };

// "dataset", "encoder", "pretext", "head", "freeze_policy"
SELFSUP_API const char* kind_name(PluginKind kind);
SELFSUP_API std::optional<PluginKind> parse_kind(const std::string& name);

struct PluginDescriptor {
    PluginKind kind = PluginKind::kPretext;
    std::string name;
    std::string version;
    std::string summary;
    // JSON text of the parameter schema (see params.hpp).
    std::string schema;
    // The factory for `kind`; the others stay empty.
    std::function<std::unique_ptr<Dataset>(const Params&)> make_dataset;
    std::function<std::unique_ptr<Encoder>(const Params&, const EncoderContext&)> make_encoder;
    std::function<std::unique_ptr<Pretext>(const Params&, const PretextContext&)> make_pretext;
    std::function<std::unique_ptr<Head>(const Params&, const HeadContext&)> make_head;
    std::function<std::unique_ptr<FreezePolicy>(const Params&)> make_freeze_policy;
};

}  // namespace selfsup
