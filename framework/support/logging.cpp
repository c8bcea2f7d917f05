#include "support/logging.hpp"

#include "selfsup/log.hpp"

#include <mutex>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace selfsup {

namespace {

// Every logger writes through this one sink, so adding the run's file later
// reaches loggers made before it.
std::shared_ptr<spdlog::sinks::dist_sink_mt> shared_sink() {
    static auto sink = std::make_shared<spdlog::sinks::dist_sink_mt>();
    return sink;
}

}  // namespace

spdlog::logger& logger(const std::string& subsystem) {
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    std::shared_ptr<spdlog::logger> named = spdlog::get(subsystem);
    if (!named) {
        named = std::make_shared<spdlog::logger>(subsystem, shared_sink());
        named->set_level(spdlog::level::debug);
        // A run's log must survive a crash or a kill: lines reach the file at once.
        named->flush_on(spdlog::level::info);
        spdlog::register_logger(named);
    }
    return *named;
}

void init_console_logging(spdlog::level::level_enum level) {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_level(level);
    console->set_pattern("%^%-4!l%$ %n: %v");
    shared_sink()->add_sink(console);
    // Plugins speak through the SDK's log; each source gets its own logger.
    set_log_sink([](LogLevel level, const std::string& source, const std::string& text) {
        spdlog::logger& named = logger(source);
        if (level == LogLevel::kDebug) named.debug(text);
        if (level == LogLevel::kInfo) named.info(text);
        if (level == LogLevel::kWarning) named.warn(text);
    });
}

void add_log_file(const std::filesystem::path& path) {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string(), true);
    file->set_level(spdlog::level::debug);
    file->set_pattern("%Y-%m-%d %H:%M:%S.%e %l [%n] %v");
    shared_sink()->add_sink(file);
}

}  // namespace selfsup
