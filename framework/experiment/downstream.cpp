#include "experiment/downstream.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "experiment/batch_stream.hpp"
#include "experiment/freeze.hpp"
#include "experiment/labeled_subset.hpp"
#include "experiment/module_state.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/losses.hpp"
#include "support/logging.hpp"
#include "support/progress.hpp"

namespace selfsup {

namespace {

constexpr int64_t kEvaluationBatch = 256;

// Which blocks train in each epoch.
std::vector<FreezeDecision> decisions_for(const ExperimentSetup& setup, const DownstreamRun& run,
                                          const Encoder& encoder, int epochs) {
    const std::vector<std::string> names = block_names(encoder);
    std::vector<FreezeDecision> decisions;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        decisions.push_back(run.policy ? setup.freeze_policies[*run.policy]->decide(names, epoch,
                                                                                    epochs)
                                       : FreezeDecision{std::vector<bool>(names.size(), true)});
    }
    return decisions;
}

double accuracy(const ExperimentSetup& setup, Encoder& encoder, Head& head,
                const std::vector<int32_t>& test_labels) {
    NoGradGuard no_grad;
    encoder.eval();
    head.eval();
    std::vector<int64_t> all(test_labels.size());
    std::iota(all.begin(), all.end(), 0);
    BatchStream batches(*setup.dataset, Split::kTest, all, kEvaluationBatch, false, 0);
    int64_t correct = 0;
    while (std::optional<Batch> batch = batches.next()) {
        const Tensor logits = head.forward(encoder.forward(batch->images));
        const int64_t classes = logits.dim(1);
        for (size_t row = 0; row < batch->indices.size(); ++row) {
            const float* scores = logits.data() + static_cast<int64_t>(row) * classes;
            const auto predicted = std::max_element(scores, scores + classes) - scores;
            correct += predicted == test_labels[batch->indices[row]];
        }
    }
    return static_cast<double>(correct) / static_cast<double>(test_labels.size());
}

}  // namespace

DownstreamResult train_downstream(const ExperimentSetup& setup, const DownstreamRun& run,
                                  const std::vector<int32_t>& train_labels,
                                  const std::vector<int32_t>& test_labels) {
    const auto start = std::chrono::steady_clock::now();
    const EvaluationSpec& evaluation = setup.manifest.evaluation;
    const BudgetSchedule schedule = evaluation.schedule_for(run.budget);
    DownstreamResult result;
    result.method = run.method;
    result.baseline = run.baseline;
    result.control = run.control;
    result.policy = run.policy ? evaluation.freeze_policies[*run.policy].label : "all trained";
    result.budget = run.budget;
    result.seed = run.seed;

    // 1. The model: the encoder (a copy of the pretrained one, or fresh) and a new head.
    const std::shared_ptr<Encoder> encoder = setup.make_encoder(*run.encoder, run.seed);
    if (run.pretrained) copy_state(*run.pretrained, *encoder);
    const std::shared_ptr<Head> head = setup.make_head(encoder->embedding_width(), run.seed);
    result.encoder_parameters = encoder->parameter_count();
    result.head_parameters = head->parameter_count();

    // 2. The freeze audit's "before": blocks frozen in every epoch.
    const std::vector<FreezeDecision> decisions =
        decisions_for(setup, run, *encoder, schedule.epochs);
    const std::vector<EncoderBlock> blocks = encoder->blocks();
    for (size_t i = 0; i < blocks.size(); ++i) {
        bool always_frozen = true;
        for (const FreezeDecision& decision : decisions) {
            always_frozen = always_frozen && !decision.block_trains[i];
        }
        if (always_frozen) result.frozen_blocks.push_back(blocks[i].name);
    }
    result.frozen_before = fingerprint(block_state(blocks, result.frozen_blocks));

    // 3. Training on the labeled subset; frozen parameters get no gradient and
    //    the optimizer skips them.
    std::vector<Tensor> params = encoder->parameters();
    for (const Tensor& param : head->parameters()) params.push_back(param);
    const std::unique_ptr<Optimizer> optimizer = make_optimizer(evaluation.optimizer, params);
    const int64_t steps_per_epoch =
        (static_cast<int64_t>(run.labeled->size()) + schedule.batch_size - 1) / schedule.batch_size;
    Progress progress(fmt::format("{} / {} / {} labels / seed {}", run.method, result.policy,
                                  run.budget.str(), run.seed),
                      steps_per_epoch * schedule.epochs);
    int64_t step = 0;
    for (int epoch = 0; epoch < schedule.epochs; ++epoch) {
        apply_freeze(decisions[epoch], *encoder);
        head->train();
        BatchStream batches(*setup.dataset, Split::kTrain, *run.labeled, schedule.batch_size, true,
                            run.seed * 7919ULL + static_cast<uint64_t>(epoch));
        double loss_sum = 0.0;
        while (std::optional<Batch> batch = batches.next()) {
            ++step;
            optimizer->zero_grad();
            Tensor loss = ops::softmax_cross_entropy(head->forward(encoder->forward(batch->images)),
                                                     labels_at(batch->indices, train_labels));
            const float value = loss.item();
            if (!std::isfinite(value)) {
                throw NumericalError(fmt::format(
                    "downstream {} / {} at {} labels (seed {}): the loss became {} at epoch {}; "
                    "try a lower evaluation.optimizer.lr",
                    run.method, result.policy, run.budget.str(), run.seed, value, epoch + 1));
            }
            loss.backward();
            optimizer->step();
            loss_sum += value;
            progress.update(step, epoch + 1, schedule.epochs, value);
        }
        result.epoch_losses.push_back(static_cast<float>(loss_sum / steps_per_epoch));
    }
    progress.clear();

    // 4. The audit's "after", and the test split, used only here.
    result.frozen_after = fingerprint(block_state(blocks, result.frozen_blocks));
    result.test_accuracy = accuracy(setup, *encoder, *head, test_labels);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    logger("downstream").info(
        "{} / {} / {} labels / seed {}: test accuracy {:.2f}% ({} parameters, {:.1f} s){}",
        run.method, result.policy, run.budget.str(), run.seed, 100.0 * result.test_accuracy,
        result.encoder_parameters + result.head_parameters, result.seconds,
        result.audit_passed() ? "" : "; FROZEN PARAMETERS CHANGED");
    return result;
}

}  // namespace selfsup
