// The two-view pretexts (contrastive, byol), loaded as real libraries through
// the real loader and trained with a tiny real encoder: their losses at
// initialisation and under a few Adam steps, byol's momentum target, seeding,
// previews and the parameters they refuse.

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "plugins/plugin_library.hpp"
#include "plugins/pretext_fixtures.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/ops.hpp"
#include "selfsup/optim.hpp"

using namespace selfsup;
using namespace selfsup::testing;

namespace {

std::shared_ptr<Pretext> make(const std::string& name, const std::string& params, Encoder& encoder,
                              uint64_t seed = 0) {
    return make_pretext_plugin(name, params, image_info(), encoder, seed);
}

int64_t parameter_count(Pretext& pretext, const std::string& module_name) {
    for (const auto& [name, module] : pretext.modules()) {
        if (name == module_name) return module->parameter_count();
    }
    FAIL("no module named " << module_name);
    return 0;
}

void check_refused(const std::string& plugin, const std::string& params, const std::string& path,
                   const std::string& words) {
    TinyEncoder encoder(image_info().sample_shape, 32, 1);
    INFO(plugin << " " << params);
    const auto build = [&] { make(plugin, params, encoder); };
    CHECK_THROWS_AS(build(), ManifestError);
    CHECK_THROWS_WITH(build(), Catch::Contains(path) && Catch::Contains(words));
}

}  // namespace

TEST_CASE("The contrastive projector is the reference embedding -> 128 ReLU -> 64", "[views]") {
    TinyEncoder encoder(image_info().sample_shape, 128, 1);
    auto pretext = make("contrastive", "{}", encoder);
    const auto modules = pretext->modules();
    REQUIRE(modules.size() == 1);
    CHECK(modules[0].first == "projector");
    CHECK(modules[0].second->parameter_count() == (128 * 128 + 128) + (128 * 64 + 64));
}

TEST_CASE("The contrastive loss of a random network is near ln(2N - 1)", "[views]") {
    // With near-uniform similarities every row's softmax spreads evenly over
    // its 2N - 1 candidates. Seen: 3.26 to 3.38 on seeds 0 to 4 (ln 31 = 3.43).
    const Tensor images = disk_images(16, 2, 8.0f, 3.0f, 8.0f);
    for (uint64_t seed = 0; seed < 5; ++seed) {
        TinyEncoder encoder(image_info().sample_shape, 32, seed + 10);
        auto pretext = make("contrastive", "{}", encoder, seed);
        NoGradGuard no_grad;
        const float loss = pretext->loss(encoder, images).item();
        INFO("seed " << seed << ": loss " << loss);
        CHECK(loss == Approx(std::log(31.0)).margin(0.25));
    }
}

TEST_CASE("Twenty Adam steps on one batch lower the contrastive loss by 5%", "[views]") {
    // New views are drawn every step, so the loss is noisy; seen: 12% to 25%
    // lower on seeds 0 to 4.
    const Tensor images = disk_images(16, 3, 8.0f, 3.0f, 8.0f);
    for (uint64_t seed = 0; seed < 5; ++seed) {
        TinyEncoder encoder(image_info().sample_shape, 32, seed + 20);
        auto pretext = make("contrastive", "{}", encoder, seed);
        const std::vector<float> losses = adam_losses(*pretext, encoder, images, 20);
        const float first = losses.front();
        const float last = losses.back();
        INFO("seed " << seed << ": loss " << first << " -> " << last);
        CHECK(last < 0.95f * first);
    }
}

TEST_CASE("The byol heads have the documented default widths", "[views]") {
    TinyEncoder encoder(image_info().sample_shape, 128, 1);
    auto pretext = make("byol", "{}", encoder);
    REQUIRE(pretext->modules().size() == 2);
    // Linear 128 -> 256, batch norm (gamma, beta), Linear 256 -> 64.
    CHECK(parameter_count(*pretext, "projector") == (128 * 256 + 256) + 2 * 256 + (256 * 64 + 64));
    // Linear 64 -> 256, batch norm, Linear 256 -> 64.
    CHECK(parameter_count(*pretext, "predictor") == (64 * 256 + 256) + 2 * 256 + (256 * 64 + 64));
}

TEST_CASE("Twenty Adam steps on one batch halve the byol loss", "[views]") {
    // Seen: 59% to 67% lower on seeds 0 to 4.
    const Tensor images = disk_images(16, 4, 8.0f, 3.0f, 8.0f);
    for (uint64_t seed = 0; seed < 5; ++seed) {
        TinyEncoder encoder(image_info().sample_shape, 32, seed + 30);
        auto pretext = make("byol", "{}", encoder, seed);
        const std::vector<float> losses = adam_losses(*pretext, encoder, images, 20);
        const float first = losses.front();
        const float last = losses.back();
        INFO("seed " << seed << ": loss " << first << " -> " << last);
        CHECK(first > 0.0f);
        CHECK(first < 4.0f);
        CHECK(last < 0.5f * first);
    }
}

TEST_CASE("The byol target moves only in after_step, by the EMA formula", "[views]") {
    const Tensor images = disk_images(8, 5, 8.0f, 3.0f, 8.0f);
    const auto check_one_step = [&](const std::string& params, int64_t total_steps,
                                    double momentum) {
        INFO(params);
        TinyEncoder encoder(image_info().sample_shape, 32, 6);
        auto pretext = make("byol", params, encoder);
        Adam adam({ParamGroup{trainable(encoder, *pretext), 1e-3f}});
        const float before = encoder.first_bias();

        // 1. A loss runs the target first, then the online encoder.
        Tensor loss = pretext->loss(encoder, images);
        REQUIRE(encoder.first_biases_seen.size() == 2);
        CHECK(encoder.first_biases_seen[0] == before);
        CHECK(encoder.first_biases_seen[1] == before);

        // 2. The optimizer moves the online encoder, not the target; the
        //    target's pass leaves the encoder's weights as they were.
        loss.backward();
        adam.step();
        const float online = encoder.first_bias();
        REQUIRE(online != before);
        encoder.first_biases_seen.clear();
        {
            NoGradGuard no_grad;
            pretext->loss(encoder, images);
        }
        CHECK(encoder.first_biases_seen[0] == before);
        CHECK(encoder.first_biases_seen[1] == online);
        CHECK(encoder.first_bias() == online);

        // 3. after_step moves the target to m * target + (1 - m) * online.
        pretext->after_step(encoder, 1, total_steps);
        encoder.first_biases_seen.clear();
        {
            NoGradGuard no_grad;
            pretext->loss(encoder, images);
        }
        // Exact up to float rounding, far below a thousandth of the step.
        const double expected = momentum * before + (1.0 - momentum) * online;
        INFO("before " << before << ", online " << online << ", target "
                       << encoder.first_biases_seen[0] << ", expected " << expected);
        CHECK(encoder.first_biases_seen[0] ==
              Approx(expected).margin(1e-3 * std::abs(online - before)));
        CHECK(encoder.first_bias() == online);
    };

    SECTION("a constant momentum") {
        check_one_step(R"({"momentum": 0.5, "momentum_schedule": "constant"})", 10, 0.5);
    }
    SECTION("the cosine schedule, after step 1 of 4") {
        // m(1) = 1 - (1 - 0.9) (1 + cos(pi / 4)) / 2
        const double momentum = 1.0 - 0.1 * (1.0 + std::cos(std::numbers::pi / 4.0)) / 2.0;
        check_one_step(R"({"momentum": 0.9})", 4, momentum);
    }
    SECTION("the cosine schedule reaches 1 at the last step: the target stays") {
        check_one_step(R"({"momentum": 0.9})", 1, 1.0);
    }
}

TEST_CASE("One seed gives the same two-view losses, another seed other ones", "[views]") {
    const Tensor images = disk_images(8, 7, 8.0f, 3.0f, 8.0f);
    for (const char* name : {"contrastive", "byol"}) {
        INFO(name);
        const auto first_loss = [&](uint64_t seed) {
            TinyEncoder encoder(image_info().sample_shape, 32, 8);
            auto pretext = make(name, "{}", encoder, seed);
            NoGradGuard no_grad;
            return pretext->loss(encoder, images).item();
        };
        CHECK(first_loss(3) == first_loss(3));
        CHECK(first_loss(3) != first_loss(4));
    }
}

TEST_CASE("Two-view previews show the input and two different views of it", "[views]") {
    const Tensor images = disk_images(4, 9, 8.0f, 3.0f, 8.0f);
    for (const char* name : {"contrastive", "byol"}) {
        INFO(name);
        TinyEncoder encoder(image_info().sample_shape, 32, 1);
        auto pretext = make(name, "{}", encoder);
        NoGradGuard no_grad;
        const std::vector<Preview> previews = pretext->previews(encoder, images);
        REQUIRE(previews.size() == 3);
        CHECK(previews[0].name == "input");
        CHECK(previews[1].name == "first_view");
        CHECK(previews[2].name == "second_view");
        for (const Preview& preview : previews) CHECK(preview.images.shape() == images.shape());
        CHECK(previews[0].images.to_vector() == images.to_vector());
        CHECK(previews[1].images.to_vector() != previews[2].images.to_vector());
    }
}

TEST_CASE("An empty augment pipeline makes both views the image itself", "[views]") {
    // Identical views are the easiest positives: with nothing to learn from
    // the augmentations the loss only measures how apart the images are.
    const Tensor images = disk_images(4, 10, 8.0f, 3.0f, 8.0f);
    TinyEncoder encoder(image_info().sample_shape, 32, 1);
    auto pretext = make("contrastive", R"({"augment": []})", encoder);
    NoGradGuard no_grad;
    const std::vector<Preview> previews = pretext->previews(encoder, images);
    CHECK(previews[1].images.to_vector() == images.to_vector());
    CHECK(previews[2].images.to_vector() == images.to_vector());
}

TEST_CASE("The two-view pretexts refuse bad parameters, naming them", "[views]") {
    SECTION("a temperature that is not above 0") {
        check_refused("contrastive", R"({"temperature": 0})", "pretexts[0].params.temperature",
                      "must be above 0");
        check_refused("contrastive", R"({"temperature": -0.5})", "pretexts[0].params.temperature",
                      "must be above 0");
    }
    SECTION("a misspelt augmentation") {
        for (const char* name : {"contrastive", "byol"}) {
            check_refused(name, R"({"augment": [{"type": "hfilp"}]})",
                          "pretexts[0].params.augment[0].type", "did you mean 'hflip'");
        }
    }
    SECTION("a projection without layers") {
        check_refused("contrastive", R"({"projection": []})", "pretexts[0].params.projection",
                      "at least 1");
    }
    SECTION("a momentum outside [0, 1]") {
        check_refused("byol", R"({"momentum": 1.5})", "pretexts[0].params.momentum",
                      "above the maximum 1");
    }
    SECTION("an unknown momentum schedule") {
        check_refused("byol", R"({"momentum_schedule": "linear"})",
                      "pretexts[0].params.momentum_schedule", "cosine");
    }
    SECTION("images of another shape than the dataset's") {
        for (const char* name : {"contrastive", "byol"}) {
            TinyEncoder encoder(image_info().sample_shape, 32, 1);
            auto pretext = make(name, "{}", encoder);
            const Tensor wrong = Tensor::zeros(Shape{2, 1, 14, 14});
            CHECK_THROWS_AS(pretext->loss(encoder, wrong), ShapeError);
            CHECK_THROWS_WITH(pretext->loss(encoder, wrong),
                              Catch::Contains(name) && Catch::Contains("[2, 1, 14, 14]") &&
                                  Catch::Contains("[N, 1, 28, 28]"));
        }
    }
}
