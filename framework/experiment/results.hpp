#pragma once

// The results of a run and the files that record them: results.json and
// results.csv, one row per method x protocol x budget x seed (report.hpp
// writes the report).

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
    // As in PretrainResult.
    std::string pretrained_from;
};

// Test embeddings of one encoder projected to 2-D, coloured by class.
struct ProjectionSummary {
    std::string label;
    // Relative to the run folder.
    std::string image;
    double explained_x = 0.0;
    double explained_y = 0.0;
};

struct RunResults {
    std::string experiment;
    std::vector<std::string> class_names;
    std::vector<PretrainSummary> pretraining;
    std::vector<ProjectionSummary> projections;
    std::vector<DownstreamResult> rows;
    double seconds = 0.0;
};

void write_results_json(const RunResults& results, const std::filesystem::path& path);
void write_results_csv(const RunResults& results, const std::filesystem::path& path);

}  // namespace selfsup
