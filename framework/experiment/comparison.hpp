#pragma once

// The results of a run arranged for comparison: arms (method x protocol), the
// budgets they ran at, accuracy by seed, and paired gains over the
// from-scratch baseline and over the random-init control.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiment/downstream.hpp"

namespace selfsup {

struct Stats {
    double mean = 0.0;
    double stddev = 0.0;
    size_t count = 0;
};

// Mean and sample standard deviation of fractions, in percent.
Stats stats_of(const std::vector<double>& values);
// "70.1", or "70.1 ± 0.4" over several seeds; "" for none.
std::string stats_text(const Stats& stats);
// "+2.3"
std::string signed_text(const Stats& stats);

// (method, protocol): the protocol is a freeze policy's label, "all trained"
// for a baseline, or "knn" / "logistic".
using Arm = std::pair<std::string, std::string>;
using BySeed = std::map<uint64_t, double>;

bool is_frozen_protocol(const std::string& protocol);

struct Comparison {
    // In first-seen order.
    std::vector<Arm> arms;
    std::vector<std::string> budgets;
    std::map<Arm, std::map<std::string, BySeed>> accuracy;
    // The from-scratch arm each arm is compared with; itself for a baseline.
    std::map<Arm, Arm> baseline_of;
    // The control arm (same protocol) each arm is paired with, if any.
    std::map<Arm, Arm> control_of;

    // The accuracies of `arm` at `budget` by seed, or nullptr if it did not run.
    const BySeed* at(const Arm& arm, const std::string& budget) const;
    // The mean over seeds, or nothing if it did not run.
    std::optional<Stats> stats(const Arm& arm, const std::string& budget) const;
    // Paired gains (same label subsets) over the baseline and over the control.
    std::optional<Stats> gain(const Arm& arm, const std::string& budget) const;
    std::optional<Stats> gain_over_control(const Arm& arm, const std::string& budget) const;
    bool has_controls() const { return !control_of.empty(); }
};

Comparison compare(const std::vector<DownstreamResult>& rows);

}  // namespace selfsup
