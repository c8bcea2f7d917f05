#include "experiment/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <deque>

namespace selfsup {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0.0;
    for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
    return sum;
}

double largest_magnitude(const std::vector<double>& values) {
    double largest = 0.0;
    for (double value : values) largest = std::max(largest, std::abs(value));
    return largest;
}

struct Correction {
    std::vector<double> step;
    std::vector<double> change;
    double rho = 0.0;
};

// The two-loop recursion: an approximation of -H^-1 * gradient.
std::vector<double> direction(const std::vector<double>& gradient,
                              const std::deque<Correction>& history) {
    std::vector<double> q = gradient;
    std::vector<double> alpha(history.size());
    for (size_t k = history.size(); k-- > 0;) {
        alpha[k] = history[k].rho * dot(history[k].step, q);
        for (size_t i = 0; i < q.size(); ++i) q[i] -= alpha[k] * history[k].change[i];
    }
    if (!history.empty()) {
        const Correction& last = history.back();
        const double gamma = dot(last.step, last.change) / dot(last.change, last.change);
        for (double& value : q) value *= gamma;
    }
    for (size_t k = 0; k < history.size(); ++k) {
        const double beta = history[k].rho * dot(history[k].change, q);
        for (size_t i = 0; i < q.size(); ++i) q[i] += (alpha[k] - beta) * history[k].step[i];
    }
    for (double& value : q) value = -value;
    return q;
}

}  // namespace

LbfgsResult minimize_lbfgs(const Objective& objective, std::vector<double>& x,
                           const LbfgsOptions& options) {
    constexpr double kArmijo = 1e-4;
    constexpr int kMaxHalvings = 40;
    std::vector<double> gradient(x.size());
    LbfgsResult result;
    result.value = objective(x, gradient);
    std::deque<Correction> history;
    std::vector<double> trial(x.size());
    std::vector<double> trial_gradient(x.size());
    for (; result.iterations < options.max_iterations; ++result.iterations) {
        if (largest_magnitude(gradient) < options.gradient_tolerance) {
            result.converged = true;
            break;
        }
        std::vector<double> d = direction(gradient, history);
        double slope = dot(d, gradient);
        if (slope >= 0.0) {
            history.clear();
            for (size_t i = 0; i < d.size(); ++i) d[i] = -gradient[i];
            slope = dot(d, gradient);
        }
        // The first step of a steepest descent has no curvature estimate yet:
        // keep it short.
        double step = history.empty() ? std::min(1.0, 1.0 / std::sqrt(dot(gradient, gradient)))
                                       : 1.0;
        double value = 0.0;
        int halvings = 0;
        for (; halvings < kMaxHalvings; ++halvings, step *= 0.5) {
            for (size_t i = 0; i < x.size(); ++i) trial[i] = x[i] + step * d[i];
            value = objective(trial, trial_gradient);
            if (std::isfinite(value) && value <= result.value + kArmijo * step * slope) break;
        }
        if (halvings == kMaxHalvings) {
            // No decrease along any step length: as converged as floating point allows.
            result.converged = true;
            break;
        }
        Correction correction;
        correction.step.resize(x.size());
        correction.change.resize(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
            correction.step[i] = trial[i] - x[i];
            correction.change[i] = trial_gradient[i] - gradient[i];
        }
        const double curvature = dot(correction.step, correction.change);
        if (curvature > 1e-12) {
            correction.rho = 1.0 / curvature;
            history.push_back(std::move(correction));
            if (static_cast<int>(history.size()) > options.history) history.pop_front();
        }
        x.swap(trial);
        gradient.swap(trial_gradient);
        result.value = value;
    }
    return result;
}

}  // namespace selfsup
