#include "support/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "support/logging.hpp"

namespace selfsup {

namespace {

bool progress_enabled = true;

constexpr auto kTerminalInterval = std::chrono::milliseconds(200);
constexpr auto kLogInterval = std::chrono::seconds(15);

std::string duration_text(double seconds) {
    const auto total = static_cast<int64_t>(seconds + 0.5);
    if (total >= 3600) return fmt::format("{}h{:02}m", total / 3600, total % 3600 / 60);
    return fmt::format("{}m{:02}s", total / 60, total % 60);
}

}  // namespace

void Progress::set_enabled(bool enabled) { progress_enabled = enabled; }

Progress::Progress(std::string stage, int64_t total_steps)
    : stage_(std::move(stage)),
      total_steps_(total_steps),
      start_(Clock::now()),
      last_shown_(start_),
      on_terminal_(isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { clear(); }

void Progress::clear() {
    if (!drew_line_) return;
    std::fputs("\r\033[K", stderr);
    drew_line_ = false;
}

void Progress::update(int64_t step, int epoch, int epochs, float loss) {
    if (!progress_enabled) return;
    const Clock::time_point now = Clock::now();
    const bool last = step == total_steps_;
    if (!last && now - last_shown_ < (on_terminal_ ? kTerminalInterval : kLogInterval)) return;
    last_shown_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double left = elapsed / static_cast<double>(step) * static_cast<double>(total_steps_ - step);
    const std::string text =
        fmt::format("{}: epoch {}/{}, step {}/{}, loss {:.4f}, {} left", stage_, epoch, epochs,
                    step, total_steps_, loss, duration_text(left));
    if (on_terminal_) {
        std::fprintf(stderr, "\r\033[K%s", text.c_str());
        std::fflush(stderr);
        drew_line_ = true;
    } else if (!last) {
        logger("progress").info(text);
    }
}

}  // namespace selfsup
