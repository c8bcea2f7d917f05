#pragma once

// The protocols that never train the encoder and cannot flatter it: k nearest
// neighbours and logistic regression on its frozen embeddings. Both see the
// same labeled subset as every other run at that budget and seed, and the
// test split only for the final figure.

#include <cstdint>
#include <string>
#include <vector>

#include "experiment/downstream.hpp"

namespace selfsup {

enum class FrozenProtocol { kKnn, kLogistic };

// "knn", "logistic": the name in manifests and results.
const char* protocol_name(FrozenProtocol protocol);

struct FrozenRun {
    std::string method;
    std::string baseline;
    // The random-init control this run is paired with; empty for the control.
    std::string control;
    const PluginSlot* encoder = nullptr;
    // nullptr evaluates a randomly initialised encoder (the control).
    const Encoder* pretrained = nullptr;
    LabelBudget budget;
    uint64_t seed = 0;
    const std::vector<int64_t>* labeled = nullptr;
};

// One result per protocol of the manifest, in its order; the embeddings are
// computed once for all of them.
std::vector<DownstreamResult> evaluate_frozen(const ExperimentSetup& setup, const FrozenRun& run,
                                              const std::vector<int32_t>& train_labels,
                                              const std::vector<int32_t>& test_labels);

}  // namespace selfsup
