// The freeze policy contract, checked through the framework's own mechanism
// (apply_freeze, as downstream training uses it) on the kit's encoder: one
// entry per block, the same answer for the same question, and blocks the
// policy reports frozen neither trained nor moved their batch-norm statistics.

#include <fmt/format.h>

#include "conformance/checks.hpp"
#include "conformance/kit_encoder.hpp"
#include "experiment/freeze.hpp"
#include "experiment/module_state.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/losses.hpp"
#include "selfsup/optim.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::conformance {

namespace {

constexpr int kEpochs = 4;
constexpr int kStepsPerEpoch = 3;
constexpr int64_t kBatch = 8;

std::shared_ptr<FreezePolicy> make(const LoadedPlugin& plugin, const boost::json::value& params) {
    return make_freeze_policy(plugin, params, kParamsPath);
}

// "conv1 frozen, conv2 trains, embedding trains"
std::string decision_text(const FreezeDecision& decision, const std::vector<std::string>& names) {
    std::string text;
    for (size_t i = 0; i < decision.block_trains.size(); ++i) {
        text += fmt::format("{}{} {}", text.empty() ? "" : ", ",
                            i < names.size() ? names[i] : "block " + std::to_string(i),
                            decision.block_trains[i] ? "trains" : "frozen");
    }
    return "[" + text + "]";
}

std::vector<FreezeDecision> ask_every_epoch(const FreezePolicy& policy,
                                            const std::vector<std::string>& names) {
    std::vector<FreezeDecision> decisions;
    for (int epoch = 0; epoch < kEpochs; ++epoch) {
        decisions.push_back(policy.decide(names, epoch, kEpochs));
    }
    return decisions;
}

// What happened to each block in each epoch of a short downstream run.
struct FreezeRun {
    // [epoch][block]: fingerprints of the block's parameters and of its
    // buffers, before and after the epoch.
    std::vector<std::vector<uint64_t>> params_before, params_after, buffers_before, buffers_after;
    // What the policy reports afterwards about each epoch.
    std::vector<FreezeDecision> reported;
    std::string error;
};

// Trains the kit encoder and a linear head for a few epochs of a few steps,
// asking the policy per epoch and applying its answer as downstream does.
FreezeRun train_under(const FreezePolicy& policy, uint64_t seed) {
    FreezeRun run;
    try {
        KitEncoder encoder(seed);
        Rng rng(seed + 1);
        Linear head(KitEncoder::kEmbeddingWidth, 10, rng);
        std::vector<Tensor> params = encoder.parameters();
        for (const Tensor& param : head.parameters()) params.push_back(param);
        Adam optimizer({ParamGroup{params, 1e-2f, 0.0f}});
        const std::vector<std::string> names = block_names(encoder);
        const std::vector<EncoderBlock> blocks = encoder.blocks();
        const auto fingerprints = [&](bool buffers) {
            std::vector<uint64_t> prints;
            for (const EncoderBlock& block : blocks) {
                std::vector<Tensor> state;
                if (buffers) {
                    for (const NamedTensor& buffer : block.module->named_buffers()) {
                        state.push_back(buffer.tensor);
                    }
                } else {
                    state = block.module->parameters();
                }
                prints.push_back(fingerprint(state));
            }
            return prints;
        };
        for (int epoch = 0; epoch < kEpochs; ++epoch) {
            apply_freeze(policy.decide(names, epoch, kEpochs), encoder);
            head.train();
            run.params_before.push_back(fingerprints(false));
            run.buffers_before.push_back(fingerprints(true));
            for (int step = 0; step < kStepsPerEpoch; ++step) {
                const uint64_t batch_seed = seed + 100 + epoch * kStepsPerEpoch + step;
                optimizer.zero_grad();
                Tensor loss = ops::softmax_cross_entropy(
                    head.forward(encoder.forward(kit_images(kBatch, batch_seed))),
                    kit_labels(kBatch, batch_seed));
                loss.backward();
                optimizer.step();
            }
            run.params_after.push_back(fingerprints(false));
            run.buffers_after.push_back(fingerprints(true));
        }
        run.reported = ask_every_epoch(policy, names);
    } catch (const std::exception& error) {
        run.error = error_kind(error) + ": " + error.what();
    }
    return run;
}

// Fails naming the first block the policy reported frozen whose `before`
// and `after` fingerprints differ.
void require_frozen_unchanged(const FreezeRun& run, const std::vector<std::string>& names,
                              const std::vector<std::vector<uint64_t>>& before,
                              const std::vector<std::vector<uint64_t>>& after, const char* what) {
    require(run.error.empty(), run.error);
    for (int epoch = 0; epoch < kEpochs; ++epoch) {
        const FreezeDecision& reported = run.reported[epoch];
        require(reported.block_trains.size() == names.size(),
                fmt::format("the decision for epoch {} has {} entries for {} blocks", epoch,
                            reported.block_trains.size(), names.size()));
        for (size_t block = 0; block < names.size(); ++block) {
            if (reported.block_trains[block]) continue;
            require(before[epoch][block] == after[epoch][block],
                    fmt::format("block {}, which the policy reports frozen in epoch {} of {}, "
                                "changed its {} during that epoch; the decision used for "
                                "training differs from the one reported",
                                names[block], epoch, kEpochs, what));
        }
    }
}

}  // namespace

void check_freeze_policy(CheckList& checks, KitPlugin& kit) {
    std::shared_ptr<FreezePolicy> policy;
    checks.run(kit.params.is_null() ? "constructs from the defaults" : "constructs from --params",
               true, [&] {
                   policy = make(kit.plugin, kit.params);
                   return "";
               });
    check_parameter_rejection(checks, kit,
                              [&](const boost::json::value& params) { make(kit.plugin, params); });
    if (!policy) checks.block("the policy could not be constructed");

    const std::vector<std::string> names = block_names(KitEncoder(kit.seed));
    std::vector<FreezeDecision> first_answers;
    checks.run("a decision has one entry per block", true, [&] {
        first_answers = ask_every_epoch(*policy, names);
        std::string detail;
        for (int epoch = 0; epoch < kEpochs; ++epoch) {
            const FreezeDecision& decision = first_answers[epoch];
            require(decision.block_trains.size() == names.size(),
                    fmt::format("decide() for epoch {} gave {} entries, but the encoder has {} "
                                "blocks",
                                epoch, decision.block_trains.size(), names.size()));
            detail += fmt::format("{}epoch {}: {}", detail.empty() ? "" : "; ", epoch,
                                  decision_text(decision, names));
        }
        return "on blocks conv1, conv2, embedding: " + detail;
    });

    checks.run("decide() gives the same answer to the same question", true, [&] {
        require(!first_answers.empty(), "decide() could not be asked (see the check above)");
        // Asked again, backwards: a policy's answer may depend on its
        // parameters and arguments only.
        for (int epoch = kEpochs - 1; epoch >= 0; --epoch) {
            const FreezeDecision again = policy->decide(names, epoch, kEpochs);
            require(again.block_trains == first_answers[epoch].block_trains,
                    fmt::format("decide(epoch {} of {}) first answered {}, then {}; the policy "
                                "keeps hidden state between calls",
                                epoch, kEpochs, decision_text(first_answers[epoch], names),
                                decision_text(again, names)));
        }
        return "";
    });

    FreezeRun run;
    if (policy) run = train_under(*make(kit.plugin, kit.params), kit.seed);
    checks.run("blocks reported frozen get no update", true, [&] {
        require_frozen_unchanged(run, names, run.params_before, run.params_after, "parameters");
        return fmt::format("{} epochs of {} Adam steps through the framework's apply_freeze",
                           kEpochs, kStepsPerEpoch);
    });
    checks.run("batch-norm statistics of frozen blocks stay fixed", true, [&] {
        require_frozen_unchanged(run, names, run.buffers_before, run.buffers_after,
                                 "batch-norm statistics");
        return "";
    });

    checks.run("two instances share no state", true, [&] {
        const std::shared_ptr<FreezePolicy> first = make(kit.plugin, kit.params);
        const std::shared_ptr<FreezePolicy> second = make(kit.plugin, kit.params);
        const std::vector<FreezeDecision> from_first = ask_every_epoch(*first, names);
        const std::vector<FreezeDecision> from_second = ask_every_epoch(*second, names);
        for (int epoch = 0; epoch < kEpochs; ++epoch) {
            require(from_first[epoch].block_trains == from_second[epoch].block_trains,
                    fmt::format("two instances asked the same questions in turn answer "
                                "epoch {} with {} and {}; they share state",
                                epoch, decision_text(from_first[epoch], names),
                                decision_text(from_second[epoch], names)));
        }
        return "";
    });

    policy.reset();
    check_destruction(checks, kit, [&](const LoadedPlugin& plugin) -> std::function<void()> {
        std::shared_ptr<FreezePolicy> made = make(plugin, kit.params);
        return [made, names] { made->decide(names, 0, kEpochs); };
    });
}

}  // namespace selfsup::conformance
