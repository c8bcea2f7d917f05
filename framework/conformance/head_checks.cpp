// The head contract: logits [N, classes] for any batch size, and gradients
// that reach both the head's parameters and its input (the encoder).

#include <fmt/format.h>

#include "conformance/checks.hpp"
#include "experiment/module_state.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/ops/arithmetic.hpp"
#include "selfsup/ops/reduce.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::conformance {

namespace {

constexpr int64_t kEmbeddingWidth = 16;
constexpr int kClasses = 10;

std::shared_ptr<Head> make(const LoadedPlugin& plugin, const boost::json::value& params,
                           uint64_t seed) {
    return make_head(plugin, params, kParamsPath, HeadContext{kEmbeddingWidth, kClasses, seed});
}

Tensor embeddings(int64_t count, uint64_t seed) {
    Rng rng(seed);
    Tensor dst = Tensor::empty({count, kEmbeddingWidth});
    for (int64_t i = 0; i < dst.numel(); ++i) dst.data()[i] = rng.normal();
    return dst;
}


}  // namespace

void check_head(CheckList& checks, KitPlugin& kit) {
    std::shared_ptr<Head> head;
    checks.run(kit.params.is_null() ? "constructs from the defaults" : "constructs from --params",
               true, [&] {
                   head = make(kit.plugin, kit.params, kit.seed);
                   return fmt::format("{} -> {} classes, {} parameters", kEmbeddingWidth, kClasses,
                                      with_thousands(head->parameter_count()));
               });
    check_parameter_rejection(checks, kit, [&](const boost::json::value& params) {
        make(kit.plugin, params, kit.seed);
    });
    if (!head) checks.block("the head could not be constructed");

    checks.run(fmt::format("logits are [N, {}] for N = 1, 2, 5", kClasses), true, [&] {
        NoGradGuard no_grad;
        head->train();
        for (int64_t count : {1, 2, 5}) {
            const Tensor dst = head->forward(embeddings(count, kit.seed));
            require(dst.shape() == Shape{count, kClasses},
                    fmt::format("embeddings [{}, {}] gave logits {}, expected [{}, {}]", count,
                                kEmbeddingWidth, dst.shape().str(), count, kClasses));
            require(all_finite(dst), "the logits are not all finite");
        }
        return "";
    });

    checks.run("gradients reach the head's parameters and its input", true, [&] {
        head->train();
        head->zero_grad();
        Tensor src = embeddings(5, kit.seed);
        src.set_requires_grad(true);
        weighted_sum(head->forward(src), kit.seed + 1).backward();
        for (const NamedTensor& param : head->named_parameters()) {
            const Tensor grad = param.tensor.grad();
            require(grad.defined() && all_finite(grad) && any_nonzero(grad),
                    "parameter " + param.name + " got no finite, non-zero gradient");
        }
        const Tensor grad = src.grad();
        require(grad.defined() && all_finite(grad) && any_nonzero(grad),
                "no gradient reached the head's input, so the encoder under it cannot train");
        head->zero_grad();
        return "";
    });

    check_seeding_and_isolation<Head>(
        checks, [&](uint64_t seed) { return make(kit.plugin, kit.params, seed); },
        embeddings(2, kit.seed), kit.seed, "head", "logits");

    head.reset();
    check_destruction(checks, kit, [&](const LoadedPlugin& plugin) -> std::function<void()> {
        std::shared_ptr<Head> made = make(plugin, kit.params, kit.seed);
        return [made, seed = kit.seed] {
            weighted_sum(made->forward(embeddings(2, seed)), seed).backward();
        };
    });
}

}  // namespace selfsup::conformance
