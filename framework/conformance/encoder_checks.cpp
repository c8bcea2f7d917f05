// The encoder contract: embeddings of the declared width for any batch size,
// a gradient for every parameter, named blocks that hold every parameter
// exactly once, and no state shared between instances.

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "conformance/checks.hpp"
#include "experiment/module_state.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/ops/arithmetic.hpp"
#include "selfsup/ops/reduce.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::conformance {

namespace {

// Encoders see 1x28x28 images: small, and the shape a real run uses most.
const Shape kSample{1, 28, 28};

std::shared_ptr<Encoder> make(const LoadedPlugin& plugin, const boost::json::value& params,
                              uint64_t seed) {
    return make_encoder(plugin, params, kParamsPath, EncoderContext{kSample, seed});
}

Tensor images(int64_t count, uint64_t seed) {
    Rng rng(seed);
    Tensor dst = Tensor::empty({count, kSample[0], kSample[1], kSample[2]});
    for (int64_t i = 0; i < dst.numel(); ++i) dst.data()[i] = rng.uniform();
    return dst;
}


}  // namespace

void check_encoder(CheckList& checks, KitPlugin& kit) {
    std::shared_ptr<Encoder> encoder;
    checks.run(kit.params.is_null() ? "constructs from the defaults" : "constructs from --params",
               true, [&] {
                   encoder = make(kit.plugin, kit.params, kit.seed);
                   return fmt::format("embedding width {}, {} parameters",
                                      encoder->embedding_width(),
                                      with_thousands(encoder->parameter_count()));
               });
    check_parameter_rejection(checks, kit, [&](const boost::json::value& params) {
        make(kit.plugin, params, kit.seed);
    });
    if (!encoder) checks.block("the encoder could not be constructed");

    checks.run("embeddings are [N, embedding_width()] for N = 1, 2, 5", true, [&] {
        NoGradGuard no_grad;
        encoder->train();
        const int64_t width = encoder->embedding_width();
        for (int64_t count : {1, 2, 5}) {
            const Tensor src = images(count, kit.seed);
            const Tensor dst = encoder->forward(src);
            require(dst.shape() == Shape{count, width},
                    fmt::format("a batch {} gave embeddings {}, but embedding_width() declares {}",
                                src.shape().str(), dst.shape().str(), width));
            require(all_finite(dst),
                    fmt::format("a batch {} gave non-finite embeddings", src.shape().str()));
        }
        return "";
    });

    checks.run("every parameter gets a finite, non-zero gradient", true, [&] {
        encoder->train();
        encoder->zero_grad();
        weighted_sum(encoder->forward(images(5, kit.seed)), kit.seed + 1).backward();
        for (const NamedTensor& param : encoder->named_parameters()) {
            const Tensor grad = param.tensor.grad();
            require(grad.defined(), "parameter " + param.name + " got no gradient");
            require(all_finite(grad), "parameter " + param.name + " got a non-finite gradient");
            require(any_nonzero(grad), "parameter " + param.name + " got an all-zero gradient");
        }
        encoder->zero_grad();
        return std::to_string(encoder->named_parameters().size()) + " parameter tensors";
    });

    checks.run("named blocks hold every parameter exactly once", true, [&] {
        std::map<const void*, std::string> owner;
        const std::vector<EncoderBlock> blocks = encoder->blocks();
        require(!blocks.empty(), "blocks() is empty; freeze policies need at least one block");
        std::vector<std::string> names;
        for (const EncoderBlock& block : blocks) {
            require(!block.name.empty(), "a block has an empty name");
            require(std::find(names.begin(), names.end(), block.name) == names.end(),
                    "two blocks are called '" + block.name + "'");
            names.push_back(block.name);
            require(block.module != nullptr, "block '" + block.name + "' has no module");
            for (const NamedTensor& param : block.module->named_parameters()) {
                const auto [found, fresh] = owner.emplace(param.tensor.id(), block.name);
                require(fresh, "a parameter (" + param.name + ") is in both block '" +
                                   found->second + "' and block '" + block.name + "'");
            }
        }
        size_t covered = 0;
        for (const NamedTensor& param : encoder->named_parameters()) {
            require(owner.count(param.tensor.id()) == 1,
                    "parameter " + param.name + " is in no block, so no freeze policy can "
                    "freeze it");
            ++covered;
        }
        require(covered == owner.size(), fmt::format("the blocks hold {} parameters that the "
                                                     "encoder's parameters() does not list",
                                                     owner.size() - covered));
        std::string list;
        for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
        return list;
    });

    checks.run("a batch of the wrong shape is refused with ShapeError", false, [&] {
        const Tensor wrong = Tensor::zeros({2, kSample[0] + 1, kSample[1], kSample[2]});
        try {
            encoder->forward(wrong);
        } catch (const ShapeError&) {
            return std::string();
        } catch (const std::exception& error) {
            throw CheckFailure("a batch " + wrong.shape().str() + " threw " + error_kind(error) +
                               " instead: " + error.what());
        }
        throw CheckFailure("a batch " + wrong.shape().str() + " was accepted");
    });

    check_seeding_and_isolation<Encoder>(
        checks, [&](uint64_t seed) { return make(kit.plugin, kit.params, seed); },
        images(2, kit.seed), kit.seed, "encoder", "embeddings");

    encoder.reset();
    check_destruction(checks, kit, [&](const LoadedPlugin& plugin) -> std::function<void()> {
        std::shared_ptr<Encoder> made = make(plugin, kit.params, kit.seed);
        return [made, seed = kit.seed] {
            made->blocks();
            weighted_sum(made->forward(images(2, seed)), seed).backward();
        };
    });
}

}  // namespace selfsup::conformance
