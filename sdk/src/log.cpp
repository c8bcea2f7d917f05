#include "selfsup/log.hpp"

#include <iostream>
#include <mutex>

namespace selfsup {

namespace {

std::mutex sink_mutex;
LogSink installed_sink;

}  // namespace

void log_message(LogLevel level, const std::string& source, const std::string& text) {
    std::lock_guard<std::mutex> lock(sink_mutex);
    if (installed_sink) {
        installed_sink(level, source, text);
    } else if (level != LogLevel::kDebug) {
        std::cerr << (level == LogLevel::kWarning ? "warning: " : "") << source << ": " << text
                  << "\n";
    }
}

void set_log_sink(LogSink sink) {
    std::lock_guard<std::mutex> lock(sink_mutex);
    installed_sink = std::move(sink);
}

}  // namespace selfsup
