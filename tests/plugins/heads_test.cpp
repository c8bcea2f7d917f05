// The head plugins (linear, mlp_head), loaded as real libraries through the
// real loader.

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "plugins/in_tree_plugin.hpp"
#include "plugins/plugin_library.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/init.hpp"
#include "selfsup/ops/reduce.hpp"
#include "selfsup/rng.hpp"

using namespace selfsup;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

const LoadedPlugin& plugin(const std::string& name) { return testing::in_tree_plugin(name); }

std::shared_ptr<Head> make(const std::string& name, const std::string& params, uint64_t seed = 0) {
    return make_head(plugin(name), boost::json::parse(params), "evaluation.head.params",
                     HeadContext{128, 10, seed});
}

Tensor embeddings(int64_t batch, uint64_t seed = 5) {
    Tensor tensor = Tensor::empty(Shape{batch, 128});
    Rng rng(seed);
    init::uniform(tensor, rng, -1.0f, 1.0f);
    return tensor;
}

}  // namespace

TEST_CASE("the linear head is the reference head H: 128 -> 10 with 1,290 parameters", "[heads]") {
    auto head = make("linear", "{}");
    CHECK(head->parameter_count() == 128 * 10 + 10);
    CHECK(head->forward(embeddings(1)).shape() == Shape{1, 10});
    CHECK(head->forward(embeddings(5)).shape() == Shape{5, 10});
    CHECK(make("linear", R"({"bias": false})")->parameter_count() == 128 * 10);
}

TEST_CASE("the mlp head maps embeddings through its hidden layers to class logits", "[heads]") {
    auto head = make("mlp_head", "{}");
    CHECK(head->parameter_count() == 128 * 256 + 256 + 256 * 10 + 10);
    CHECK(head->forward(embeddings(1)).shape() == Shape{1, 10});
    CHECK(head->forward(embeddings(5)).shape() == Shape{5, 10});
    auto deeper = make("mlp_head", R"({"hidden": [64, 32], "activation": "tanh", "dropout": 0.5})");
    CHECK(deeper->parameter_count() == 128 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
    CHECK(deeper->forward(embeddings(5)).shape() == Shape{5, 10});
    CHECK(make("mlp_head", R"({"hidden": []})")->parameter_count() == 128 * 10 + 10);
}

TEST_CASE("a backward pass from the mean logit reaches every head parameter", "[heads]") {
    for (const auto& [name, params] : std::vector<std::pair<std::string, std::string>>{
             {"linear", "{}"}, {"mlp_head", "{}"}, {"mlp_head", R"({"dropout": 0.3})"}}) {
        INFO(name << " " << params);
        auto head = make(name, params);
        ops::mean(head->forward(embeddings(4))).backward();
        for (const NamedTensor& parameter : head->named_parameters()) {
            INFO(parameter.name);
            REQUIRE(parameter.tensor.grad().defined());
            float largest = 0.0f;
            for (float value : parameter.tensor.grad().to_vector()) {
                largest = std::max(largest, std::fabs(value));
            }
            CHECK(largest > 0.0f);
        }
    }
}

TEST_CASE("one seed gives one head, dropout masks included, and another seed a different one",
          "[heads]") {
    const char* params = R"({"dropout": 0.5})";
    auto first = make("mlp_head", params, 11);
    auto again = make("mlp_head", params, 11);
    auto other = make("mlp_head", params, 12);
    // In training the masks differ from evaluation's identity but repeat per seed.
    const std::vector<float> trained = first->forward(embeddings(3)).to_vector();
    CHECK(trained == again->forward(embeddings(3)).to_vector());
    CHECK(trained != other->forward(embeddings(3)).to_vector());
    first->eval();
    again->eval();
    CHECK(first->forward(embeddings(3)).to_vector() == again->forward(embeddings(3)).to_vector());
    CHECK(first->forward(embeddings(3)).to_vector() != trained);

    auto linear = make("linear", "{}", 11);
    CHECK(linear->parameters()[0].to_vector() ==
          make("linear", "{}", 11)->parameters()[0].to_vector());
    CHECK(linear->parameters()[0].to_vector() !=
          make("linear", "{}", 12)->parameters()[0].to_vector());
}

TEST_CASE("head parameters outside their schema are ManifestErrors naming the parameter",
          "[heads]") {
    CHECK_THROWS_AS(make("mlp_head", R"({"dropout": 0.95})"), ManifestError);
    CHECK_THROWS_WITH(make("mlp_head", R"({"dropout": 0.95})"),
                      Contains("evaluation.head.params.dropout"));
    CHECK_THROWS_AS(make("mlp_head", R"({"activation": "gelu2"})"), ManifestError);
    CHECK_THROWS_WITH(
        make("mlp_head", R"({"activation": "gelu2"})"),
        Contains("evaluation.head.params.activation") && Contains("did you mean 'gelu'?"));
    CHECK_THROWS_AS(make("linear", R"({"bias": 1})"), ManifestError);
    CHECK_THROWS_WITH(make("linear", R"({"bias": 1})"), Contains("evaluation.head.params.bias"));
    CHECK_THROWS_AS(make("linear", R"({"hidden": [8]})"), ManifestError);
    CHECK_THROWS_WITH(make("linear", R"({"hidden": [8]})"), Contains("unknown parameter"));
}
