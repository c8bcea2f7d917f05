// The pretext contract, checked on the kit's own encoder and images: a finite
// scalar loss whose gradients reach the encoder, a loss that a few optimizer
// steps on one batch lower, modules reported with their sizes, and no label
// ever read. Every call into the pretext runs under a LabelGuard.

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "conformance/checks.hpp"
#include "conformance/kit_encoder.hpp"
#include "experiment/module_state.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/label_guard.hpp"
#include "selfsup/optim.hpp"

namespace selfsup::conformance {

namespace {

constexpr int64_t kBatch = 8;
constexpr int kSteps = 8;

// An encoder and a pretext made for it.
struct Pair {
    std::unique_ptr<KitEncoder> encoder;
    std::shared_ptr<Pretext> pretext;
};

// Runs calls into a pretext under a LabelGuard and remembers the first
// refused label read, even one the pretext caught and swallowed.
class Guarded {
public:
    template <typename Call>
    auto operator()(Call call) {
        const int64_t refused_before = LabelGuard::refused_reads();
        try {
            const LabelGuard no_labels;
            return call();
        } catch (const DataError& error) {
            if (LabelGuard::refused_reads() > refused_before && first_refusal_.empty()) {
                first_refusal_ = error.what();
            }
            throw;
        }
    }

    // Empty when no label read was refused.
    std::string violation(int64_t refused_at_start) const {
        if (!first_refusal_.empty()) return first_refusal_;
        const int64_t refused = LabelGuard::refused_reads() - refused_at_start;
        if (refused == 0) return "";
        return fmt::format("labels were read while a pretext was running ({} reads refused, and "
                           "the pretext caught the error); pretexts must not use labels",
                           refused);
    }

private:
    std::string first_refusal_;
};

Pair make_pair(const LoadedPlugin& plugin, const boost::json::value& params, uint64_t seed,
               const DatasetInfo& info, Guarded& guarded) {
    Pair pair;
    pair.encoder = std::make_unique<KitEncoder>(seed);
    pair.pretext = guarded([&] {
        return make_pretext(plugin, params, kParamsPath, PretextContext{info, *pair.encoder, seed});
    });
    return pair;
}

void set_training(Pair& pair, bool on) {
    pair.encoder->train(on);
    for (const auto& [name, module] : pair.pretext->modules()) module->train(on);
}

std::vector<Tensor> pretext_state(Pretext& pretext) {
    std::vector<Tensor> state;
    for (const auto& [name, module] : pretext.modules()) {
        for (const Tensor& tensor : module_state(*module)) state.push_back(tensor);
    }
    return state;
}

float first_loss(Pair& pair, const Tensor& images, Guarded& guarded) {
    set_training(pair, true);
    NoGradGuard no_grad;
    return guarded([&] { return pair.pretext->loss(*pair.encoder, images); }).item();
}

}  // namespace

void check_pretext(CheckList& checks, KitPlugin& kit) {
    const DatasetInfo info = kit_dataset_info();
    const Tensor images = kit_images(kBatch, kit.seed);
    const int64_t refused_at_start = LabelGuard::refused_reads();
    Guarded guarded;
    Pair main;

    checks.run(kit.params.is_null() ? "constructs from the defaults" : "constructs from --params",
               true, [&] {
                   main = make_pair(kit.plugin, kit.params, kit.seed, info, guarded);
                   return "on the kit encoder, 1x28x28 images";
               });
    check_parameter_rejection(checks, kit, [&](const boost::json::value& params) {
        make_pair(kit.plugin, params, kit.seed, info, guarded);
    });
    if (!main.pretext) checks.block("the pretext could not be constructed");

    checks.run("modules() are reported with their parameter counts", true, [&] {
        std::set<std::string> names;
        std::set<const void*> encoder_tensors;
        for (const Tensor& param : main.encoder->parameters()) encoder_tensors.insert(param.id());
        std::string detail;
        for (const auto& [name, module] : main.pretext->modules()) {
            require(!name.empty(), "a module has an empty name");
            require(module != nullptr, "module '" + name + "' is null");
            require(names.insert(name).second, "two modules are called '" + name + "'");
            for (const Tensor& param : module->parameters()) {
                require(encoder_tensors.count(param.id()) == 0,
                        "module '" + name + "' holds a parameter of the encoder; modules() "
                        "lists the pretext's own modules only, or the encoder is counted twice");
            }
            detail += fmt::format("{}{}: {} parameters", detail.empty() ? "" : ", ", name,
                                  with_thousands(module->parameter_count()));
        }
        return detail.empty() ? std::string("no modules of its own") : detail;
    });

    checks.run("the loss is a finite scalar", true, [&] {
        set_training(main, true);
        NoGradGuard no_grad;
        const Tensor loss =
            guarded([&] { return main.pretext->loss(*main.encoder, images); });
        require(loss.numel() == 1, "loss() returned a tensor " + loss.shape().str() +
                                       ", not a scalar");
        require(all_finite(loss), fmt::format("the loss is {}", loss.item()));
        return fmt::format("{:.4f}", loss.item());
    });

    checks.run("gradients reach every encoder block", true, [&] {
        set_training(main, true);
        main.encoder->zero_grad();
        guarded([&] { return main.pretext->loss(*main.encoder, images); }).backward();
        for (const EncoderBlock& block : main.encoder->blocks()) {
            bool reached = false;
            for (const Tensor& param : block.module->parameters()) {
                const Tensor grad = param.grad();
                if (!grad.defined()) continue;
                require(all_finite(grad), "encoder block " + block.name +
                                              " got a non-finite gradient");
                reached = reached || any_nonzero(grad);
            }
            require(reached, "no gradient reached encoder block " + block.name +
                                 "; the loss must be built from the encoder's output with SDK "
                                 "ops, not from a detached copy");
        }
        main.encoder->zero_grad();
        return "";
    });

    checks.run(fmt::format("{} Adam steps on one batch lower the loss", kSteps), true, [&] {
        Pair pair = make_pair(kit.plugin, kit.params, kit.seed, info, guarded);
        std::vector<Tensor> params = pair.encoder->parameters();
        for (const auto& [name, module] : pair.pretext->modules()) {
            for (const Tensor& param : module->parameters()) params.push_back(param);
        }
        Adam optimizer({ParamGroup{params, 1e-3f, 0.0f}});
        set_training(pair, true);
        std::vector<float> losses;
        for (int step = 1; step <= kSteps; ++step) {
            optimizer.zero_grad();
            guarded([&] {
                Tensor loss = pair.pretext->loss(*pair.encoder, images);
                losses.push_back(loss.item());
                loss.backward();
                optimizer.step();
                pair.pretext->after_step(*pair.encoder, step, kSteps);
                return 0;
            });
            require(std::isfinite(losses.back()),
                    fmt::format("the loss became {} at step {}", losses.back(), step));
        }
        require(losses.back() < losses.front(),
                fmt::format("the loss went from {:.6f} to {:.6f} in {} steps on one fixed batch",
                            losses.front(), losses.back(), kSteps));
        return fmt::format("{:.4f} -> {:.4f}", losses.front(), losses.back());
    });

    checks.run("previews are image batches in the data's range", false, [&] {
        set_training(main, false);
        NoGradGuard no_grad;
        const std::vector<Preview> previews = guarded(
            [&] { return main.pretext->previews(*main.encoder, images); });
        set_training(main, true);
        std::string names;
        for (const Preview& preview : previews) {
            const Shape& shape = preview.images.shape();
            require(shape.rank() == 4 && shape[0] >= 1 && shape[1] == info.sample_shape[0] &&
                        shape[2] == info.sample_shape[1] && shape[3] == info.sample_shape[2],
                    "preview '" + preview.name + "' is " + shape.str() + ", not [N, 1, 28, 28]");
            const float* values = preview.images.data();
            for (int64_t i = 0; i < preview.images.numel(); ++i) {
                require(std::isfinite(values[i]) && values[i] >= info.min_value - 1e-4f &&
                            values[i] <= info.max_value + 1e-4f,
                        fmt::format("preview '{}' holds {}, outside the data's range [{}, {}]",
                                    preview.name, values[i], info.min_value, info.max_value));
            }
            names += (names.empty() ? "" : ", ") + preview.name;
        }
        return names.empty() ? std::string("none offered") : names;
    });

    checks.run("same seed gives the same modules and loss", true, [&] {
        Pair first = make_pair(kit.plugin, kit.params, kit.seed + 7, info, guarded);
        Pair second = make_pair(kit.plugin, kit.params, kit.seed + 7, info, guarded);
        require(fingerprint(pretext_state(*first.pretext)) ==
                    fingerprint(pretext_state(*second.pretext)),
                "two pretexts made with one seed have different module parameters or buffers");
        const float a = first_loss(first, images, guarded);
        const float b = first_loss(second, images, guarded);
        require(a == b, fmt::format("two pretexts made with one seed give losses {} and {} on "
                                    "one batch",
                                    a, b));
        return "";
    });

    checks.run("two instances share no state", true, [&] {
        Pair first = make_pair(kit.plugin, kit.params, kit.seed + 11, info, guarded);
        Pair second = make_pair(kit.plugin, kit.params, kit.seed + 11, info, guarded);
        const uint64_t before = fingerprint(pretext_state(*second.pretext));
        const float expected = first_loss(first, images, guarded);
        // Move everything of the first: its modules and whatever after_step updates.
        for (const auto& [name, module] : first.pretext->modules()) perturb(*module, 0.25f);
        guarded([&] {
            first.pretext->after_step(*first.encoder, 1, kSteps);
            return 0;
        });
        require(fingerprint(pretext_state(*second.pretext)) == before,
                "changing one pretext's modules changed another's");
        const float got = first_loss(second, images, guarded);
        require(got == expected,
                fmt::format("a second pretext's first loss is {} after the first pretext was "
                            "changed, but {} without that; state (modules or a random stream) is "
                            "shared between instances",
                            got, expected));
        return "";
    });

    // Every call above was guarded, so a read shows here, even one made by a
    // constructor that then failed.
    checks.run_regardless("no labels are read", true, [&] {
        const std::string violation = guarded.violation(refused_at_start);
        require(violation.empty(), violation);
        return "";
    });

    main = Pair{};
    check_destruction(checks, kit, [&](const LoadedPlugin& plugin) -> std::function<void()> {
        auto pair = std::make_shared<Pair>(make_pair(plugin, kit.params, kit.seed, info, guarded));
        return [pair, &images, &guarded] {
            set_training(*pair, true);
            guarded([&] { return pair->pretext->loss(*pair->encoder, images); }).backward();
            pair->pretext->modules();
        };
    });
}

}  // namespace selfsup::conformance
