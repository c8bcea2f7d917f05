#include "selfsup/label_guard.hpp"

#include <atomic>

#include "selfsup/errors.hpp"

namespace selfsup {

namespace {

std::atomic<int64_t> live_guards{0};
std::atomic<int64_t> refused{0};

}  // namespace

LabelGuard::LabelGuard() {
    live_guards.fetch_add(1);
}

LabelGuard::~LabelGuard() {
    live_guards.fetch_sub(1);
}

bool LabelGuard::armed() {
    return live_guards.load() > 0;
}

int64_t LabelGuard::refused_reads() {
    return refused.load();
}

namespace detail {

void check_labels_allowed(const std::string& what) {
    if (!LabelGuard::armed()) return;
    refused.fetch_add(1);
    throw DataError(concat("labels were read while a pretext was running (", what,
                           "); pretexts must not use labels: they learn from images alone"));
}

}  // namespace detail

}  // namespace selfsup
