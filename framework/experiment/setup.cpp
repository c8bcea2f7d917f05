#include "experiment/setup.hpp"

#include <cmath>

#include "experiment/joint_pretext.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "support/logging.hpp"

namespace selfsup {

namespace {

constexpr int64_t kDummyBatch = 2;

// Runs `check`; a shape problem inside becomes a ManifestError that says
// which slot and plugin it came from.
template <typename Check>
void in_slot(const PluginSlot& slot, const Check& check) {
    try {
        check();
    } catch (const ShapeError& error) {
        throw ManifestError(slot.json_path + " (" + slot.plugin + "): " + error.what());
    }
}

// Replaces the slot's params with the plugin's resolved ones (or throws the
// validation error naming the JSON path).
void resolve_params(PluginSlot& slot, const LoadedPlugin& plugin) {
    slot.params = plugin.schema.validate(slot.params, slot.json_path + ".params").json();
}

Shape batch_shape(const Shape& sample, int64_t batch) {
    Shape shape{batch};
    for (int64_t dim : sample) shape.push_back(dim);
    return shape;
}

void check_encoder(const PluginSlot& slot, Encoder& encoder, const Tensor& batch) {
    in_slot(slot, [&] {
        const Tensor embedding = encoder.forward(batch);
        const Shape expected{kDummyBatch, encoder.embedding_width()};
        if (embedding.shape() != expected) {
            throw ShapeError("the encoder returned " + embedding.shape().str() + " for input " +
                             batch.shape().str() + ", but declares embeddings " + expected.str());
        }
        int64_t covered = 0;
        for (const EncoderBlock& block : encoder.blocks()) covered += block.module->parameter_count();
        if (covered != encoder.parameter_count()) {
            throw ShapeError("its blocks hold " + std::to_string(covered) + " of its " +
                             std::to_string(encoder.parameter_count()) + " parameters");
        }
    });
}

void check_head(const ExperimentSetup& setup, const Encoder& encoder) {
    in_slot(setup.manifest.evaluation.head, [&] {
        const int classes = setup.dataset->info().num_classes;
        auto head = setup.make_head(encoder.embedding_width(), 0);
        const Tensor logits = head->forward(Tensor::zeros({kDummyBatch, encoder.embedding_width()}));
        if (logits.shape() != Shape{kDummyBatch, classes}) {
            throw ShapeError("the head returned " + logits.shape().str() + " for embeddings [" +
                             std::to_string(kDummyBatch) + ", " +
                             std::to_string(encoder.embedding_width()) + "], but the dataset has " +
                             std::to_string(classes) + " classes");
        }
    });
}

void check_pretext(const ExperimentSetup& setup, size_t i, Encoder& encoder, const Tensor& batch) {
    const PluginSlot& slot = setup.manifest.pretexts[i].slot;
    in_slot(slot, [&] {
        auto pretext = setup.make_pretext(i, encoder, 0);
        const Tensor loss = pretext->loss(encoder, batch);
        if (loss.numel() != 1) {
            throw ShapeError("its loss has shape " + loss.shape().str() + ", not a scalar");
        }
        if (!std::isfinite(loss.item())) {
            throw ManifestError(slot.json_path + " (" + slot.plugin +
                                "): its loss on a batch of zeros is " +
                                std::to_string(loss.item()));
        }
    });
}

void check_freeze_policies(const ExperimentSetup& setup, const Encoder& encoder) {
    std::vector<std::string> names;
    for (const EncoderBlock& block : encoder.blocks()) names.push_back(block.name);
    for (size_t i = 0; i < setup.freeze_policies.size(); ++i) {
        const PluginSlot& slot = setup.manifest.evaluation.freeze_policies[i];
        in_slot(slot, [&] {
            const FreezeDecision decision = setup.freeze_policies[i]->decide(names, 0, 1);
            if (decision.block_trains.size() != names.size()) {
                throw ShapeError("its decision covers " +
                                 std::to_string(decision.block_trains.size()) +
                                 " blocks, but the encoder has " + std::to_string(names.size()));
            }
        });
    }
}

}  // namespace

std::shared_ptr<Encoder> ExperimentSetup::make_encoder(const PluginSlot& slot,
                                                       uint64_t seed) const {
    return selfsup::make_encoder(registry->require(slot.plugin, PluginKind::kEncoder, slot.json_path),
                                 slot.params, slot.json_path + ".params",
                                 EncoderContext{dataset->info().sample_shape, seed});
}

std::shared_ptr<Head> ExperimentSetup::make_head(int64_t embedding_width, uint64_t seed) const {
    const PluginSlot& slot = manifest.evaluation.head;
    return selfsup::make_head(registry->require(slot.plugin, PluginKind::kHead, slot.json_path),
                              slot.params, slot.json_path + ".params",
                              HeadContext{embedding_width, dataset->info().num_classes, seed});
}

std::shared_ptr<Pretext> ExperimentSetup::make_pretext(size_t index, Encoder& encoder,
                                                       uint64_t seed) const {
    const PretextSpec& spec = manifest.pretexts.at(index);
    const auto make = [&](const PluginSlot& slot, uint64_t part_seed) {
        return selfsup::make_pretext(
            registry->require(slot.plugin, PluginKind::kPretext, slot.json_path), slot.params,
            slot.json_path + ".params", PretextContext{dataset->info(), encoder, part_seed});
    };
    std::shared_ptr<Pretext> main = make(spec.slot, seed);
    if (spec.auxiliary.empty()) return main;
    std::vector<JointPretext::Part> auxiliary;
    for (size_t j = 0; j < spec.auxiliary.size(); ++j) {
        const AuxiliarySpec& extra = spec.auxiliary[j];
        // Each auxiliary draws from its own stream of the seed, not the main one's.
        const uint64_t part_seed = seed ^ (0x9e3779b97f4a7c15ULL * (j + 1));
        auxiliary.push_back({make(extra.slot, part_seed), extra.weight, extra.slot.json_path,
                             extra.slot.plugin});
    }
    return std::make_shared<JointPretext>(
        JointPretext::Part{std::move(main), 1.0f, spec.slot.json_path, spec.slot.plugin},
        std::move(auxiliary));
}

ExperimentSetup prepare_experiment(Manifest manifest, const PluginRegistry& registry) {
    ExperimentSetup setup;
    setup.registry = &registry;

    // 1. Every plugin exists, has the right kind, and takes the given parameters.
    auto resolve = [&](PluginSlot& slot, PluginKind kind) {
        resolve_params(slot, registry.require(slot.plugin, kind, slot.json_path));
    };
    resolve(manifest.dataset, PluginKind::kDataset);
    resolve(manifest.encoder, PluginKind::kEncoder);
    for (PretextSpec& pretext : manifest.pretexts) {
        resolve(pretext.slot, PluginKind::kPretext);
        for (AuxiliarySpec& extra : pretext.auxiliary) resolve(extra.slot, PluginKind::kPretext);
        if (pretext.encoder) resolve(*pretext.encoder, PluginKind::kEncoder);
    }
    resolve(manifest.evaluation.head, PluginKind::kHead);
    for (PluginSlot& slot : manifest.evaluation.freeze_policies) {
        resolve(slot, PluginKind::kFreezePolicy);
    }
    setup.manifest = std::move(manifest);
    const Manifest& resolved = setup.manifest;

    // 2. The dataset and the freeze policies, which every run shares.
    const PluginSlot& data_slot = resolved.dataset;
    setup.dataset = selfsup::make_dataset(
        registry.require(data_slot.plugin, PluginKind::kDataset, data_slot.json_path),
        data_slot.params, data_slot.json_path + ".params");
    for (const PluginSlot& slot : resolved.evaluation.freeze_policies) {
        setup.freeze_policies.push_back(selfsup::make_freeze_policy(
            registry.require(slot.plugin, PluginKind::kFreezePolicy, slot.json_path), slot.params,
            slot.json_path + ".params"));
    }
    const DatasetInfo& info = setup.dataset->info();
    logger("experiment").info("dataset {}: {} train and {} test images of {}, {} classes",
                              data_slot.label, info.train_size, info.test_size,
                              info.sample_shape.str(), info.num_classes);

    // 3. Shapes, end to end, on a dummy batch of zeros, for every encoder spec:
    //    the manifest's (index -1 here) and each pretext's own.
    NoGradGuard no_grad;
    const Tensor batch = Tensor::zeros(batch_shape(info.sample_shape, kDummyBatch));
    for (int64_t owner = -1; owner < static_cast<int64_t>(resolved.pretexts.size()); ++owner) {
        if (owner >= 0 && !resolved.pretexts[owner].encoder) continue;
        const PluginSlot& slot = owner < 0 ? resolved.encoder : *resolved.pretexts[owner].encoder;
        std::shared_ptr<Encoder> encoder;
        in_slot(slot, [&] { encoder = setup.make_encoder(slot, 0); });
        check_encoder(slot, *encoder, batch);
        check_head(setup, *encoder);
        check_freeze_policies(setup, *encoder);
        for (size_t i = 0; i < resolved.pretexts.size(); ++i) {
            if (&resolved.encoder_for(i) == &slot) check_pretext(setup, i, *encoder, batch);
        }
    }
    return setup;
}

}  // namespace selfsup
