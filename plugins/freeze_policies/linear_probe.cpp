// linear_probe: the encoder stays frozen for every epoch; only the head
// trains. Measures what the pretrained features hold as they are.

#include <string>
#include <vector>

#include "selfsup/plugin/entry_point.hpp"

namespace selfsup {

namespace {

class LinearProbe final : public FreezePolicy {
public:
    explicit LinearProbe(const Params&) {}

    FreezeDecision decide(const std::vector<std::string>& block_names, int, int) const override {
        return FreezeDecision{std::vector<bool>(block_names.size(), false)};
    }
};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_freeze_policy<selfsup::LinearProbe>(
    "linear_probe", "1.0.0", "No encoder block trains: only the head learns.", "{}"))
