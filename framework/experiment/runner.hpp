#pragma once

// Running an experiment end to end, into one run folder:
//
//   for each seed:
//     for each pretext: pretrain a fresh encoder on every training image (or
//       load the one an earlier run pretrained: earlier_run.hpp)
//     for each label budget: draw the stratified labeled subset (seeded)
//       the baseline (same encoder spec and head, from scratch, all trained)
//       for each pretext x freeze policy: copy the pretrained encoder, add a
//         head, train on the subset, test
//
// The folder gets manifest.json (resolved), run.log, results.json,
// results.csv, report.md, images/ and checkpoints/ (each pretrained encoder).
// Every downstream model's parameter count must equal the baseline's; a
// comparison that is not like for like is refused with an error.

#include <filesystem>

#include "experiment/earlier_run.hpp"
#include "experiment/results.hpp"
#include "experiment/setup.hpp"

namespace selfsup {

// With `earlier` (already checked against the setup), each pretext's encoder
// is loaded from that run instead of pretrained; the rest runs as usual.
RunResults run_experiment(const ExperimentSetup& setup, const std::filesystem::path& folder,
                          const EarlierRun* earlier = nullptr);

}  // namespace selfsup
