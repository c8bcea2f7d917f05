// A plugin built for the next ABI version. The two exported symbols are
// written by hand, as SELFSUP_PLUGIN would write them with another kAbiVersion.
// The entry point throws, so a loader that called it despite the mismatch
// would report that instead of the versions, and the test would notice.

#include <stdexcept>

#include "plain_head.hpp"
#include "selfsup/plugin/entry_point.hpp"

extern "C" SELFSUP_API const uint32_t selfsup_plugin_abi_version = selfsup::kAbiVersion + 1;

extern "C" SELFSUP_API const selfsup::PluginDescriptor* selfsup_plugin_entry() {
    throw std::logic_error("the entry point of a plugin with another ABI version was called");
}
