#include "selfsup/plugin/descriptor.hpp"

#include <array>
#include <utility>

namespace selfsup {

namespace {

constexpr std::array<std::pair<PluginKind, const char*>, 5> kKindNames{{
    {PluginKind::kDataset, "dataset"},
    {PluginKind::kEncoder, "encoder"},
    {PluginKind::kPretext, "pretext"},
    {PluginKind::kHead, "head"},
    {PluginKind::kFreezePolicy, "freeze_policy"},
}};

}  // namespace

const char* kind_name(PluginKind kind) {
    for (const auto& [known, name] : kKindNames) {
        if (known == kind) return name;
    }
    return "unknown";
}

std::optional<PluginKind> parse_kind(const std::string& name) {
    for (const auto& [kind, known] : kKindNames) {
        if (name == known) return kind;
    }
    return std::nullopt;
}

}  // namespace selfsup
