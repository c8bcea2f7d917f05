#include "experiment/frozen_evaluation.hpp"

#include <chrono>
#include <numeric>

#include <fmt/format.h>

#include "experiment/embeddings.hpp"
#include "experiment/knn.hpp"
#include "experiment/labeled_subset.hpp"
#include "experiment/logistic.hpp"
#include "experiment/module_state.hpp"
#include "selfsup/errors.hpp"
#include "support/logging.hpp"

namespace selfsup {

namespace {

double accuracy(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels) {
    int64_t correct = 0;
    for (size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i];
    return static_cast<double>(correct) / static_cast<double>(labels.size());
}

}  // namespace

const char* protocol_name(FrozenProtocol protocol) {
    return protocol == FrozenProtocol::kKnn ? "knn" : "logistic";
}

std::vector<DownstreamResult> evaluate_frozen(const ExperimentSetup& setup, const FrozenRun& run,
                                              const std::vector<int32_t>& train_labels,
                                              const std::vector<int32_t>& test_labels) {
    const auto start = std::chrono::steady_clock::now();
    const EvaluationSpec& evaluation = setup.manifest.evaluation;
    const int classes = setup.dataset->info().num_classes;
    const std::shared_ptr<Encoder> encoder = setup.make_encoder(*run.encoder, run.seed);
    if (run.pretrained) copy_state(*run.pretrained, *encoder);

    DownstreamResult common;
    common.method = run.method;
    common.baseline = run.baseline;
    common.control = run.control;
    common.budget = run.budget;
    common.seed = run.seed;
    common.encoder_parameters = encoder->parameter_count();
    for (const EncoderBlock& block : encoder->blocks()) common.frozen_blocks.push_back(block.name);
    common.frozen_before = fingerprint(module_state(*encoder));

    std::vector<int64_t> test_indices(test_labels.size());
    std::iota(test_indices.begin(), test_indices.end(), 0);
    const Embeddings labeled = embed(*setup.dataset, *encoder, Split::kTrain, *run.labeled);
    const Embeddings test = embed(*setup.dataset, *encoder, Split::kTest, test_indices);
    const std::vector<int32_t> labeled_labels = labels_at(*run.labeled, train_labels);
    common.frozen_after = fingerprint(module_state(*encoder));
    const double setup_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::vector<DownstreamResult> results;
    for (const std::string& name : evaluation.protocols) {
        const auto protocol_start = std::chrono::steady_clock::now();
        DownstreamResult result = common;
        result.policy = name;
        std::string detail;
        if (name == protocol_name(FrozenProtocol::kKnn)) {
            result.test_accuracy = accuracy(
                knn_predict(labeled, labeled_labels, test, evaluation.knn_k, classes), test_labels);
            detail = fmt::format("k {}", evaluation.knn_k);
        } else {
            SELFSUP_CHECK(name == protocol_name(FrozenProtocol::kLogistic), "unknown protocol ",
                          name);
            const LogisticProtocolResult fit =
                run_logistic_protocol(labeled, labeled_labels, classes, run.seed);
            result.test_accuracy =
                accuracy(fit.model.predict(fit.standardiser.apply(test)), test_labels);
            result.head_parameters = static_cast<int64_t>(fit.model.weights.size());
            detail = fmt::format("L2 {:g}{}, {} L-BFGS iterations{}", fit.l2,
                                 fit.validation_accuracy < 0.0
                                     ? " (too few labels to validate)"
                                     : fmt::format(" chosen at {:.1f}% validation accuracy",
                                                   100.0 * fit.validation_accuracy),
                                 fit.model.iterations, fit.model.converged ? "" : ", not converged");
        }
        result.seconds = setup_seconds + std::chrono::duration<double>(
                                             std::chrono::steady_clock::now() - protocol_start)
                                             .count();
        logger("downstream").info(
            "{} / {} / {} labels / seed {}: test accuracy {:.2f}% ({}; embeddings of mean norm "
            "{:.2f}, {:.1f} s)",
            run.method, name, run.budget.str(), run.seed, 100.0 * result.test_accuracy, detail,
            mean_norm(labeled), result.seconds);
        results.push_back(std::move(result));
    }
    return results;
}

}  // namespace selfsup
