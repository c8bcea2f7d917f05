#pragma once

// ReconstructionPretext: what the autoencoder, denoising and inpainting
// pretexts share. Each step it corrupts the batch (a subclass decides how;
// the autoencoder does not), encodes the corrupted images, decodes the
// embedding and compares the result with the clean images.
//
// Value ranges. Corruptions work in the dataset's value range. The target is
// the clean image mapped onto the range of the output activation: [0, 1] for
// sigmoid, [-1, 1] for tanh, the dataset's own range for linear. With tanh the
// encoder's input is rescaled to [-1, 1] as well (and the pretext says so in
// the log). Previews map the reconstruction back to the dataset's range.
//
// Parameters every reconstruction pretext takes (reconstruction_schema()):
// the decoder's (see decoder.hpp), "output_activation" (sigmoid, linear,
// tanh; relu is refused) and "loss" (bce, mse; bce needs a sigmoid output).
// Invalid combinations throw ManifestError from the constructor, naming the
// parameter's JSON path.
//
// The corruption Rng belongs to the pretext, seeded from the context's seed
// (apart from the decoder's), and advances every call, so each step sees a
// new corruption and one seed replays the same sequence. Not thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "decoder.hpp"
#include "selfsup/plugin/pretext.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::reconstruction {

// The schema of a reconstruction pretext: its own entries (JSON object
// members without the braces, or "") followed by the shared ones.
std::string reconstruction_schema(const std::string& own_entries);

enum class OutputActivation { kSigmoid, kLinear, kTanh };
enum class LossKind { kBce, kMse };

// A batch as the encoder should see it, and where the loss looks.
struct Corruption {
    // [N, C, H, W] in the dataset's value range; may be the clean batch itself.
    Tensor images;
    // 1 where the loss counts and 0 elsewhere, the shape of `images`;
    // undefined means everywhere.
    Tensor loss_mask;
};

class ReconstructionPretext : public Pretext {
public:
    Tensor loss(Encoder& encoder, const Tensor& images) override;
    std::vector<std::pair<std::string, Module*>> modules() override;
    std::vector<Preview> previews(Encoder& encoder, const Tensor& images) override;

protected:
    // `name` is the plugin's, for log messages and errors.
    ReconstructionPretext(std::string name, const Params& params, const PretextContext& context);

    // The batch the encoder sees for clean `images` [N, C, H, W] (already
    // checked against the dataset's shape), drawn from `rng`. Computed on the
    // CPU into new tensors: nothing needs a gradient through it.
    virtual Corruption corrupt(const Tensor& images, Rng& rng) = 0;
    // False when corrupt() returns the batch unchanged (no "corrupted" preview).
    virtual bool corrupts() const { return true; }

    const std::string& name() const { return name_; }
    const DatasetInfo& dataset() const { return dataset_; }

private:
    struct Forward {
        Corruption corruption;
        // Decoder output before the output activation.
        Tensor logits;
    };
    Forward run(Encoder& encoder, const Tensor& images, const char* caller);
    Tensor compare(const Tensor& logits, const Tensor& target, const Tensor& mask) const;
    Tensor activate(const Tensor& logits) const;

    std::string name_;
    DatasetInfo dataset_;
    OutputActivation activation_ = OutputActivation::kSigmoid;
    LossKind loss_ = LossKind::kBce;
    // x -> x * target_scale_ + target_offset_ maps the dataset's range onto
    // the output activation's.
    float target_scale_ = 1.0f;
    float target_offset_ = 0.0f;
    std::shared_ptr<Decoder> decoder_;
    Rng rng_;
};

}  // namespace selfsup::reconstruction
