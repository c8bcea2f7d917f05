#pragma once

// Limited-memory BFGS for small smooth problems (a logistic regression's
// thousand-odd weights): the probe is trained to convergence rather than for
// a fixed number of epochs, so its result does not depend on the scale of the
// embeddings it is given.

#include <functional>
#include <vector>

namespace selfsup {

// Returns f(x) and writes its gradient into `gradient` (already sized).
using Objective = std::function<double(const std::vector<double>& x, std::vector<double>& gradient)>;

struct LbfgsOptions {
    int max_iterations = 500;
    // Pairs of steps and gradient changes kept for the curvature estimate.
    int history = 10;
    // Converged when the gradient's largest component falls below this.
    double gradient_tolerance = 1e-5;
};

struct LbfgsResult {
    double value = 0.0;
    int iterations = 0;
    bool converged = false;
};

// Minimises `objective` from `x`, leaving the minimiser in `x`. Each step
// searches along the quasi-Newton direction with backtracking until the
// Armijo condition holds; a direction that does not descend falls back to the
// negative gradient.
LbfgsResult minimize_lbfgs(const Objective& objective, std::vector<double>& x,
                           const LbfgsOptions& options = {});

}  // namespace selfsup
