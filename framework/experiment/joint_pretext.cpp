#include "experiment/joint_pretext.hpp"

#include <fmt/format.h>

#include "selfsup/errors.hpp"
#include "selfsup/ops/arithmetic.hpp"

namespace selfsup {

JointPretext::JointPretext(Part main, std::vector<Part> auxiliary) {
    SELFSUP_CHECK(!auxiliary.empty(), "a joint pretext needs an auxiliary pretext");
    parts_.push_back(std::move(main));
    for (Part& part : auxiliary) parts_.push_back(std::move(part));
}

Tensor JointPretext::loss(Encoder& encoder, const Tensor& images) {
    Tensor total;
    for (size_t i = 0; i < parts_.size(); ++i) {
        const Part& part = parts_[i];
        const Tensor loss = part.pretext->loss(encoder, images);
        if (loss.numel() != 1) {
            throw ShapeError(fmt::format("{} ({}): its loss has shape {}, not a scalar",
                                         part.json_path, part.plugin, loss.shape().str()));
        }
        const Tensor weighted = i == 0 ? loss : ops::scale(loss, part.weight);
        total = i == 0 ? weighted : ops::add(total, weighted);
    }
    return total;
}

std::vector<std::pair<std::string, Module*>> JointPretext::modules() {
    std::vector<std::pair<std::string, Module*>> all = parts_.front().pretext->modules();
    for (size_t i = 1; i < parts_.size(); ++i) {
        for (const auto& [name, module] : parts_[i].pretext->modules()) {
            all.emplace_back(fmt::format("{}[{}].{}", parts_[i].plugin, i - 1, name), module);
        }
    }
    return all;
}

void JointPretext::after_step(Encoder& encoder, int64_t step, int64_t total_steps) {
    for (const Part& part : parts_) part.pretext->after_step(encoder, step, total_steps);
}

std::vector<Preview> JointPretext::previews(Encoder& encoder, const Tensor& images) {
    return parts_.front().pretext->previews(encoder, images);
}

}  // namespace selfsup
