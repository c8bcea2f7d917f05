#include "experiment/pretraining.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "experiment/batch_stream.hpp"
#include "experiment/module_state.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/label_guard.hpp"
#include "support/logging.hpp"
#include "support/progress.hpp"

namespace selfsup {

namespace {

constexpr int64_t kPreviewImages = 8;

std::vector<Tensor> trainable_parameters(Encoder& encoder, Pretext& pretext) {
    std::vector<Tensor> params = encoder.parameters();
    for (const auto& [name, module] : pretext.modules()) {
        for (const Tensor& param : module->parameters()) params.push_back(param);
    }
    return params;
}

std::vector<Preview> make_previews(const ExperimentSetup& setup, Encoder& encoder,
                                   Pretext& pretext) {
    std::vector<int64_t> first(std::min(kPreviewImages, setup.dataset->info().train_size));
    std::iota(first.begin(), first.end(), 0);
    NoGradGuard no_grad;
    encoder.eval();
    for (const auto& [name, module] : pretext.modules()) module->eval();
    const Tensor images = setup.dataset->images(Split::kTrain, first);
    const LabelGuard no_labels;
    std::vector<Preview> previews = pretext.previews(encoder, images);
    encoder.train();
    return previews;
}

}  // namespace

PretrainResult pretrain(const ExperimentSetup& setup, size_t index, uint64_t seed) {
    const PretextSpec& spec = setup.manifest.pretexts.at(index);
    const auto start = std::chrono::steady_clock::now();
    PretrainResult result;
    result.label = spec.slot.label;
    result.seed = seed;
    result.encoder = setup.make_encoder(setup.manifest.encoder_for(index), seed);
    Encoder& encoder = *result.encoder;
    // Every call into the pretext runs under a LabelGuard: a pretext that
    // opens a labels file itself is refused, not silently supervised.
    const std::shared_ptr<Pretext> pretext = [&] {
        const LabelGuard no_labels;
        return setup.make_pretext(index, encoder, seed);
    }();
    for (const auto& [name, module] : pretext->modules()) {
        result.pretext_parameters += module->parameter_count();
    }
    logger("pretrain").info("{} (seed {}): encoder {} parameters, pretext modules {}, {} epochs",
                            result.label, seed, encoder.parameter_count(),
                            result.pretext_parameters, spec.epochs);

    // 1. One optimizer over the encoder and the pretext's own modules.
    const std::unique_ptr<Optimizer> optimizer =
        make_optimizer(spec.optimizer, trainable_parameters(encoder, *pretext));
    const int64_t train_size = setup.dataset->info().train_size;
    std::vector<int64_t> all(train_size);
    std::iota(all.begin(), all.end(), 0);
    const int64_t steps_per_epoch = (train_size + spec.batch_size - 1) / spec.batch_size;
    const int64_t total_steps = steps_per_epoch * spec.epochs;

    // 2. Epochs of shuffled batches; labels are never read.
    Progress progress("pretrain " + result.label, total_steps);
    int64_t step = 0;
    double window_sum = 0.0;
    encoder.train();
    for (int epoch = 0; epoch < spec.epochs; ++epoch) {
        BatchStream batches(*setup.dataset, Split::kTrain, all, spec.batch_size, true,
                            seed * 1000003ULL + static_cast<uint64_t>(epoch));
        double loss_sum = 0.0;
        while (std::optional<Batch> batch = batches.next()) {
            const LabelGuard no_labels;
            ++step;
            optimizer->zero_grad();
            Tensor loss = pretext->loss(encoder, batch->images);
            const float value = loss.item();
            if (!std::isfinite(value)) {
                throw NumericalError(fmt::format(
                    "pretext '{}' (seed {}): the loss became {} at epoch {}, step {}; try a "
                    "lower learning rate in pretexts[{}].optimizer.lr",
                    result.label, seed, value, epoch + 1, step, index));
            }
            loss.backward();
            optimizer->step();
            pretext->after_step(encoder, step, total_steps);
            loss_sum += value;
            window_sum += value;
            if (step % kCurveWindow == 0) {
                result.curve.push_back(static_cast<float>(window_sum / kCurveWindow));
                window_sum = 0.0;
            }
            progress.update(step, epoch + 1, spec.epochs, value);
        }
        result.epoch_losses.push_back(static_cast<float>(loss_sum / steps_per_epoch));
        progress.clear();
        logger("pretrain").info("{} (seed {}): epoch {}/{} mean loss {:.4f}", result.label, seed,
                                epoch + 1, spec.epochs, result.epoch_losses.back());
    }
    result.previews = make_previews(setup, encoder, *pretext);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace selfsup
