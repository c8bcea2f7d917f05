#include "experiment/results.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "selfsup/errors.hpp"

namespace selfsup {

namespace json = boost::json;

namespace {

struct Stats {
    double mean = 0.0;
    double stddev = 0.0;
    size_t count = 0;
};

// Mean and sample standard deviation, in percent.
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

using Arm = std::pair<std::string, std::string>;
using BySeed = std::map<uint64_t, double>;

// Rows grouped by arm (method, policy), in first-seen order, then by budget.
struct Comparison {
    std::vector<Arm> arms;
    std::vector<std::string> budgets;
    std::map<Arm, std::map<std::string, BySeed>> accuracy;
    // The from-scratch arm each arm is compared with; itself for a baseline.
    std::map<Arm, Arm> baseline_of;

    // The accuracies of `arm` at `budget` by seed, or nullptr if it did not run.
    const BySeed* at(const Arm& arm, const std::string& budget) const {
        auto found = accuracy.find(arm);
        if (found == accuracy.end()) return nullptr;
        auto cell = found->second.find(budget);
        return cell == found->second.end() ? nullptr : &cell->second;
    }

    // Paired gain of `arm` over its baseline at `budget`, when both ran.
    std::optional<Stats> gain(const Arm& arm, const std::string& budget) const;
};

Comparison compare(const RunResults& results) {
    Comparison comparison;
    for (const DownstreamResult& row : results.rows) {
        const auto arm = std::pair(row.method, row.policy);
        if (std::find(comparison.arms.begin(), comparison.arms.end(), arm) ==
            comparison.arms.end()) {
            comparison.arms.push_back(arm);
        }
        const std::string budget = row.budget.str();
        if (std::find(comparison.budgets.begin(), comparison.budgets.end(), budget) ==
            comparison.budgets.end()) {
            comparison.budgets.push_back(budget);
        }
        comparison.accuracy[arm][budget][row.seed] = row.test_accuracy;
        comparison.baseline_of[arm] = {row.baseline, "all trained"};
    }
    return comparison;
}

std::vector<double> values_of(const BySeed& by_seed) {
    std::vector<double> values;
    for (const auto& [seed, value] : by_seed) values.push_back(value);
    return values;
}

// Mean over seeds of (arm - baseline), paired on the same label subsets.
std::optional<Stats> paired_gap(const std::map<uint64_t, double>& arm,
                                const std::map<uint64_t, double>& baseline) {
    std::vector<double> gaps;
    for (const auto& [seed, value] : arm) {
        auto found = baseline.find(seed);
        if (found != baseline.end()) gaps.push_back(value - found->second);
    }
    if (gaps.empty()) return std::nullopt;
    return stats_of(gaps);
}

std::optional<Stats> Comparison::gain(const Arm& arm, const std::string& budget) const {
    const Arm& baseline = baseline_of.at(arm);
    const BySeed* mine = at(arm, budget);
    const BySeed* base = at(baseline, budget);
    if (baseline == arm || mine == nullptr || base == nullptr) return std::nullopt;
    return paired_gap(*mine, *base);
}

std::string signed_text(const Stats& stats) {
    return fmt::format("{:+.1f}", stats.mean);
}

}  // namespace

void write_results_json(const RunResults& results, const std::filesystem::path& path) {
    json::array rows;
    for (const DownstreamResult& row : results.rows) {
        json::array frozen;
        for (const std::string& block : row.frozen_blocks) frozen.push_back(json::value(block));
        json::array losses(row.epoch_losses.begin(), row.epoch_losses.end());
        rows.push_back(json::object{
            {"method", row.method},
            {"baseline", row.baseline},
            {"freeze_policy", row.policy},
            {"label_budget", row.budget.str()},
            {"seed", row.seed},
            {"test_accuracy", row.test_accuracy},
            {"encoder_parameters", row.encoder_parameters},
            {"head_parameters", row.head_parameters},
            {"total_parameters", row.encoder_parameters + row.head_parameters},
            {"wall_seconds", row.seconds},
            {"frozen_blocks", std::move(frozen)},
            {"frozen_fingerprint_before", fmt::format("{:016x}", row.frozen_before)},
            {"frozen_fingerprint_after", fmt::format("{:016x}", row.frozen_after)},
            {"freeze_audit_passed", row.audit_passed()},
            {"epoch_losses", std::move(losses)},
        });
    }
    json::array pretraining;
    for (const PretrainSummary& summary : results.pretraining) {
        pretraining.push_back(json::object{
            {"pretext", summary.label},
            {"seed", summary.seed},
            {"epoch_losses", json::array(summary.epoch_losses.begin(), summary.epoch_losses.end())},
            {"loss_curve", json::array(summary.curve.begin(), summary.curve.end())},
            {"loss_curve_window", kCurveWindow},
            {"pretext_parameters", summary.pretext_parameters},
            {"wall_seconds", summary.seconds},
            {"preview_image", summary.preview_image},
            {"loss_curve_image", summary.curve_image},
        });
    }
    std::ofstream out(path);
    out << json::serialize(json::object{{"experiment", results.experiment},
                                        {"wall_seconds", results.seconds},
                                        {"pretraining", std::move(pretraining)},
                                        {"rows", std::move(rows)}})
        << "\n";
    if (!out) throw DataError("cannot write " + path.string());
}

void write_results_csv(const RunResults& results, const std::filesystem::path& path) {
    std::ofstream out(path);
    out << "method,baseline,freeze_policy,label_budget,seed,test_accuracy,encoder_parameters,"
           "head_parameters,total_parameters,wall_seconds,frozen_blocks,freeze_audit_passed\n";
    for (const DownstreamResult& row : results.rows) {
        std::string frozen;
        for (const std::string& block : row.frozen_blocks) frozen += (frozen.empty() ? "" : " ") + block;
        out << fmt::format("{},{},{},{},{},{:.4f},{},{},{},{:.1f},{},{}\n", row.method,
                           row.baseline, row.policy,
                           row.budget.str(), row.seed, row.test_accuracy, row.encoder_parameters,
                           row.head_parameters, row.encoder_parameters + row.head_parameters,
                           row.seconds, frozen, row.audit_passed() ? "true" : "false");
    }
    if (!out) throw DataError("cannot write " + path.string());
}

std::string comparison_table(const RunResults& results) {
    const Comparison comparison = compare(results);
    std::string table = "| method | freeze policy |";
    std::string rule = "| --- | --- |";
    for (const std::string& budget : comparison.budgets) {
        table += fmt::format(" {} labels |", budget);
        rule += " ---: |";
    }
    table += fmt::format("\n{}\n", rule);
    for (const auto& arm : comparison.arms) {
        table += fmt::format("| {} | {} |", arm.first, arm.second);
        for (const std::string& budget : comparison.budgets) {
            const BySeed* cell = comparison.at(arm, budget);
            table += fmt::format(" {} |", cell ? stats_text(stats_of(values_of(*cell))) : "");
        }
        table += "\n";
    }
    return table;
}

void write_report(const RunResults& results, const std::filesystem::path& path) {
    const Comparison comparison = compare(results);
    std::string report = fmt::format("# {}\n\nTest accuracy (%), mean ± std over seeds; every "
                                     "method at one budget and seed trains on the same labeled "
                                     "images.\n\n{}\n",
                                     results.experiment, comparison_table(results));

    // Winner and gain over its baseline at each budget.
    report += "## At each budget\n\n";
    for (const std::string& budget : comparison.budgets) {
        Arm best;
        double best_mean = -1.0;
        for (const Arm& arm : comparison.arms) {
            const BySeed* cell = comparison.at(arm, budget);
            if (cell == nullptr) continue;
            const double mean = stats_of(values_of(*cell)).mean;
            if (mean > best_mean) {
                best_mean = mean;
                best = arm;
            }
        }
        report += fmt::format("- {} labels: best is {} / {} at {:.1f}%", budget, best.first,
                              best.second, best_mean);
        if (auto gain = comparison.gain(best, budget)) {
            report += fmt::format(", {} points over {} (paired by seed)", signed_text(*gain),
                                  comparison.baseline_of.at(best).first);
        }
        report += "\n";
    }

    // Gain of every arm over the baseline with its encoder spec.
    report += "\n## Gain over training from scratch (points, paired by seed)\n\n| method | "
              "freeze policy | baseline |";
    for (const std::string& budget : comparison.budgets) report += fmt::format(" {} |", budget);
    report += "\n| --- | --- | --- |";
    for (size_t i = 0; i < comparison.budgets.size(); ++i) report += " ---: |";
    report += "\n";
    for (const Arm& arm : comparison.arms) {
        if (comparison.baseline_of.at(arm) == arm) continue;
        report += fmt::format("| {} | {} | {} |", arm.first, arm.second,
                              comparison.baseline_of.at(arm).first);
        for (const std::string& budget : comparison.budgets) {
            const std::optional<Stats> gain = comparison.gain(arm, budget);
            report += fmt::format(" {} |", gain ? signed_text(*gain) : "");
        }
        report += "\n";
    }

    // Parameter counts and the freeze audit.
    report += "\n## Parameters\n\n| method | freeze policy | encoder | head | total | frozen "
              "blocks | freeze audit |\n| --- | --- | ---: | ---: | ---: | --- | --- |\n";
    std::set<std::pair<std::string, std::string>> listed;
    for (const DownstreamResult& row : results.rows) {
        if (!listed.insert({row.method, row.policy}).second) continue;
        std::string frozen;
        for (const std::string& block : row.frozen_blocks) frozen += (frozen.empty() ? "" : ", ") + block;
        bool audit = true;
        for (const DownstreamResult& other : results.rows) {
            if (other.method == row.method && other.policy == row.policy) {
                audit = audit && other.audit_passed();
            }
        }
        report += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", row.method, row.policy,
                              row.encoder_parameters, row.head_parameters,
                              row.encoder_parameters + row.head_parameters,
                              frozen.empty() ? "none" : frozen,
                              audit ? "unchanged" : "**CHANGED**");
    }

    // Pretraining.
    if (!results.pretraining.empty()) {
        report += "\n## Pretraining\n\n| pretext | seed | first epoch loss | last epoch loss | "
                  "pretext parameters | time (s) |\n| --- | ---: | ---: | ---: | ---: | ---: |\n";
        for (const PretrainSummary& summary : results.pretraining) {
            report += fmt::format("| {} | {} | {:.4f} | {:.4f} | {} | {:.0f} |\n", summary.label,
                                  summary.seed, summary.epoch_losses.front(),
                                  summary.epoch_losses.back(), summary.pretext_parameters,
                                  summary.seconds);
        }
        for (const PretrainSummary& summary : results.pretraining) {
            report += fmt::format("\n### {} (seed {})\n\n", summary.label, summary.seed);
            if (!summary.preview_image.empty()) {
                report += fmt::format("Rows: {}.\n\n![previews]({})\n\n", summary.preview_rows,
                                      summary.preview_image);
            }
            report += fmt::format("Training loss, mean of every {} steps:\n\n![loss]({})\n",
                                  kCurveWindow, summary.curve_image);
        }
    }
    report += fmt::format("\nWall time: {:.0f} s.\n", results.seconds);
    std::ofstream out(path);
    out << report;
    if (!out) throw DataError("cannot write " + path.string());
}

}  // namespace selfsup
