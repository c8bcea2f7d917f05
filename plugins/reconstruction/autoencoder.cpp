// autoencoder: reconstruct the image from its own embedding. Without
// corruption, what makes it learn features is the bottleneck: the embedding
// must be narrower than the image (the pretext warns when it is not).

#include "reconstruction.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup::reconstruction {
namespace {

class AutoencoderPretext final : public ReconstructionPretext {
public:
    AutoencoderPretext(const Params& params, const PretextContext& context)
        : ReconstructionPretext("autoencoder", params, context) {}

protected:
    Corruption corrupt(const Tensor& images, Rng&) override { return {images, Tensor()}; }
    bool corrupts() const override { return false; }
};

}  // namespace
}  // namespace selfsup::reconstruction

SELFSUP_PLUGIN(selfsup::describe_pretext<selfsup::reconstruction::AutoencoderPretext>(
    "autoencoder", "1.0.0",
    "Encode the image, decode it, and compare with the image itself (a bottleneck autoencoder).",
    selfsup::reconstruction::reconstruction_schema("")))
