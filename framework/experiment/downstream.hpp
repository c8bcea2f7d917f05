#pragma once

// Downstream: an encoder (pretrained, or fresh for the from-scratch baseline)
// and a new head, trained on a labeled subset under a freeze policy, then
// evaluated once on the test split.

#include <cstdint>
#include <string>
#include <vector>

#include "experiment/setup.hpp"

namespace selfsup {

struct DownstreamRun {
    // The pretext's label, or the baseline's name ("scratch").
    std::string method;
    // The from-scratch baseline this run is compared with.
    std::string baseline;
    // The random-init control it is paired with, or empty (for the control
    // itself, the baseline, and policies that freeze nothing).
    std::string control;
    // The encoder spec: the manifest's, or the pretext's own.
    const PluginSlot* encoder = nullptr;
    // The encoder to start from; nullptr trains a fresh one from scratch.
    const Encoder* pretrained = nullptr;
    // Index into the manifest's freeze policies; nullopt trains everything.
    std::optional<size_t> policy;
    LabelBudget budget;
    uint64_t seed = 0;
    // The labeled training images (dataset indices).
    const std::vector<int64_t>* labeled = nullptr;
};

struct DownstreamResult {
    std::string method;
    std::string baseline;
    std::string control;
    // The freeze policy's label, "all trained", or a frozen protocol's name.
    std::string policy;
    LabelBudget budget;
    uint64_t seed = 0;
    double test_accuracy = 0.0;
    int64_t encoder_parameters = 0;
    int64_t head_parameters = 0;
    // The freeze audit: the blocks frozen in every epoch, and a fingerprint of
    // their parameters and buffers before and after training.
    std::vector<std::string> frozen_blocks;
    uint64_t frozen_before = 0;
    uint64_t frozen_after = 0;
    std::vector<float> epoch_losses;
    double seconds = 0.0;

    bool audit_passed() const { return frozen_before == frozen_after; }
};

// `train_labels` and `test_labels` are the dataset's labels of each split.
DownstreamResult train_downstream(const ExperimentSetup& setup, const DownstreamRun& run,
                                  const std::vector<int32_t>& train_labels,
                                  const std::vector<int32_t>& test_labels);

}  // namespace selfsup
