// my_freeze_policy: a selfsup freeze policy plugin. The first n encoder
// blocks stay frozen and the rest train; optionally, from a given epoch on,
// every block trains (a late unfreeze).
//
// A policy only decides; the framework freezes (clears requires_grad and puts
// frozen blocks in evaluation mode). decide() must depend on nothing but the
// parameters and its arguments.
//
// Build: cmake -B build && cmake --build build    (makes build/selfsup-my_freeze_policy.so)
// Use:   selfsup run experiment.json
// Check: selfsup conformance build/selfsup-my_freeze_policy.so

#include <optional>
#include <string>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace my_freeze_policy {

using namespace selfsup;

// The parameters a manifest may give under "params", with their defaults.
// "default": null makes a parameter optional with no value (Params::has).
constexpr const char* kSchema = R"json({
    "n": {"type": "integer", "default": 1, "min": 0,
          "description": "how many blocks, counted from the input end, stay frozen"},
    "unfreeze_epoch": {"type": "integer", "default": null, "min": 0,
                       "description": "from this epoch (counted from 0) on every block trains"}
})json";

// The base class is qualified so that a plugin named after its kind still compiles.
class MyFreezePolicy final : public selfsup::FreezePolicy {
public:
    explicit MyFreezePolicy(const Params& params)
        : n_(params.get_int("n")), n_path_(params.path_of("n")) {
        if (params.has("unfreeze_epoch")) unfreeze_epoch_ = params.get_int("unfreeze_epoch");
    }

    // One entry per block, in block order: true when the block trains.
    FreezeDecision decide(const std::vector<std::string>& block_names, int epoch,
                          int) const override {
        const auto count = static_cast<int64_t>(block_names.size());
        if (n_ > count) {
            std::string names;
            for (const std::string& name : block_names) names += (names.empty() ? "" : ", ") + name;
            throw ManifestError(n_path_ + ": n = " + std::to_string(n_) +
                                ", but the encoder has only " + std::to_string(count) +
                                " blocks (" + names + "); use at most " + std::to_string(count));
        }
        FreezeDecision decision{std::vector<bool>(block_names.size(), true)};
        if (unfreeze_epoch_ && epoch >= *unfreeze_epoch_) return decision;
        for (int64_t i = 0; i < n_; ++i) decision.block_trains[static_cast<size_t>(i)] = false;
        return decision;
    }

private:
    int64_t n_;
    // Where n sits in the manifest, for the error above.
    std::string n_path_;
    std::optional<int64_t> unfreeze_epoch_;
};

}  // namespace my_freeze_policy

// The entry point: the ABI version and a descriptor (kind, name, version,
// one-line summary, parameter schema, factory).
SELFSUP_PLUGIN(selfsup::describe_freeze_policy<my_freeze_policy::MyFreezePolicy>(
    "my_freeze_policy", "0.1.0", "The first n encoder blocks stay frozen, perhaps until an epoch.",
    my_freeze_policy::kSchema))
