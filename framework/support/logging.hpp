#pragma once

// The framework's logging: one named spdlog logger per subsystem ("plugins",
// "manifest", "train", ...), all writing through one shared sink: the console
// (stderr) once the CLI sets it up, and during a run the run folder's log file
// too. Without set-up (in tests) messages go nowhere. Thread-safe.

#include <filesystem>

#include <spdlog/logger.h>

namespace selfsup {

// The logger of `subsystem`, made on first use.
spdlog::logger& logger(const std::string& subsystem);

// The console level: info by default, debug with --verbose, warnings only
// with --quiet.
void init_console_logging(spdlog::level::level_enum level);

// From now on, every logger also writes to `path` (at debug level, whatever
// the console shows).
void add_log_file(const std::filesystem::path& path);

}  // namespace selfsup
