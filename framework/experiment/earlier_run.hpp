#pragma once

// Pretrained encoders taken from an earlier run folder instead of pretraining
// again: `selfsup run M --pretrained-from runs/x` tries new downstream
// settings (policies, budgets, schedules, protocols) on the encoders runs/x
// saved in its checkpoints/, in minutes instead of hours.
//
// The earlier run must have pretrained each of the manifest's pretexts exactly
// as the manifest describes it (same dataset, encoder, pretext parameters,
// optimizer, epochs and batch size) for every one of its seeds; check() says
// which setting differs or which checkpoint is missing, before anything runs.

#include <filesystem>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "experiment/pretraining.hpp"
#include "experiment/setup.hpp"

namespace selfsup {

class EarlierRun {
public:
    // Reads folder/manifest.json and folder/results.json; throws DataError
    // naming the file when either is missing or unreadable.
    explicit EarlierRun(std::filesystem::path folder);

    // Throws ManifestError for the first pretext or seed of `setup`'s manifest
    // the earlier run did not pretrain the same way.
    void check(const ExperimentSetup& setup) const;

    // Pretext `index`'s encoder pretrained with `seed`, loaded from the
    // earlier run's checkpoint, with that run's loss record and time.
    PretrainResult load(const ExperimentSetup& setup, size_t index, uint64_t seed) const;

private:
    std::filesystem::path checkpoint(const std::string& label, uint64_t seed) const;
    const boost::json::object* record(const std::string& label, uint64_t seed) const;

    std::filesystem::path folder_;
    boost::json::object manifest_;
    boost::json::array pretraining_;
};

}  // namespace selfsup
