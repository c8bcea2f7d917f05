#pragma once

// Manifest: one experiment, as a JSON file describes it, checked and with
// every default filled in. See docs/manifest.md for each key.
//
// parse_manifest() validates the structure (keys, types, ranges) and reports
// the first problem as a ManifestError starting with its JSON path. It does
// not look plugins up: that is the planner's job, which also validates each
// plugin's own parameters against its schema.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace selfsup {

// A plugin named in a manifest slot, with its parameters as given.
struct PluginSlot {
    // The label results use: the slot's "name" if given, else the plugin's.
    std::string label;
    std::string plugin;
    boost::json::value params;
    // Where the slot sits, e.g. "pretexts[1]"; its params are at json_path + ".params".
    std::string json_path;
};

struct OptimizerSpec {
    // "sgd", "adam" or "adamw"
    std::string type = "adam";
    float lr = 1e-3f;
    float weight_decay = 0.0f;
    float momentum = 0.0f;
    bool nesterov = false;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
};

// A pretext trained alongside another at every step: its loss, times
// `weight`, is added to the other's (multi-task pretraining).
struct AuxiliarySpec {
    PluginSlot slot;
    float weight = 1.0f;
};

struct PretextSpec {
    PluginSlot slot;
    // An encoder of its own (e.g. an MLP autoencoder beside conv pretexts);
    // nullopt uses the manifest's encoder. Each encoder spec gets its own
    // from-scratch baseline, so comparisons stay like for like.
    std::optional<PluginSlot> encoder;
    OptimizerSpec optimizer;
    int epochs = 10;
    int batch_size = 128;
    // Pretexts whose weighted losses are added to this one's; their modules
    // train with it and are discarded with it.
    std::vector<AuxiliarySpec> auxiliary;
};

// A number of labeled training images, or all of them (count 0).
struct LabelBudget {
    int64_t count = 0;

    bool all() const { return count == 0; }
    // "100", "all"
    std::string str() const;
};

// The downstream schedule for one budget; budgets without one use the
// evaluation's defaults.
struct BudgetSchedule {
    LabelBudget budget;
    int epochs = 0;
    int batch_size = 0;
    // The seeds this budget runs with; empty means every seed of the manifest
    // (e.g. three seeds at small budgets, one at "all").
    std::vector<uint64_t> seeds;

    bool runs_seed(uint64_t seed) const;
};

struct EvaluationSpec {
    PluginSlot head;
    std::vector<PluginSlot> freeze_policies;
    std::vector<LabelBudget> label_budgets;
    OptimizerSpec optimizer;
    int epochs = 20;
    int batch_size = 128;
    std::vector<BudgetSchedule> schedules;
    // Whether to train the same encoder spec and head from scratch.
    bool baseline = true;
    // Protocols on frozen embeddings ("knn", "logistic"), run for every
    // pretext and for the control.
    std::vector<std::string> protocols;
    // Neighbours that vote in the "knn" protocol.
    int knn_k = 20;
    // Whether to evaluate each encoder spec with random frozen weights under
    // every protocol that keeps blocks frozen: the gain a frozen random
    // network gives by itself, which is not pretraining's.
    bool control = true;

    // The epochs and batch size for `budget`.
    BudgetSchedule schedule_for(const LabelBudget& budget) const;
};

struct Manifest {
    // The encoder slot pretext `index` trains: its own, or the manifest's.
    const PluginSlot& encoder_for(size_t index) const;

    std::string name;
    std::vector<uint64_t> seeds;
    int threads = 2;
    std::string output;
    std::vector<std::string> plugin_paths;
    PluginSlot dataset;
    PluginSlot encoder;
    std::vector<PretextSpec> pretexts;
    EvaluationSpec evaluation;
};

// `root` is the manifest's JSON; `source` names it (a file path) for the
// default name. Throws ManifestError.
Manifest parse_manifest(const boost::json::value& root, const std::string& source);

// Keeps only the pretexts whose labels are in `labels`, in the manifest's
// order: `selfsup run --pretexts a,b` reruns part of a manifest. Throws
// ManifestError naming a label the manifest does not have, with the labels
// it does have.
void keep_pretexts(Manifest& manifest, const std::vector<std::string>& labels);

// The manifest with every default filled in, in the manifest format: what a
// run folder records. Slots carry their params as they are at the time (the
// planner replaces them with the plugin's resolved parameters).
boost::json::value to_json(const Manifest& manifest);

}  // namespace selfsup
