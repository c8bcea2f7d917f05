// A library that exports the ABI version but no entry point: half a plugin.

#include "selfsup/plugin/descriptor.hpp"

extern "C" SELFSUP_API const uint32_t selfsup_plugin_abi_version = selfsup::kAbiVersion;
