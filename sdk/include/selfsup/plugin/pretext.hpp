#pragma once

// Pretext: the self-supervised task that trains an encoder without labels.
//
// A pretext is made for one encoder and one data shape. It builds its own
// modules (a decoder, a projector, a rotation head, an EMA target network)
// and, for a batch of unlabeled images, returns a scalar loss built with SDK
// ops, through which gradients reach the encoder and its own modules. It
// owns everything about the task: how inputs are corrupted or augmented, what
// the target is, and any state across steps. It never sees labels.
//
// The families it covers without special cases in the framework:
// - reconstruction (autoencoder, denoising, inpainting): corrupt, encode,
//   decode, compare with the clean image;
// - self-labelled classification (rotation): make the target from the input;
// - two views (SimCLR-style): augment twice, project, contrast;
// - momentum targets (BYOL-style): keep an EMA copy of the encoder in the
//   pretext and update it in after_step().
//
// Ownership: the pretext owns its modules; they are discarded with it after
// pretraining. It keeps no reference to the encoder beyond a call (the EMA
// copy is its own). Not thread-safe. A throwing loss() leaves parameters
// unchanged (nothing is updated before the optimizer steps).

#include <memory>
#include <string>
#include <vector>

#include "selfsup/module.hpp"
#include "selfsup/plugin/dataset.hpp"
#include "selfsup/plugin/encoder.hpp"

namespace selfsup {

struct PretextContext {
    const DatasetInfo& dataset;
    // The encoder it will train, for reading shapes and widths (and for
    // copying, in momentum methods). Not to be stored.
    Encoder& encoder;
    uint64_t seed = 0;
};

// A named picture for the report: e.g. "input", "corrupted", "reconstruction",
// each [N, C, H, W] in the dataset's value range.
struct Preview {
    std::string name;
    Tensor images;
};

class SELFSUP_API Pretext {
public:
    virtual ~Pretext();

    // The scalar loss for a batch of unlabeled images [N, C, H, W], with the
    // encoder and the pretext's modules in training mode.
    virtual Tensor loss(Encoder& encoder, const Tensor& images) = 0;

    // The pretext's own modules, named, trained alongside the encoder; their
    // parameters are counted in the report.
    virtual std::vector<std::pair<std::string, Module*>> modules() = 0;

    // Called after each optimizer step, with the step counted from 1; e.g.
    // to update an EMA target. `total_steps` allows schedules.
    virtual void after_step(Encoder& encoder, int64_t step, int64_t total_steps);

    // Pictures that show what the pretext does to `images`, for the report;
    // none by default. Called under NoGradGuard with modules in eval mode.
    virtual std::vector<Preview> previews(Encoder& encoder, const Tensor& images);
};

}  // namespace selfsup
