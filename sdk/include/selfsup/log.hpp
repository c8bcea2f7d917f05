#pragma once

// Messages from plugins and the SDK to the user. Plugins cannot see the
// framework's loggers, so they call log_message(); the framework installs a
// sink that forwards to its own logging (and so to the console and the run's
// log file). Until a sink is installed, info and warnings go to stderr and
// debug messages are dropped. Thread-safe.

#include <functional>
#include <string>

#include "selfsup/api.hpp"

namespace selfsup {

enum class LogLevel { kDebug, kInfo, kWarning };

// `source` names who speaks, e.g. the plugin's name.
SELFSUP_API void log_message(LogLevel level, const std::string& source, const std::string& text);

using LogSink = std::function<void(LogLevel, const std::string& source, const std::string& text)>;
// Replaces the sink; an empty function restores the default.
SELFSUP_API void set_log_sink(LogSink sink);

}  // namespace selfsup
