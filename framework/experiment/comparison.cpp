#include "experiment/comparison.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace selfsup {

namespace {

template <typename T>
void add_once(std::vector<T>& list, const T& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

std::vector<double> values_of(const BySeed& by_seed) {
    std::vector<double> values;
    for (const auto& [seed, value] : by_seed) values.push_back(value);
    return values;
}

// Mean over seeds of (arm - other), paired on the same label subsets.
std::optional<Stats> paired_gap(const BySeed& arm, const BySeed& other) {
    std::vector<double> gaps;
    for (const auto& [seed, value] : arm) {
        auto found = other.find(seed);
        if (found != other.end()) gaps.push_back(value - found->second);
    }
    if (gaps.empty()) return std::nullopt;
    return stats_of(gaps);
}

}  // namespace

Stats stats_of(const std::vector<double>& values) {
    Stats stats;
    stats.count = values.size();
    if (values.empty()) return stats;
    for (double value : values) stats.mean += value;
    stats.mean /= static_cast<double>(values.size());
    if (values.size() > 1) {
        double squares = 0.0;
        for (double value : values) squares += (value - stats.mean) * (value - stats.mean);
        stats.stddev = std::sqrt(squares / static_cast<double>(values.size() - 1));
    }
    stats.mean *= 100.0;
    stats.stddev *= 100.0;
    return stats;
}

std::string stats_text(const Stats& stats) {
    if (stats.count == 0) return "";
    if (stats.count == 1) return fmt::format("{:.1f}", stats.mean);
    return fmt::format("{:.1f} ± {:.1f}", stats.mean, stats.stddev);
}

std::string signed_text(const Stats& stats) { return fmt::format("{:+.1f}", stats.mean); }

bool is_frozen_protocol(const std::string& protocol) {
    return protocol == "knn" || protocol == "logistic";
}

const BySeed* Comparison::at(const Arm& arm, const std::string& budget) const {
    auto found = accuracy.find(arm);
    if (found == accuracy.end()) return nullptr;
    auto cell = found->second.find(budget);
    return cell == found->second.end() ? nullptr : &cell->second;
}

std::optional<Stats> Comparison::stats(const Arm& arm, const std::string& budget) const {
    const BySeed* cell = at(arm, budget);
    if (cell == nullptr) return std::nullopt;
    return stats_of(values_of(*cell));
}

std::optional<Stats> Comparison::gain(const Arm& arm, const std::string& budget) const {
    const Arm& baseline = baseline_of.at(arm);
    const BySeed* mine = at(arm, budget);
    const BySeed* base = at(baseline, budget);
    if (baseline == arm || mine == nullptr || base == nullptr) return std::nullopt;
    return paired_gap(*mine, *base);
}

std::optional<Stats> Comparison::gain_over_control(const Arm& arm,
                                                   const std::string& budget) const {
    auto control = control_of.find(arm);
    if (control == control_of.end()) return std::nullopt;
    const BySeed* mine = at(arm, budget);
    const BySeed* theirs = at(control->second, budget);
    if (mine == nullptr || theirs == nullptr) return std::nullopt;
    return paired_gap(*mine, *theirs);
}

Comparison compare(const std::vector<DownstreamResult>& rows) {
    Comparison comparison;
    for (const DownstreamResult& row : rows) {
        const Arm arm(row.method, row.policy);
        add_once(comparison.arms, arm);
        add_once(comparison.budgets, row.budget.str());
        comparison.accuracy[arm][row.budget.str()][row.seed] = row.test_accuracy;
        comparison.baseline_of[arm] = {row.baseline, "all trained"};
        if (!row.control.empty()) comparison.control_of[arm] = {row.control, row.policy};
    }
    return comparison;
}

}  // namespace selfsup
