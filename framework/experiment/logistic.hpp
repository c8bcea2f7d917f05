#pragma once

// Multinomial logistic regression on frozen, standardised embeddings, trained
// to convergence with L-BFGS, its L2 strength chosen on a validation part of
// the labeled subset. Unlike a probe trained for a fixed number of epochs, it
// does not underfit embeddings of small magnitude, so it ranks encoders by
// what their features hold rather than by their scale.

#include <cstdint>
#include <vector>

#include "experiment/embeddings.hpp"

namespace selfsup {

// Per-feature mean and inverse standard deviation of the rows it was fitted
// on; a constant feature is centred and left unscaled.
struct Standardiser {
    std::vector<float> mean;
    std::vector<float> inverse_std;

    static Standardiser fit(const Embeddings& embeddings);
    Embeddings apply(const Embeddings& embeddings) const;
};

struct LogisticModel {
    int64_t width = 0;
    int classes = 0;
    // classes x (width + 1): each class's weights, then its bias.
    std::vector<double> weights;
    int iterations = 0;
    bool converged = false;

    std::vector<int32_t> predict(const Embeddings& embeddings) const;
};

// Minimises the mean cross-entropy plus l2 / 2 times the squared weights (the
// biases are not penalised), from zero weights or from `start` (a model of
// the same shape, e.g. the solution for a nearby strength).
LogisticModel fit_logistic(const Embeddings& embeddings, const std::vector<int32_t>& labels,
                           int classes, double l2, const LogisticModel* start = nullptr);

// The L2 strengths tried, from strong to weak; each fit starts from the
// previous one's solution.
const std::vector<double>& logistic_l2_grid();

struct LogisticProtocolResult {
    double l2 = 0.0;
    // Accuracy on the validation part at the chosen strength; negative when
    // the subset was too small to hold one out (see below).
    double validation_accuracy = -1.0;
    LogisticModel model;
    Standardiser standardiser;
};

// The protocol: holds out a stratified fifth of the labeled embeddings, picks
// the L2 strength with the best validation accuracy (ties go to the stronger,
// simpler model), then refits the standardiser and the model on every labeled
// embedding with that strength. With fewer than 5 labeled images per class no
// fifth can be held out, and the middle of the grid is used.
LogisticProtocolResult run_logistic_protocol(const Embeddings& labeled,
                                             const std::vector<int32_t>& labels, int classes,
                                             uint64_t seed);

}  // namespace selfsup
