#pragma once

// The results of a run and the files that record them: results.json and
// results.csv (one row per method x freeze policy x budget x seed) and
// report.md (the comparison as a reader wants it: mean and spread over seeds,
// the winner at each budget, the gap to the from-scratch baseline, parameter
// counts, pretraining curves and timings).

#include <filesystem>
#include <string>
#include <vector>

#include "experiment/downstream.hpp"
#include "experiment/pretraining.hpp"

namespace selfsup {

struct PretrainSummary {
    std::string label;
    uint64_t seed = 0;
    std::vector<float> epoch_losses;
    std::vector<float> curve;
    int64_t pretext_parameters = 0;
    double seconds = 0.0;
    // Image files, relative to the run folder; the preview grid is empty for
    // pretexts without previews.
    std::string preview_image;
    // What the preview grid's rows show, e.g. "input, corrupted, reconstruction".
    std::string preview_rows;
    std::string curve_image;
};

struct RunResults {
    std::string experiment;
    std::vector<PretrainSummary> pretraining;
    std::vector<DownstreamResult> rows;
    double seconds = 0.0;
};

void write_results_json(const RunResults& results, const std::filesystem::path& path);
void write_results_csv(const RunResults& results, const std::filesystem::path& path);
// The report's comparison table alone (also printed at the end of a run).
std::string comparison_table(const RunResults& results);
void write_report(const RunResults& results, const std::filesystem::path& path);

}  // namespace selfsup
