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

// Rows grouped by (method, policy), in first-seen order, then by budget.
struct Comparison {
    std::vector<std::pair<std::string, std::string>> arms;
    std::vector<std::string> budgets;
    std::map<std::pair<std::string, std::string>, std::map<std::string, std::map<uint64_t, double>>>
        accuracy;
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
    }
    return comparison;
}

std::vector<double> values_of(const std::map<uint64_t, double>& by_seed) {
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
    out << "method,freeze_policy,label_budget,seed,test_accuracy,encoder_parameters,"
           "head_parameters,total_parameters,wall_seconds,frozen_blocks,freeze_audit_passed\n";
    for (const DownstreamResult& row : results.rows) {
        std::string frozen;
        for (const std::string& block : row.frozen_blocks) frozen += (frozen.empty() ? "" : " ") + block;
        out << fmt::format("{},{},{},{},{:.4f},{},{},{},{:.1f},{},{}\n", row.method, row.policy,
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
            auto found = comparison.accuracy.at(arm).find(budget);
            const bool ran = found != comparison.accuracy.at(arm).end();
            table += fmt::format(" {} |", ran ? stats_text(stats_of(values_of(found->second))) : "");
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

    // Winner and gap to the baseline at each budget.
    const auto baseline = std::find_if(comparison.arms.begin(), comparison.arms.end(),
                                       [](const auto& arm) { return arm.first == "scratch"; });
    report += "## At each budget\n\n";
    for (const std::string& budget : comparison.budgets) {
        std::pair<std::string, std::string> best;
        double best_mean = -1.0;
        for (const auto& arm : comparison.arms) {
            auto found = comparison.accuracy.at(arm).find(budget);
            if (found == comparison.accuracy.at(arm).end()) continue;
            const double mean = stats_of(values_of(found->second)).mean;
            if (mean > best_mean) {
                best_mean = mean;
                best = arm;
            }
        }
        report += fmt::format("- {} labels: best is {} / {} at {:.1f}%", budget, best.first,
                              best.second, best_mean);
        if (baseline != comparison.arms.end() && best != *baseline) {
            const auto& base = comparison.accuracy.at(*baseline);
            auto base_found = base.find(budget);
            if (base_found != base.end()) {
                if (auto gap = paired_gap(comparison.accuracy.at(best).at(budget),
                                          base_found->second)) {
                    report += fmt::format(", {} points over training from scratch (paired by seed)",
                                          signed_text(*gap));
                }
            }
        }
        report += "\n";
    }

    // Gap of every arm to the baseline.
    if (baseline != comparison.arms.end()) {
        report += "\n## Gain over training from scratch (points, paired by seed)\n\n| method | "
                  "freeze policy |";
        for (const std::string& budget : comparison.budgets) report += fmt::format(" {} |", budget);
        report += "\n| --- | --- |";
        for (size_t i = 0; i < comparison.budgets.size(); ++i) report += " ---: |";
        report += "\n";
        for (const auto& arm : comparison.arms) {
            if (arm == *baseline) continue;
            report += fmt::format("| {} | {} |", arm.first, arm.second);
            for (const std::string& budget : comparison.budgets) {
                const auto& mine = comparison.accuracy.at(arm);
                const auto& base = comparison.accuracy.at(*baseline);
                std::optional<Stats> gap;
                if (mine.count(budget) && base.count(budget)) {
                    gap = paired_gap(mine.at(budget), base.at(budget));
                }
                report += fmt::format(" {} |", gap ? signed_text(*gap) : "");
            }
            report += "\n";
        }
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
