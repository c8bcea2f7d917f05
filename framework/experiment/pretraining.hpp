#pragma once

// Pretraining: one pretext trains a fresh encoder on every training image,
// without labels.

#include <cstdint>
#include <memory>
#include <vector>

#include "experiment/setup.hpp"

namespace selfsup {

inline constexpr int64_t kCurveWindow = 20;

struct PretrainResult {
    std::string label;
    uint64_t seed = 0;
    // The trained encoder; the pretext and its modules are discarded.
    std::shared_ptr<Encoder> encoder;
    // Mean loss of each epoch.
    std::vector<float> epoch_losses;
    // Mean loss of each run of kCurveWindow steps: the loss curve.
    std::vector<float> curve;
    // The pretext's pictures of a few training images after training.
    std::vector<Preview> previews;
    // Parameters of the pretext's own modules (decoder, projector, ...).
    int64_t pretext_parameters = 0;
    double seconds = 0.0;
    // The checkpoint the encoder was loaded from when an earlier run
    // pretrained it (see earlier_run.hpp); empty when this run did.
    std::string pretrained_from;
};

// Trains pretext `index` of the manifest with `seed`. Throws NumericalError
// naming the pretext, epoch and step if the loss stops being finite.
PretrainResult pretrain(const ExperimentSetup& setup, size_t index, uint64_t seed);

}  // namespace selfsup
