#pragma once

// Saving a module's parameters and buffers to a file and loading them back.
//
// The file holds a magic tag, a format version, and each named tensor with
// its shape. load_module() checks everything before changing the module: on
// any error (missing file, wrong magic or version, truncation, a name the
// module lacks or lacks in the file, a shape that differs) it throws
// DataError naming the file and the problem, and the module is unchanged.

#include <string>

#include "selfsup/api.hpp"
#include "selfsup/module.hpp"

namespace selfsup {

inline constexpr uint32_t kModuleFileVersion = 1;

SELFSUP_API void save_module(const Module& module, const std::string& path);
SELFSUP_API void load_module(Module& module, const std::string& path);

}  // namespace selfsup
