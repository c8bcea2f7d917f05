// last_k: the last k encoder blocks train in every epoch, the earlier ones
// stay frozen. k = 1 on the reference encoder is the "partial" protocol: its
// embedding layer and the head train, the convolutions do not.

#include <memory>
#include <string>

#include "block_list.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup {

namespace {

constexpr const char* kSchema = R"({
    "k": {"type": "integer", "min": 0, "default": 1,
          "description": "how many blocks, counted from the embedding end, train"}
})";

class LastK final : public FreezePolicy {
public:
    explicit LastK(const Params& params) : k_(params.get_int("k")), k_path_(params.path_of("k")) {}

    FreezeDecision decide(const std::vector<std::string>& block_names, int, int) const override {
        const auto count = static_cast<int64_t>(block_names.size());
        if (k_ > count) {
            throw ManifestError(detail::concat(
                k_path_, ": k = ", k_, ", but the encoder has only ", count, " blocks (",
                freeze_policies::join_block_names(block_names), "); use at most ", count,
                ", or the finetune policy to train them all"));
        }
        FreezeDecision decision{std::vector<bool>(block_names.size(), false)};
        for (int64_t i = count - k_; i < count; ++i) decision.block_trains[i] = true;
        return decision;
    }

private:
    int64_t k_;
    std::string k_path_;
};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_freeze_policy<selfsup::LastK>(
    "last_k", "1.0.0", "The last k encoder blocks train; the earlier ones stay frozen.",
    selfsup::kSchema))
