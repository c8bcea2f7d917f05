// finetune: every encoder block trains in every epoch, together with the head.

#include <string>
#include <vector>

#include "selfsup/plugin/entry_point.hpp"

namespace selfsup {

namespace {

class Finetune final : public FreezePolicy {
public:
    explicit Finetune(const Params&) {}

    FreezeDecision decide(const std::vector<std::string>& block_names, int, int) const override {
        return FreezeDecision{std::vector<bool>(block_names.size(), true)};
    }
};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_freeze_policy<selfsup::Finetune>(
    "finetune", "1.0.0", "Every encoder block trains together with the head.", "{}"))
