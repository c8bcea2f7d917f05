#pragma once

// Progress of long work (an epoch loop). On a terminal it is one line on
// stderr rewritten in place: stage, epoch, step, loss and the time left. When
// stderr is not a terminal (a log, CI) it is a plain line every few seconds
// through the "progress" logger instead, so logs are not flooded. Not
// thread-safe: one per loop.

#include <chrono>
#include <cstdint>
#include <string>

namespace selfsup {

class Progress {
public:
    Progress(std::string stage, int64_t total_steps);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // After `step` (from 1) of the total, in `epoch` (from 1) of `epochs`.
    void update(int64_t step, int epoch, int epochs, float loss);

    // Removes the line from the terminal, before something else is printed;
    // the next update() draws it again.
    void clear();

    // Whether anything is shown at all (off with --quiet).
    static void set_enabled(bool enabled);

private:
    using Clock = std::chrono::steady_clock;

    std::string stage_;
    int64_t total_steps_;
    Clock::time_point start_;
    Clock::time_point last_shown_;
    bool on_terminal_;
    bool drew_line_ = false;
};

}  // namespace selfsup
