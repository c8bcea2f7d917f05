#include "experiment/runner.hpp"

#include <chrono>
#include <algorithm>
#include <fstream>
#include <map>
#include <numeric>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "experiment/charts.hpp"
#include "experiment/embeddings.hpp"
#include "experiment/frozen_evaluation.hpp"
#include "experiment/labeled_subset.hpp"
#include "experiment/pca.hpp"
#include "experiment/pictures.hpp"
#include "experiment/report.hpp"
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

// One encoder spec of the manifest, the name of its from-scratch baseline and
// of its random-init control: "scratch" and "random init" for the manifest's
// encoder, "scratch (LABEL)" and "random init (LABEL)" for a pretext's own.
struct EncoderSpec {
    const PluginSlot* slot;
    std::string baseline;
    std::string control;
};

std::string spec_key(const PluginSlot& slot) {
    return slot.plugin + boost::json::serialize(slot.params);
}

std::vector<EncoderSpec> encoder_specs(const Manifest& manifest) {
    std::vector<EncoderSpec> specs{{&manifest.encoder, "scratch", "random init"}};
    for (const PretextSpec& pretext : manifest.pretexts) {
        if (!pretext.encoder) continue;
        const bool known = std::any_of(specs.begin(), specs.end(), [&](const EncoderSpec& spec) {
            return spec_key(*spec.slot) == spec_key(*pretext.encoder);
        });
        if (!known) {
            const std::string suffix = " (" + pretext.encoder->label + ")";
            specs.push_back({&*pretext.encoder, "scratch" + suffix, "random init" + suffix});
        }
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

// Whether `policy` keeps some block frozen in every one of `epochs` epochs:
// the protocols under which a frozen random encoder is a fair control.
bool keeps_a_block_frozen(const FreezePolicy& policy, const Encoder& encoder, int epochs) {
    std::vector<std::string> names;
    for (const EncoderBlock& block : encoder.blocks()) names.push_back(block.name);
    std::vector<bool> always_frozen(names.size(), true);
    for (int epoch = 0; epoch < epochs; ++epoch) {
        const FreezeDecision decision = policy.decide(names, epoch, epochs);
        for (size_t i = 0; i < names.size(); ++i) {
            always_frozen[i] = always_frozen[i] && !decision.block_trains[i];
        }
    }
    return std::find(always_frozen.begin(), always_frozen.end(), true) != always_frozen.end();
}

// The freeze policies that keep a block of `slot`'s encoder frozen
// throughout `budget`'s schedule.
std::vector<size_t> frozen_policies(const ExperimentSetup& setup, const PluginSlot& slot,
                                    const LabelBudget& budget) {
    const std::shared_ptr<Encoder> encoder = setup.make_encoder(slot, 0);
    const int epochs = setup.manifest.evaluation.schedule_for(budget).epochs;
    std::vector<size_t> frozen;
    for (size_t i = 0; i < setup.freeze_policies.size(); ++i) {
        if (keeps_a_block_frozen(*setup.freeze_policies[i], *encoder, epochs)) frozen.push_back(i);
    }
    return frozen;
}

// Refuses a comparison whose models differ in size: the point of the baseline
// is that only the initialisation differs. `sizes` holds the size of the first
// model seen for each baseline.
void require_equal_size(const DownstreamResult& row, std::map<std::string, int64_t>& sizes) {
    // k nearest neighbours has no head: it is compared only with other kNN rows.
    if (row.head_parameters == 0) return;
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
    summary.pretrained_from = result.pretrained_from;
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

// Test images shown in the embedding projections.
constexpr int64_t kProjectedImages = 2000;

ProjectionSummary project(const ExperimentSetup& setup, const std::string& label,
                          Encoder& encoder, const std::vector<int32_t>& test_labels,
                          const fs::path& folder) {
    std::vector<int64_t> indices(
        static_cast<size_t>(std::min<int64_t>(kProjectedImages, test_labels.size())));
    std::iota(indices.begin(), indices.end(), 0);
    const Projection projection =
        project_2d(embed(*setup.dataset, encoder, Split::kTest, indices));
    const std::vector<int32_t> labels(test_labels.begin(), test_labels.begin() + indices.size());
    ProjectionSummary summary{label, "images/" + file_stem(label) + "-embeddings.png",
                              projection.explained_x, projection.explained_y};
    write_scatter(projection.x, projection.y, labels, folder / summary.image);
    return summary;
}

}  // namespace

RunResults run_experiment(const ExperimentSetup& setup, const fs::path& folder,
                          const EarlierRun* earlier) {
    const auto start = std::chrono::steady_clock::now();
    const Manifest& manifest = setup.manifest;
    const EvaluationSpec& evaluation = manifest.evaluation;
    fs::create_directories(folder / "images");
    fs::create_directories(folder / "checkpoints");
    write_text(folder / "manifest.json", boost::json::serialize(to_json(manifest)) + "\n");
    set_num_threads(manifest.threads);

    RunResults results;
    results.experiment = manifest.name;
    results.class_names = setup.dataset->info().class_names;
    if (results.class_names.empty()) {
        for (int c = 0; c < setup.dataset->info().num_classes; ++c) {
            results.class_names.push_back(fmt::format("class {}", c));
        }
    }
    const std::vector<int32_t> train_labels = setup.dataset->labels(Split::kTrain);
    const std::vector<int32_t> test_labels = setup.dataset->labels(Split::kTest);
    const int classes = setup.dataset->info().num_classes;
    const std::vector<EncoderSpec> specs = encoder_specs(manifest);
    std::map<std::string, int64_t> sizes;
    const auto record = [&](DownstreamResult row) {
        results.rows.push_back(std::move(row));
        require_equal_size(results.rows.back(), sizes);
        // Rewritten after every row, so a run that fails later keeps what it finished.
        write_results_json(results, folder / "results.json");
        write_results_csv(results, folder / "results.csv");
    };

    for (uint64_t seed : manifest.seeds) {
        // 1. Pretraining: no labels.
        std::vector<PretrainResult> pretrained;
        for (size_t i = 0; i < manifest.pretexts.size(); ++i) {
            pretrained.push_back(earlier != nullptr ? earlier->load(setup, i, seed)
                                                    : pretrain(setup, i, seed));
            results.pretraining.push_back(summarise(pretrained.back(), folder));
        }
        if (seed == manifest.seeds.front()) {
            for (const PretrainResult& result : pretrained) {
                results.projections.push_back(
                    project(setup, result.label, *result.encoder, test_labels, folder));
            }
            for (const EncoderSpec& spec : specs) {
                if (!evaluation.control) break;
                const std::shared_ptr<Encoder> random = setup.make_encoder(*spec.slot, seed);
                results.projections.push_back(
                    project(setup, spec.control, *random, test_labels, folder));
            }
        }

        // 2. Downstream, on one labeled subset per budget shared by every method.
        for (const LabelBudget& budget : evaluation.label_budgets) {
            if (!evaluation.schedule_for(budget).runs_seed(seed)) continue;
            const std::vector<int64_t> labeled =
                stratified_subset(train_labels, classes, budget.count, seed);
            logger("experiment").info("seed {}, {} labels: {} labeled training images", seed,
                                      budget.str(), labeled.size());
            std::vector<DownstreamRun> runs;
            std::vector<FrozenRun> frozen_runs;
            for (const EncoderSpec& spec : specs) {
                if (!evaluation.baseline) break;
                runs.push_back({spec.baseline, spec.baseline, "", spec.slot, nullptr, std::nullopt,
                                budget, seed, &labeled});
            }
            for (const EncoderSpec& spec : specs) {
                if (!evaluation.control) break;
                const std::vector<size_t> frozen = frozen_policies(setup, *spec.slot, budget);
                for (size_t policy : frozen) {
                    runs.push_back({spec.control, spec.baseline, "", spec.slot, nullptr, policy,
                                    budget, seed, &labeled});
                }
                frozen_runs.push_back(
                    {spec.control, spec.baseline, "", spec.slot, nullptr, budget, seed, &labeled});
            }
            for (size_t i = 0; i < pretrained.size(); ++i) {
                const EncoderSpec& spec = spec_of(specs, manifest.encoder_for(i));
                const std::string control = evaluation.control ? spec.control : "";
                const std::vector<size_t> frozen = frozen_policies(setup, *spec.slot, budget);
                for (size_t policy = 0; policy < evaluation.freeze_policies.size(); ++policy) {
                    const bool paired =
                        std::find(frozen.begin(), frozen.end(), policy) != frozen.end();
                    runs.push_back({pretrained[i].label, spec.baseline, paired ? control : "",
                                    spec.slot, pretrained[i].encoder.get(), policy, budget, seed,
                                    &labeled});
                }
                frozen_runs.push_back({pretrained[i].label, spec.baseline, control, spec.slot,
                                       pretrained[i].encoder.get(), budget, seed, &labeled});
            }
            for (const DownstreamRun& run : runs) {
                record(train_downstream(setup, run, train_labels, test_labels));
            }
            if (evaluation.protocols.empty()) continue;
            for (const FrozenRun& run : frozen_runs) {
                for (DownstreamResult& row : evaluate_frozen(setup, run, train_labels, test_labels)) {
                    record(std::move(row));
                }
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
