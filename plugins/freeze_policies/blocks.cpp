// blocks: the encoder blocks named in "train" train in every epoch, all
// others stay frozen. The names are checked against the encoder's blocks when
// the policy is first asked: only then does it learn what the blocks are.

#include <algorithm>
#include <boost/json/array.hpp>
#include <memory>
#include <string>

#include "block_list.hpp"
#include "selfsup/did_you_mean.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup {

namespace {

constexpr const char* kSchema = R"({
    "train": {"type": "array", "items": {"type": "string"}, "min_items": 1,
              "description": "names of the encoder blocks that train, e.g. conv3, embedding"}
})";

class NamedBlocks final : public FreezePolicy {
public:
    explicit NamedBlocks(const Params& params) : train_path_(params.path_of("train")) {
        for (const boost::json::value& name : params.get_array("train")) {
            train_.emplace_back(name.get_string());
        }
    }

    FreezeDecision decide(const std::vector<std::string>& block_names, int, int) const override {
        FreezeDecision decision{std::vector<bool>(block_names.size(), false)};
        for (size_t i = 0; i < train_.size(); ++i) {
            const auto found = std::find(block_names.begin(), block_names.end(), train_[i]);
            if (found == block_names.end()) throw unknown_block(i, block_names);
            decision.block_trains[found - block_names.begin()] = true;
        }
        return decision;
    }

private:
    ManifestError unknown_block(size_t index, const std::vector<std::string>& block_names) const {
        std::string message = detail::concat(train_path_, "[", index, "]: '", train_[index],
                                             "' is not a block of the encoder");
        const std::string suggestion = closest_match(train_[index], block_names);
        if (!suggestion.empty()) message += detail::concat("; did you mean '", suggestion, "'?");
        message += " (its blocks are " + freeze_policies::join_block_names(block_names) + ")";
        return ManifestError(message);
    }

    std::vector<std::string> train_;
    std::string train_path_;
};

}  // namespace

}  // namespace selfsup

SELFSUP_PLUGIN(selfsup::describe_freeze_policy<selfsup::NamedBlocks>(
    "blocks", "1.0.0", "The encoder blocks named in \"train\" train; the others stay frozen.",
    selfsup::kSchema))
