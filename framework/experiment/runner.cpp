#include "experiment/runner.hpp"

#include <chrono>
#include <algorithm>
#include <fstream>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "experiment/labeled_subset.hpp"
#include "experiment/pictures.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/runtime.hpp"
#include "selfsup/serialize.hpp"
#include "support/logging.hpp"

namespace selfsup {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw DataError("cannot write " + path.string());
}

// One encoder spec of the manifest and the name of its from-scratch baseline:
// "scratch" for the manifest's encoder, "scratch (LABEL)" for a pretext's own.
struct EncoderSpec {
    const PluginSlot* slot;
    std::string baseline;
};

std::string spec_key(const PluginSlot& slot) {
    return slot.plugin + boost::json::serialize(slot.params);
}

std::vector<EncoderSpec> encoder_specs(const Manifest& manifest) {
    std::vector<EncoderSpec> specs{{&manifest.encoder, "scratch"}};
    for (const PretextSpec& pretext : manifest.pretexts) {
        if (!pretext.encoder) continue;
        const bool known = std::any_of(specs.begin(), specs.end(), [&](const EncoderSpec& spec) {
            return spec_key(*spec.slot) == spec_key(*pretext.encoder);
        });
        if (!known) specs.push_back({&*pretext.encoder, "scratch (" + pretext.encoder->label + ")"});
    }
    return specs;
}

const EncoderSpec& spec_of(const std::vector<EncoderSpec>& specs, const PluginSlot& slot) {
    for (const EncoderSpec& spec : specs) {
        if (spec_key(*spec.slot) == spec_key(slot)) return spec;
    }
    SELFSUP_CHECK(false, "encoder slot ", slot.json_path, " has no spec");
    return specs.front();
}

// Refuses a comparison whose models differ in size: the point of the baseline
// is that only the initialisation differs. `sizes` holds the size of the first
// model seen for each baseline.
void require_equal_size(const DownstreamResult& row, std::map<std::string, int64_t>& sizes) {
    const int64_t mine = row.encoder_parameters + row.head_parameters;
    const auto [found, first] = sizes.emplace(row.baseline, mine);
    if (!first && found->second != mine) {
        throw InternalError(fmt::format(
            "refusing to compare {} ({} parameters) with {} ({} parameters): a model and its "
            "baseline must have equal parameter counts",
            row.method, mine, row.baseline, found->second));
    }
}

PretrainSummary summarise(const PretrainResult& result, const fs::path& folder) {
    PretrainSummary summary;
    summary.label = result.label;
    summary.seed = result.seed;
    summary.epoch_losses = result.epoch_losses;
    summary.curve = result.curve;
    summary.pretext_parameters = result.pretext_parameters;
    summary.seconds = result.seconds;
    const std::string stem = fmt::format("{}-seed{}", result.label, result.seed);
    if (!result.previews.empty()) {
        summary.preview_image = "images/" + stem + "-previews.png";
        write_preview_grid(result.previews, folder / summary.preview_image);
        for (const Preview& preview : result.previews) {
            summary.preview_rows += (summary.preview_rows.empty() ? "" : ", ") + preview.name;
        }
    }
    summary.curve_image = "images/" + stem + "-loss.png";
    write_loss_curve(result.curve, folder / summary.curve_image);
    save_module(*result.encoder, (folder / "checkpoints" / (stem + "-encoder.bin")).string());
    return summary;
}

}  // namespace

RunResults run_experiment(const ExperimentSetup& setup, const fs::path& folder) {
    const auto start = std::chrono::steady_clock::now();
    const Manifest& manifest = setup.manifest;
    const EvaluationSpec& evaluation = manifest.evaluation;
    fs::create_directories(folder / "images");
    fs::create_directories(folder / "checkpoints");
    write_text(folder / "manifest.json", boost::json::serialize(to_json(manifest)) + "\n");
    set_num_threads(manifest.threads);

    RunResults results;
    results.experiment = manifest.name;
    const std::vector<int32_t> train_labels = setup.dataset->labels(Split::kTrain);
    const std::vector<int32_t> test_labels = setup.dataset->labels(Split::kTest);
    const int classes = setup.dataset->info().num_classes;
    const std::vector<EncoderSpec> specs = encoder_specs(manifest);
    std::map<std::string, int64_t> sizes;

    for (uint64_t seed : manifest.seeds) {
        // 1. Pretraining: no labels.
        std::vector<PretrainResult> pretrained;
        for (size_t i = 0; i < manifest.pretexts.size(); ++i) {
            pretrained.push_back(pretrain(setup, i, seed));
            results.pretraining.push_back(summarise(pretrained.back(), folder));
        }

        // 2. Downstream, on one labeled subset per budget shared by every method.
        for (const LabelBudget& budget : evaluation.label_budgets) {
            if (!evaluation.schedule_for(budget).runs_seed(seed)) continue;
            const std::vector<int64_t> labeled =
                stratified_subset(train_labels, classes, budget.count, seed);
            logger("experiment").info("seed {}, {} labels: {} labeled training images", seed,
                                      budget.str(), labeled.size());
            std::vector<DownstreamRun> runs;
            for (const EncoderSpec& spec : specs) {
                if (!evaluation.baseline) break;
                runs.push_back({spec.baseline, spec.baseline, spec.slot, nullptr, std::nullopt,
                                budget, seed, &labeled});
            }
            for (size_t i = 0; i < pretrained.size(); ++i) {
                const EncoderSpec& spec = spec_of(specs, manifest.encoder_for(i));
                for (size_t policy = 0; policy < evaluation.freeze_policies.size(); ++policy) {
                    runs.push_back({pretrained[i].label, spec.baseline, spec.slot,
                                    pretrained[i].encoder.get(), policy, budget, seed, &labeled});
                }
            }
            for (const DownstreamRun& run : runs) {
                results.rows.push_back(train_downstream(setup, run, train_labels, test_labels));
                require_equal_size(results.rows.back(), sizes);
                // Rewritten after every row, so a run that fails later keeps what it finished.
                write_results_json(results, folder / "results.json");
                write_results_csv(results, folder / "results.csv");
            }
        }
    }

    // 3. The records.
    results.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_results_json(results, folder / "results.json");
    write_results_csv(results, folder / "results.csv");
    write_report(results, folder / "report.md");
    return results;
}

}  // namespace selfsup
