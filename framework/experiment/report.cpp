#include "experiment/report.hpp"

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "experiment/charts.hpp"
#include "experiment/comparison.hpp"
#include "selfsup/errors.hpp"

namespace selfsup {

namespace {

std::string header(const std::vector<std::string>& columns, size_t text_columns) {
    std::string line = "|";
    std::string rule = "|";
    for (size_t i = 0; i < columns.size(); ++i) {
        line += " " + columns[i] + " |";
        rule += i < text_columns ? " --- |" : " ---: |";
    }
    return line + "\n" + rule + "\n";
}

std::string cell(const std::optional<Stats>& stats) { return stats ? stats_text(*stats) : ""; }

std::string gain_cell(const std::optional<Stats>& stats) {
    return stats ? signed_text(*stats) : "";
}

std::string frozen_rows(const Comparison& comparison) {
    std::vector<std::string> methods;
    std::vector<std::string> protocols;
    for (const Arm& arm : comparison.arms) {
        if (!is_frozen_protocol(arm.second)) continue;
        if (std::find(methods.begin(), methods.end(), arm.first) == methods.end()) {
            methods.push_back(arm.first);
        }
        if (std::find(protocols.begin(), protocols.end(), arm.second) == protocols.end()) {
            protocols.push_back(arm.second);
        }
    }
    if (methods.empty()) return "";
    std::vector<std::string> columns = {"method"};
    for (const std::string& budget : comparison.budgets) {
        for (const std::string& protocol : protocols) {
            columns.push_back(fmt::format("{} {}", protocol == "knn" ? "kNN" : protocol, budget));
        }
    }
    std::string table = header(columns, 1);
    for (const std::string& method : methods) {
        table += "| " + method + " |";
        for (const std::string& budget : comparison.budgets) {
            for (const std::string& protocol : protocols) {
                table += fmt::format(" {} |", cell(comparison.stats({method, protocol}, budget)));
            }
        }
        table += "\n";
    }
    return table;
}

std::string frozen_section(const Comparison& comparison) {
    const std::string table = frozen_rows(comparison);
    if (table.empty()) return "";
    return "\n## Frozen embeddings: kNN and logistic regression\n\nNo encoder weight changes. "
           "kNN: the labeled images' embeddings vote for each test image (cosine similarity). "
           "Logistic: multinomial logistic regression on standardised embeddings, trained to "
           "convergence with L-BFGS, its L2 strength chosen on a fifth of the labeled subset. "
           "Test accuracy (%), columns by protocol and label budget.\n\n" +
           table;
}

std::string winners(const Comparison& comparison) {
    std::string text = "\n## At each budget\n\n";
    for (const std::string& budget : comparison.budgets) {
        const Arm* best = nullptr;
        double best_mean = -1.0;
        for (const Arm& arm : comparison.arms) {
            const std::optional<Stats> stats = comparison.stats(arm, budget);
            if (stats && stats->mean > best_mean) {
                best_mean = stats->mean;
                best = &arm;
            }
        }
        if (best == nullptr) continue;
        text += fmt::format("- {} labels: best is {} / {} at {:.1f}%", budget, best->first,
                            best->second, best_mean);
        if (auto gain = comparison.gain(*best, budget)) {
            text += fmt::format(", {} points over {}", signed_text(*gain),
                                comparison.baseline_of.at(*best).first);
        }
        if (auto gain = comparison.gain_over_control(*best, budget)) {
            text += fmt::format(", {} over {}", signed_text(*gain),
                                comparison.control_of.at(*best).first);
        }
        text += " (paired by seed)\n";
    }
    return text;
}

std::string gains_table(const Comparison& comparison) {
    std::vector<std::string> columns = {"method", "protocol", "baseline"};
    for (const std::string& budget : comparison.budgets) {
        columns.push_back(fmt::format("vs scratch {}", budget));
        if (comparison.has_controls()) columns.push_back(fmt::format("vs control {}", budget));
    }
    std::string table = header(columns, 3);
    for (const Arm& arm : comparison.arms) {
        if (comparison.baseline_of.at(arm) == arm) continue;
        table += fmt::format("| {} | {} | {} |", arm.first, arm.second,
                             comparison.baseline_of.at(arm).first);
        for (const std::string& budget : comparison.budgets) {
            table += fmt::format(" {} |", gain_cell(comparison.gain(arm, budget)));
            if (comparison.has_controls()) {
                table += fmt::format(" {} |",
                                     gain_cell(comparison.gain_over_control(arm, budget)));
            }
        }
        table += "\n";
    }
    return fmt::format(
        "\n## Gains (points, paired by seed)\n\nOver the same encoder and head trained from "
        "scratch{}.\n\n{}",
        comparison.has_controls()
            ? ", and over the control: the same encoder with random weights, frozen the same "
              "way, so that a gain a frozen random network gives by itself is not counted as "
              "pretraining's"
            : "",
        table);
}

// One chart per protocol: a line per method under it, and the baselines.
std::string budget_charts(const Comparison& comparison, const std::filesystem::path& folder) {
    if (comparison.budgets.size() < 2) return "";
    std::vector<std::string> protocols;
    for (const Arm& arm : comparison.arms) {
        if (arm.second != "all trained" &&
            std::find(protocols.begin(), protocols.end(), arm.second) == protocols.end()) {
            protocols.push_back(arm.second);
        }
    }
    std::string text = fmt::format(
        "\n## Accuracy against label budget\n\nx: the budgets {}, evenly spaced; y: mean test "
        "accuracy; grid lines every 5 points.\n",
        fmt::join(comparison.budgets, ", "));
    for (const std::string& protocol : protocols) {
        LineChart chart;
        chart.positions = comparison.budgets.size();
        for (const Arm& arm : comparison.arms) {
            if (arm.second != protocol && arm.second != "all trained") continue;
            Series series{fmt::format("{} / {}", arm.first, arm.second), {}};
            for (const std::string& budget : comparison.budgets) {
                const std::optional<Stats> stats = comparison.stats(arm, budget);
                series.values.push_back(stats ? std::optional(stats->mean) : std::nullopt);
            }
            chart.series.push_back(std::move(series));
        }
        std::tie(chart.low, chart.high) = rounded_range(chart.series, 5.0);
        chart.grid_step = 5.0;
        const std::string image = "images/accuracy-" + file_stem(protocol) + ".png";
        write_line_chart(chart, folder / image);
        text += fmt::format("\n### {}\n\n![accuracy against budget, {}]({})\n\ny from {:.0f}% to "
                            "{:.0f}%. ",
                            protocol, protocol, image, chart.low, chart.high);
        for (size_t i = 0; i < chart.series.size(); ++i) {
            text += fmt::format("{}{} {}", i ? ", " : "", palette_colour(i), chart.series[i].name);
        }
        text += ".\n";
    }
    return text;
}

std::string projections(const RunResults& results) {
    if (results.projections.empty()) return "";
    std::string text = "\n## Test embeddings, first two principal components\n\nColours by class: ";
    for (size_t i = 0; i < results.class_names.size(); ++i) {
        text += fmt::format("{}{} {}", i ? ", " : "", palette_colour(i), results.class_names[i]);
    }
    text += ".\n";
    for (const ProjectionSummary& projection : results.projections) {
        text += fmt::format("\n### {}\n\n![embeddings of {}]({})\n\nThe two components explain "
                            "{:.0f}% and {:.0f}% of the variance.\n",
                            projection.label, projection.label, projection.image,
                            100.0 * projection.explained_x, 100.0 * projection.explained_y);
    }
    return text;
}

std::string parameters(const RunResults& results) {
    std::string text =
        "\n## Parameters\n\n" +
        header({"method", "protocol", "encoder", "head", "total", "frozen blocks", "freeze audit"},
               2);
    std::set<std::pair<std::string, std::string>> listed;
    for (const DownstreamResult& row : results.rows) {
        if (!listed.insert({row.method, row.policy}).second) continue;
        std::string frozen;
        for (const std::string& block : row.frozen_blocks) {
            frozen += (frozen.empty() ? "" : ", ") + block;
        }
        bool audit = true;
        for (const DownstreamResult& other : results.rows) {
            if (other.method == row.method && other.policy == row.policy) {
                audit = audit && other.audit_passed();
            }
        }
        text += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", row.method, row.policy,
                            row.encoder_parameters, row.head_parameters,
                            row.encoder_parameters + row.head_parameters,
                            frozen.empty() ? "none" : frozen, audit ? "unchanged" : "**CHANGED**");
    }
    return text;
}

std::string pretraining(const RunResults& results) {
    if (results.pretraining.empty()) return "";
    std::string text =
        "\n## Pretraining\n\n" + header({"pretext", "seed", "first epoch loss", "last epoch loss",
                                         "pretext parameters", "time (s)"},
                                        1);
    for (const PretrainSummary& summary : results.pretraining) {
        text += fmt::format("| {} | {} | {:.4f} | {:.4f} | {} | {:.0f} |\n", summary.label,
                            summary.seed, summary.epoch_losses.front(),
                            summary.epoch_losses.back(), summary.pretext_parameters,
                            summary.seconds);
    }
    for (const PretrainSummary& summary : results.pretraining) {
        text += fmt::format("\n### {} (seed {})\n\n", summary.label, summary.seed);
        if (!summary.pretrained_from.empty()) {
            text += fmt::format(
                "Pretrained by an earlier run: the encoder was loaded from `{}`; the losses and "
                "time are that run's.\n\n",
                summary.pretrained_from);
        }
        if (!summary.preview_image.empty()) {
            text += fmt::format("Rows: {}.\n\n![previews]({})\n\n", summary.preview_rows,
                                summary.preview_image);
        }
        text += fmt::format("Training loss, mean of every {} steps:\n\n![loss]({})\n",
                            kCurveWindow, summary.curve_image);
    }
    return text;
}

}  // namespace

std::string comparison_table(const RunResults& results) {
    const Comparison comparison = compare(results.rows);
    std::vector<std::string> columns = {"method", "protocol"};
    for (const std::string& budget : comparison.budgets) {
        columns.push_back(fmt::format("{} labels", budget));
    }
    std::string table = header(columns, 2);
    for (const Arm& arm : comparison.arms) {
        if (is_frozen_protocol(arm.second)) continue;
        table += fmt::format("| {} | {} |", arm.first, arm.second);
        for (const std::string& budget : comparison.budgets) {
            table += fmt::format(" {} |", cell(comparison.stats(arm, budget)));
        }
        table += "\n";
    }
    return table;
}

std::string frozen_embedding_table(const RunResults& results) {
    return frozen_rows(compare(results.rows));
}

void write_report(const RunResults& results, const std::filesystem::path& path) {
    const Comparison comparison = compare(results.rows);
    const std::filesystem::path folder = path.parent_path();
    std::string report = fmt::format(
        "# {}\n\nTest accuracy (%), mean ± std over seeds; every method at one budget and seed "
        "trains on the same labeled images. Protocol: the freeze policy the encoder was "
        "fine-tuned under (\"all trained\" for the baselines).\n\n{}",
        results.experiment, comparison_table(results));
    report += frozen_section(comparison);
    report += winners(comparison);
    report += gains_table(comparison);
    report += budget_charts(comparison, folder);
    report += projections(results);
    report += parameters(results);
    report += pretraining(results);
    report += fmt::format("\nWall time: {:.0f} s.\n", results.seconds);
    std::ofstream out(path);
    out << report;
    if (!out) throw DataError("cannot write " + path.string());
}

}  // namespace selfsup
