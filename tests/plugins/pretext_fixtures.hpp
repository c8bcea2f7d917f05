#pragma once

// What the pretext plugin tests share: a tiny real encoder, image data set
// descriptions, pretexts made through the real loader, synthetic image
// batches, and training a pretext for a few Adam steps on one batch.

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "plugins/in_tree_plugin.hpp"
#include "plugins/plugin_library.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/ops.hpp"
#include "selfsup/optim.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::testing {

// The smallest real encoder: flatten, then one linear layer to the
// embedding. It notes its first bias on every forward pass, which shows the
// state a momentum target runs with (the first pass of a loss) and the online
// state (the second). A bias, because every image gives it a gradient; a
// corner pixel's weight may get none.
class TinyEncoder : public Encoder {
public:
    TinyEncoder(const Shape& sample_shape, int64_t width, uint64_t seed) : width_(width) {
        Rng rng(seed);
        linear_ =
            register_module("linear", std::make_shared<Linear>(sample_shape.numel(), width, rng));
    }
    Tensor forward(const Tensor& src) override {
        first_biases_seen.push_back(linear_->bias().data()[0]);
        return linear_->forward(ops::flatten(src));
    }
    int64_t embedding_width() const override { return width_; }
    std::vector<EncoderBlock> blocks() const override { return {{"linear", linear_}}; }
    Linear& linear() { return *linear_; }
    float first_bias() { return linear_->bias().data()[0]; }

    std::vector<float> first_biases_seen;

private:
    int64_t width_;
    std::shared_ptr<Linear> linear_;
};

// A grey image data set of 16 training and 16 test images.
inline DatasetInfo image_info(int64_t height = 28, int64_t width = 28) {
    DatasetInfo info;
    info.sample_shape = Shape{1, height, width};
    info.num_classes = 10;
    info.train_size = 16;
    info.test_size = 16;
    return info;
}

// The in-tree pretext `name` made with `params` (JSON text) the way a run
// makes it, its errors pointing at pretexts[0].params.
inline std::shared_ptr<Pretext> make_pretext_plugin(const std::string& name,
                                                    const std::string& params,
                                                    const DatasetInfo& info, Encoder& encoder,
                                                    uint64_t seed = 0) {
    return make_pretext(in_tree_plugin(name), boost::json::parse(params), "pretexts[0].params",
                        PretextContext{info, encoder, seed});
}

// Near-binary 28x28 images: one bright disk on black per image, its centre
// drawn in [centre_low, 28 - centre_low] and its radius in [min_radius,
// max_radius], so BCE can fall well below its starting value.
inline Tensor disk_images(int64_t count, uint64_t seed, float centre_low = 9.0f,
                          float min_radius = 5.0f, float max_radius = 9.0f) {
    Rng rng(seed);
    Tensor images = Tensor::zeros(Shape{count, 1, 28, 28});
    float* data = images.data();
    for (int64_t n = 0; n < count; ++n) {
        const float cy = rng.uniform(centre_low, 28.0f - centre_low);
        const float cx = rng.uniform(centre_low, 28.0f - centre_low);
        const float radius = rng.uniform(min_radius, max_radius);
        for (int64_t y = 0; y < 28; ++y) {
            for (int64_t x = 0; x < 28; ++x) {
                const float d = std::hypot(static_cast<float>(y) - cy, static_cast<float>(x) - cx);
                data[(n * 28 + y) * 28 + x] = d < radius ? 1.0f : 0.0f;
            }
        }
    }
    return images;
}

// 28x28 images with every pixel in [0.2, 0.8], so a blanked (0) pixel is
// unambiguous.
inline Tensor textured_images(int64_t count) {
    Tensor images = Tensor::empty(Shape{count, 1, 28, 28});
    float* data = images.data();
    for (int64_t i = 0; i < images.numel(); ++i) {
        data[i] = 0.5f + 0.3f * std::sin(0.37f * static_cast<float>(i));
    }
    return images;
}

inline std::vector<Preview> previews_of(Pretext& pretext, Encoder& encoder, const Tensor& images) {
    NoGradGuard no_grad;
    return pretext.previews(encoder, images);
}

// The preview called `name`; fails the test when there is none.
inline Tensor preview(Pretext& pretext, Encoder& encoder, const Tensor& images,
                      const std::string& name) {
    for (const Preview& shown : previews_of(pretext, encoder, images)) {
        if (shown.name == name) return shown.images;
    }
    FAIL("no preview named " << name);
    return Tensor();
}

inline std::vector<std::string> preview_names(Pretext& pretext, Encoder& encoder,
                                              const Tensor& images) {
    std::vector<std::string> names;
    for (const Preview& shown : previews_of(pretext, encoder, images)) names.push_back(shown.name);
    return names;
}

// The pretext's one module, which must be called `name`.
inline Module& only_module(Pretext& pretext, const std::string& name) {
    const auto modules = pretext.modules();
    REQUIRE(modules.size() == 1);
    REQUIRE(modules[0].first == name);
    return *modules[0].second;
}

// The encoder's parameters and those of every module of the pretext: what
// pretraining trains.
inline std::vector<Tensor> trainable(Encoder& encoder, Pretext& pretext) {
    std::vector<Tensor> params = encoder.parameters();
    for (const auto& [name, module] : pretext.modules()) {
        for (const Tensor& param : module->parameters()) params.push_back(param);
    }
    return params;
}

// The loss before the first of `steps` Adam steps (lr 1e-3) on one fixed
// batch and after each, training the encoder and the pretext's modules, with
// the pretext's after_step hook called as a run calls it.
inline std::vector<float> adam_losses(Pretext& pretext, Encoder& encoder, const Tensor& images,
                                      int steps) {
    Adam adam({ParamGroup{trainable(encoder, pretext), 1e-3f}});
    std::vector<float> losses;
    for (int step = 0; step <= steps; ++step) {
        adam.zero_grad();
        const Tensor loss = pretext.loss(encoder, images);
        losses.push_back(loss.item());
        if (step == steps) break;
        loss.backward();
        adam.step();
        pretext.after_step(encoder, step + 1, steps);
    }
    return losses;
}

}  // namespace selfsup::testing
