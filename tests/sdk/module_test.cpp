#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/layers.hpp"
#include "selfsup/module.hpp"

using namespace selfsup;

namespace {

std::vector<std::string> names_of(const std::vector<NamedTensor>& entries) {
    std::vector<std::string> names;
    for (const NamedTensor& entry : entries) names.push_back(entry.name);
    return names;
}

// A module with its own parameter and buffer besides a child, to check that
// own entries come before the children's.
class Scaled : public Module {
public:
    explicit Scaled(Rng& rng) {
        register_parameter("scale", Tensor::full(Shape{1}, 2.0f));
        register_buffer("calls", Tensor::zeros(Shape{1}));
        inner_ = register_module("inner", std::make_shared<Linear>(3, 2, rng));
    }
    Tensor forward(const Tensor& src) override { return inner_->forward(src); }

private:
    std::shared_ptr<Linear> inner_;
};

}  // namespace

TEST_CASE("a small mlp names its parameters by position and counts them", "[module]") {
    Rng rng(1);
    Sequential mlp({std::make_shared<Linear>(784, 512, rng),
                    std::make_shared<ActivationLayer>(Activation::kRelu),
                    std::make_shared<Linear>(512, 128, rng)});
    CHECK(mlp.size() == 3);
    CHECK(names_of(mlp.named_parameters()) ==
          std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
    // 784 * 512 + 512 + 512 * 128 + 128.
    CHECK(mlp.parameter_count() == 467584);
    const std::vector<Tensor> parameters = mlp.parameters();
    REQUIRE(parameters.size() == 4);
    CHECK(parameters[0].shape() == Shape{512, 784});
    CHECK(parameters[3].shape() == Shape{128});
}

TEST_CASE("the reference conv encoder has 457,280 parameters", "[module]") {
    Rng rng(1);
    Sequential encoder;
    encoder.add(std::make_shared<Conv2d>(1, 32, 3, rng))
        .add(std::make_shared<Conv2d>(32, 64, 3, rng, ops::Conv2dOptions{2, 1}))
        .add(std::make_shared<Conv2d>(64, 64, 3, rng, ops::Conv2dOptions{2, 1}))
        .add(std::make_shared<Flatten>())
        .add(std::make_shared<Linear>(3136, 128, rng));
    CHECK(encoder.parameter_count() == 457280);
    CHECK(encoder.named_parameters()[2].name == "1.weight");
}

TEST_CASE("nested modules compose dotted names, own entries before children's", "[module]") {
    Rng rng(2);
    Sequential outer;
    outer.add(std::make_shared<BatchNorm2d>(4)).add(std::make_shared<Scaled>(rng));
    CHECK(names_of(outer.named_parameters()) ==
          std::vector<std::string>{"0.weight", "0.bias", "1.scale", "1.inner.weight",
                                   "1.inner.bias"});
    CHECK(names_of(outer.named_buffers()) ==
          std::vector<std::string>{"0.running_mean", "0.running_var", "1.calls"});
    CHECK(outer.parameter_count() == 4 + 4 + 1 + 6 + 2);
}

TEST_CASE("parameters share storage with the module", "[module]") {
    Rng rng(3);
    Linear linear(2, 2, rng);
    Tensor weight = linear.parameters()[0];
    weight.data()[0] = 42.0f;
    CHECK(linear.weight().data()[0] == 42.0f);
    CHECK(weight.requires_grad());
}

TEST_CASE("train and eval reach every sub-module", "[module]") {
    Rng rng(4);
    auto inner = std::make_shared<Sequential>(
        std::vector<std::shared_ptr<Module>>{std::make_shared<Dropout>(0.5f, 1)});
    Sequential outer({std::make_shared<Linear>(2, 2, rng), inner});
    CHECK(outer.is_training());
    outer.eval();
    CHECK_FALSE(outer.is_training());
    CHECK_FALSE(inner->is_training());
    CHECK_FALSE((*inner)[0].is_training());
    outer.train();
    CHECK((*inner)[0].is_training());
}

TEST_CASE("set_requires_grad freezes and thaws every parameter", "[module]") {
    Rng rng(5);
    Sequential net({std::make_shared<Linear>(2, 3, rng), std::make_shared<BatchNorm2d>(3)});
    net.set_requires_grad(false);
    for (const Tensor& parameter : net.parameters()) CHECK_FALSE(parameter.requires_grad());
    net.set_requires_grad(true);
    for (const Tensor& parameter : net.parameters()) CHECK(parameter.requires_grad());
}

TEST_CASE("zero_grad clears every parameter's gradient", "[module]") {
    Rng rng(6);
    Sequential net({std::make_shared<Linear>(2, 3, rng)});
    for (Tensor& parameter : net.parameters()) {
        parameter.set_grad(Tensor::full(parameter.shape(), 1.0f));
    }
    net.zero_grad();
    for (const Tensor& parameter : net.parameters()) CHECK_FALSE(parameter.grad().defined());
}

TEST_CASE("copy_state copies parameters and buffers into a module of the same spec", "[module]") {
    Rng rng_a(7);
    Rng rng_b(8);
    Scaled source(rng_a);
    Scaled target(rng_b);
    source.named_buffers()[0].tensor.data()[0] = 5.0f;
    copy_state(source, target);
    const std::vector<NamedTensor> from = source.named_parameters();
    const std::vector<NamedTensor> to = target.named_parameters();
    REQUIRE(from.size() == to.size());
    for (size_t i = 0; i < from.size(); ++i) {
        CAPTURE(from[i].name);
        CHECK(std::equal(from[i].tensor.data(), from[i].tensor.data() + from[i].tensor.numel(),
                         to[i].tensor.data()));
        CHECK(from[i].tensor.data() != to[i].tensor.data());
    }
    CHECK(target.named_buffers()[0].tensor.data()[0] == 5.0f);
}

TEST_CASE("copy_state between modules of different specs is an InternalError", "[module]") {
    Rng rng(9);
    Linear narrow(3, 2, rng);
    Linear wide(4, 2, rng);
    CHECK_THROWS_AS(copy_state(narrow, wide), InternalError);
    CHECK_THROWS_WITH(copy_state(narrow, wide),
                      Catch::Matchers::Contains("copy_state: weight [2, 3] into weight [2, 4]"));
}
