#pragma once

// report.md: the comparison as a reader wants it — mean and spread over seeds,
// frozen-embedding protocols side by side, the winner at each budget, paired
// gains over the from-scratch baseline and over the random-init control,
// accuracy-against-budget charts, embedding projections, parameter counts
// with the freeze audit, and pretraining previews, curves and timings.

#include <filesystem>
#include <string>

#include "experiment/results.hpp"

namespace selfsup {

// The main comparison table (every protocol that trains a head), as printed
// at the end of a run.
std::string comparison_table(const RunResults& results);

// The frozen-embedding protocols (kNN, logistic regression) by method, one
// column per protocol and budget; empty when the run evaluated none.
std::string frozen_embedding_table(const RunResults& results);

// Writes `path` and its charts into images/ beside it.
void write_report(const RunResults& results, const std::filesystem::path& path);

}  // namespace selfsup
