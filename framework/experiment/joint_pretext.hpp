#pragma once

// JointPretext: a pretext and its auxiliary pretexts (manifest key
// "auxiliary") trained as one. Each step's loss is the main pretext's plus
// each auxiliary's times its weight, on the same batch and encoder; every
// pretext keeps its own modules, randomness and after_step(). The framework
// builds it; plugins never see it.

#include <memory>
#include <string>
#include <vector>

#include "selfsup/plugin/pretext.hpp"

namespace selfsup {

class JointPretext final : public Pretext {
public:
    struct Part {
        std::shared_ptr<Pretext> pretext;
        float weight = 1.0f;
        // Where the part sits in the manifest, e.g. "pretexts[0].auxiliary[1]",
        // and its plugin: they name its modules and its errors.
        std::string json_path;
        std::string plugin;
    };

    // `main` has weight 1; `auxiliary` is not empty.
    JointPretext(Part main, std::vector<Part> auxiliary);

    // Throws ShapeError naming the part whose loss is not a scalar.
    Tensor loss(Encoder& encoder, const Tensor& images) override;
    // The main pretext's modules under their own names, each auxiliary's as
    // "PLUGIN[J].NAME" (J its index in "auxiliary").
    std::vector<std::pair<std::string, Module*>> modules() override;
    void after_step(Encoder& encoder, int64_t step, int64_t total_steps) override;
    // The main pretext's pictures.
    std::vector<Preview> previews(Encoder& encoder, const Tensor& images) override;

private:
    std::vector<Part> parts_;
};

}  // namespace selfsup
