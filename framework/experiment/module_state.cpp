#include "experiment/module_state.hpp"

namespace selfsup {

std::vector<Tensor> module_state(const Module& module) {
    std::vector<Tensor> tensors = module.parameters();
    for (const NamedTensor& buffer : module.named_buffers()) tensors.push_back(buffer.tensor);
    return tensors;
}

uint64_t fingerprint(const std::vector<Tensor>& tensors) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const Tensor& tensor : tensors) {
        const auto* bytes = reinterpret_cast<const unsigned char*>(tensor.data());
        const size_t count = static_cast<size_t>(tensor.numel()) * sizeof(float);
        for (size_t i = 0; i < count; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
    }
    return hash;
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSpec& spec, std::vector<Tensor> params) {
    std::vector<ParamGroup> groups{{std::move(params), spec.lr, spec.weight_decay}};
    if (spec.type == "sgd") {
        return std::make_unique<Sgd>(std::move(groups), SgdOptions{spec.momentum, spec.nesterov});
    }
    AdamOptions options;
    options.beta1 = spec.beta1;
    options.beta2 = spec.beta2;
    if (spec.type == "adamw") return std::make_unique<AdamW>(std::move(groups), options);
    return std::make_unique<Adam>(std::move(groups), options);
}

}  // namespace selfsup
