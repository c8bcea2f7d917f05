// A freeze policy with hidden mutable state: for its first total_epochs
// calls it lets every block train, afterwards it answers that only the last
// block trains. Downstream would train with the first answers and report the
// later ones, so blocks it reports frozen would have changed. The conformance
// kit must catch it.

#include <string>
#include <vector>

#include "selfsup/plugin/entry_point.hpp"

namespace {

class LeakyPolicy : public selfsup::FreezePolicy {
public:
    explicit LeakyPolicy(const selfsup::Params&) {}

    selfsup::FreezeDecision decide(const std::vector<std::string>& block_names, int,
                                   int total_epochs) const override {
        const bool early = calls_++ < total_epochs;
        selfsup::FreezeDecision decision{std::vector<bool>(block_names.size(), early)};
        if (!block_names.empty()) decision.block_trains.back() = true;
        return decision;
    }

private:
    mutable int calls_ = 0;
};

}  // namespace

SELFSUP_PLUGIN(selfsup::describe_freeze_policy<LeakyPolicy>(
    "leaky_policy", "1.0.0", "Claims blocks are frozen after letting them train.", "{}"))
