#pragma once

// ExperimentSetup: a manifest made concrete. prepare_experiment() finds every
// plugin the manifest names, validates each plugin's parameters against its
// schema, opens the dataset, and checks shapes end to end on a dummy batch:
// encoder output against its declared width, head output against the class
// count, each pretext's loss, and each freeze policy's decision, so that a
// mistake shows before any training. It is everything `selfsup validate`
// does, and the first thing `selfsup run` does.
//
// Errors are ManifestError (unknown plugin, bad parameter, a shape that does
// not fit, naming the slot's JSON path and plugin), DataError (a dataset file)
// or PluginError (a broken plugin). The setup owns the dataset and the freeze
// policies; the encoder, heads and pretexts are made fresh per run with
// make_encoder() and friends, so every run starts from its own seed.
//
// A pretext may name an encoder of its own; shapes are checked for every
// encoder spec, and each spec gets its own baseline in a run.

#include <memory>
#include <vector>

#include "manifest/manifest.hpp"
#include "plugins/plugin_registry.hpp"

namespace selfsup {

struct ExperimentSetup {
    // Slots' params are the resolved ones (defaults filled in).
    Manifest manifest;
    const PluginRegistry* registry = nullptr;
    std::shared_ptr<Dataset> dataset;
    std::vector<std::shared_ptr<FreezePolicy>> freeze_policies;

    // An encoder of `slot` (the manifest's, or a pretext's own).
    std::shared_ptr<Encoder> make_encoder(const PluginSlot& slot, uint64_t seed) const;
    std::shared_ptr<Head> make_head(int64_t embedding_width, uint64_t seed) const;
    std::shared_ptr<Pretext> make_pretext(size_t index, Encoder& encoder, uint64_t seed) const;
};

// `registry` must outlive the setup.
ExperimentSetup prepare_experiment(Manifest manifest, const PluginRegistry& registry);

}  // namespace selfsup
