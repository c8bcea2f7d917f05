// gradual: unfreezes the encoder from the embedding end as training goes on.
// `initial` blocks train from epoch 0, and every `every` epochs one more block
// joins them, until all train. With 3 blocks, initial 1 and every 2, epochs
// 0-1 train the last block, epochs 2-3 the last two, and epoch 4 on all three.

#include <algorithm>
#include <memory>
#include <string>

#include "block_list.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup {

namespace {

constexpr const char* kSchema = R"({
    "every": {"type": "integer", "min": 1, "default": 1,
              "description": "epochs between unfreezing one more block"},
    "initial": {"type": "integer", "min": 0, "default": 1,
                "description": "blocks, counted from the embedding end, that train from epoch 0"}
})";

class Gradual final : public FreezePolicy {
public:
    explicit Gradual(const Params& params)
        : every_(params.get_int("every")),
          initial_(params.get_int("initial")),
          initial_path_(params.path_of("initial")) {}

    FreezeDecision decide(const std::vector<std::string>& block_names, int epoch,
                          int total_epochs) const override {
        SELFSUP_CHECK(epoch >= 0 && epoch < total_epochs, "epoch ", epoch, " of ", total_epochs);
        const auto count = static_cast<int64_t>(block_names.size());
        if (initial_ > count) {
            throw ManifestError(detail::concat(initial_path_, ": initial = ", initial_,
                                               ", but the encoder has only ", count, " blocks (",
                                               freeze_policies::join_block_names(block_names),
                                               "); use at most ", count));
        }
        const int64_t training = std::min(count, initial_ + epoch / every_);
        FreezeDecision decision{std::vector<bool>(block_names.size(), false)};
        for (int64_t i = count - training; i < count; ++i) decision.block_trains[i] = true;
        return decision;
    }

private:
    int64_t every_;
    int64_t initial_;
    std::string initial_path_;
};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_freeze_policy<selfsup::Gradual>(
    "gradual", "1.0.0",
    "Unfreezes one more encoder block, from the embedding end, every few "
    "epochs.",
    selfsup::kSchema))
