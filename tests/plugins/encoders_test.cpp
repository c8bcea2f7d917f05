// The encoder plugins (mlp, conv), loaded as real libraries through the real
// loader: sizes against the reference workload, shapes, blocks, gradients,
// seeding and the errors a manifest can cause.

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plugins/in_tree_plugin.hpp"
#include "plugins/plugin_library.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/init.hpp"
#include "selfsup/log.hpp"
#include "selfsup/ops/reduce.hpp"
#include "selfsup/rng.hpp"

using namespace selfsup;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

const LoadedPlugin& plugin(const std::string& name) { return testing::in_tree_plugin(name); }

Tensor images(int64_t batch, const Shape& sample, uint64_t seed = 3) {
    Tensor tensor = Tensor::empty(Shape{batch, sample[0], sample[1], sample[2]});
    Rng rng(seed);
    init::uniform(tensor, rng, 0.0f, 1.0f);
    return tensor;
}

std::vector<std::string> block_names(const Encoder& encoder) {
    std::vector<std::string> names;
    for (const EncoderBlock& block : encoder.blocks()) names.push_back(block.name);
    return names;
}

std::vector<float> all_parameters(const Encoder& encoder) {
    std::vector<float> values;
    for (const Tensor& parameter : encoder.parameters()) {
        const std::vector<float> part = parameter.to_vector();
        values.insert(values.end(), part.begin(), part.end());
    }
    return values;
}

// Captures what plugins log while it lives, so tests keep the console quiet.
class LogCapture {
public:
    LogCapture() {
        set_log_sink([this](LogLevel level, const std::string& source, const std::string& text) {
            lines.push_back((level == LogLevel::kInfo ? "info " : "other ") + source + ": " + text);
        });
    }
    ~LogCapture() { set_log_sink({}); }

    std::vector<std::string> lines;
};

// Makes an encoder; what it logs goes to `log` when given, else nowhere.
std::shared_ptr<Encoder> make(const std::string& name, const std::string& params,
                              const Shape& sample = Shape{1, 28, 28}, uint64_t seed = 0,
                              std::vector<std::string>* log = nullptr) {
    LogCapture capture;
    auto encoder = make_encoder(plugin(name), boost::json::parse(params), "encoder.params",
                                EncoderContext{sample, seed});
    if (log != nullptr) *log = capture.lines;
    return encoder;
}

// A conv encoder using every block option, with its parameter count worked out
// by hand: conv1 8x1x3x3 without bias + batch norm 2x8 = 88; conv2 16x8x5x5 +
// 16 = 3,216; fc1 (16*7*7 = 784) x 32 + 32 = 25,120; embedding 32x16 + 16 = 528.
constexpr const char* kFullConv = R"({
    "blocks": [{"channels": 8, "pool": "max", "batch_norm": true},
               {"channels": 16, "kernel": 5, "pool": "avg", "activation": "gelu"}],
    "hidden": [32], "embedding": 16})";
constexpr int64_t kFullConvParameters = 88 + 3216 + 25120 + 528;

// fc1 784x64 without bias + batch norm 2x64 = 50,304; fc2 64x32 without bias +
// 2x32 = 2,112; embedding 32x16 + 16 = 528.
constexpr const char* kFullMlp = R"({
    "hidden": [64, 32], "embedding": 16, "activation": "elu", "batch_norm": true,
    "dropout": 0.2})";
constexpr int64_t kFullMlpParameters = 50304 + 2112 + 528;

}  // namespace

TEST_CASE("the default conv encoder on 1x28x28 images is the reference encoder E", "[encoders]") {
    auto encoder = make("conv", "{}");
    CHECK(encoder->parameter_count() == 457280);
    CHECK(encoder->embedding_width() == 128);
    CHECK(block_names(*encoder) ==
          std::vector<std::string>{"conv1", "conv2", "conv3", "embedding"});
    const auto blocks = encoder->blocks();
    CHECK(blocks[0].module->parameter_count() == 32 * 9 + 32);
    CHECK(blocks[1].module->parameter_count() == 64 * 32 * 9 + 64);
    CHECK(blocks[2].module->parameter_count() == 64 * 64 * 9 + 64);
    CHECK(blocks[3].module->parameter_count() == 3136 * 128 + 128);
}

TEST_CASE("the default mlp encoder on 1x28x28 images is the reference encoder M", "[encoders]") {
    auto encoder = make("mlp", "{}");
    CHECK(encoder->parameter_count() == 784 * 512 + 512 + 512 * 128 + 128);
    CHECK(encoder->parameter_count() == 467584);
    CHECK(encoder->embedding_width() == 128);
    CHECK(block_names(*encoder) == std::vector<std::string>{"fc1", "embedding"});
}

TEST_CASE("encoders using every option have the parameter counts worked out by hand",
          "[encoders]") {
    auto conv = make("conv", kFullConv);
    CHECK(conv->parameter_count() == kFullConvParameters);
    CHECK(block_names(*conv) == std::vector<std::string>{"conv1", "conv2", "fc1", "embedding"});
    auto mlp = make("mlp", kFullMlp);
    CHECK(mlp->parameter_count() == kFullMlpParameters);
    CHECK(block_names(*mlp) == std::vector<std::string>{"fc1", "fc2", "embedding"});
}

TEST_CASE("encoders map batches of 1 and 5 to embeddings of the declared width", "[encoders]") {
    for (const char* name : {"conv", "mlp"}) {
        INFO(name);
        auto encoder = make(name, R"({"embedding": 64})");
        CHECK(encoder->embedding_width() == 64);
        CHECK(encoder->forward(images(1, {1, 28, 28})).shape() == Shape{1, 64});
        CHECK(encoder->forward(images(5, {1, 28, 28})).shape() == Shape{5, 64});
    }
    CHECK(make("conv", kFullConv)->forward(images(5, {1, 28, 28})).shape() == Shape{5, 16});
    CHECK(make("mlp", kFullMlp)->forward(images(5, {1, 28, 28})).shape() == Shape{5, 16});
}

TEST_CASE("encoders take 3x32x32 colour images", "[encoders]") {
    const Shape colour{3, 32, 32};
    auto conv = make("conv", "{}", colour);
    // conv1 32x3x3x3 + 32, conv2 and conv3 as in E, embedding (64*8*8) x 128 + 128.
    CHECK(conv->parameter_count() == 896 + 18496 + 36928 + 4096 * 128 + 128);
    CHECK(conv->forward(images(1, colour)).shape() == Shape{1, 128});
    CHECK(conv->forward(images(5, colour)).shape() == Shape{5, 128});
    auto mlp = make("mlp", "{}", colour);
    CHECK(mlp->parameter_count() == 3072 * 512 + 512 + 512 * 128 + 128);
    CHECK(mlp->forward(images(5, colour)).shape() == Shape{5, 128});
}

TEST_CASE("an encoder's blocks hold each of its parameters exactly once", "[encoders]") {
    const std::vector<std::pair<std::string, std::string>> configs = {{"conv", "{}"},
                                                                      {"conv", kFullConv},
                                                                      {"mlp", "{}"},
                                                                      {"mlp", kFullMlp},
                                                                      {"mlp", R"({"hidden": []})"}};
    for (const auto& [name, params] : configs) {
        INFO(name << " " << params);
        auto encoder = make(name, params);
        std::map<const TensorImpl*, int> uses;
        for (const EncoderBlock& block : encoder->blocks()) {
            for (const NamedTensor& parameter : block.module->named_parameters()) {
                ++uses[parameter.tensor.id()];
            }
        }
        const std::vector<NamedTensor> all = encoder->named_parameters();
        CHECK(uses.size() == all.size());
        for (const NamedTensor& parameter : all) {
            INFO(parameter.name);
            CHECK(uses[parameter.tensor.id()] == 1);
        }
    }
}

TEST_CASE("a backward pass from the mean embedding reaches every encoder parameter", "[encoders]") {
    const std::vector<std::pair<std::string, std::string>> configs = {
        {"conv", "{}"}, {"conv", kFullConv}, {"mlp", "{}"}, {"mlp", kFullMlp}};
    for (const auto& [name, params] : configs) {
        INFO(name << " " << params);
        auto encoder = make(name, params);
        ops::mean(encoder->forward(images(4, {1, 28, 28}))).backward();
        for (const NamedTensor& parameter : encoder->named_parameters()) {
            INFO(parameter.name);
            const Tensor grad = parameter.tensor.grad();
            REQUIRE(grad.defined());
            float largest = 0.0f;
            for (float value : grad.to_vector()) largest = std::max(largest, std::fabs(value));
            CHECK(largest > 0.0f);
        }
    }
}

TEST_CASE("one seed gives one encoder and another seed a different one", "[encoders]") {
    for (const char* name : {"conv", "mlp"}) {
        INFO(name);
        auto first = make(name, "{}", {1, 28, 28}, 7);
        auto again = make(name, "{}", {1, 28, 28}, 7);
        auto other = make(name, "{}", {1, 28, 28}, 8);
        CHECK(all_parameters(*first) == all_parameters(*again));
        CHECK(first->forward(images(2, {1, 28, 28})).to_vector() ==
              again->forward(images(2, {1, 28, 28})).to_vector());
        const auto first_blocks = first->blocks();
        const auto other_blocks = other->blocks();
        for (size_t i = 0; i < first_blocks.size(); ++i) {
            INFO(first_blocks[i].name);
            CHECK(first_blocks[i].module->parameters()[0].to_vector() !=
                  other_blocks[i].module->parameters()[0].to_vector());
        }
    }
}

TEST_CASE("an encoder logs its architecture at info once, and at debug when made again",
          "[encoders]") {
    std::vector<std::string> lines;
    make("conv", R"({"embedding": 127})", {1, 28, 28}, 0, &lines);
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0],
               Catch::StartsWith("info conv: conv encoder:") && Contains("embedding 127"));
    make("conv", R"({"embedding": 127})", {1, 28, 28}, 1, &lines);
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0], Catch::StartsWith("other conv: conv encoder:"));
}

TEST_CASE("the conv encoder's summary names each block's output and the parameter count",
          "[encoders]") {
    std::vector<std::string> lines;
    make("conv", "{}", {1, 28, 28}, 0, &lines);
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0], Contains("conv1 32x28x28") && Contains("conv3 64x7x7") &&
                             Contains("embedding 128") && Contains("457,280 parameters"));
}

TEST_CASE("an encoder given images of another shape throws a ShapeError naming both shapes",
          "[encoders]") {
    for (const char* name : {"conv", "mlp"}) {
        INFO(name);
        auto encoder = make(name, "{}");
        CHECK_THROWS_AS(encoder->forward(images(2, {3, 28, 28})), ShapeError);
        CHECK_THROWS_WITH(encoder->forward(images(2, {3, 28, 28})),
                          Contains("[N, 1, 28, 28]") && Contains("[2, 3, 28, 28]"));
    }
}

TEST_CASE("a conv block with an unknown key is a ManifestError suggesting the right one",
          "[encoders]") {
    const char* params = R"({"blocks": [{"channels": 8}, {"chanels": 16}]})";
    CHECK_THROWS_AS(make("conv", params), ManifestError);
    CHECK_THROWS_WITH(make("conv", params), Contains("encoder.params.blocks[1].chanels") &&
                                                Contains("unknown key") &&
                                                Contains("did you mean 'channels'?"));
}

TEST_CASE(
    "conv blocks with wrong types, bad values or missing channels are ManifestErrors "
    "naming the key",
    "[encoders]") {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {R"({"blocks": [{"channels": "32"}]})",
         {"encoder.params.blocks[0].channels", "expected an integer"}},
        {R"({"blocks": [{"channels": 8, "kernel": 0}]})", {"encoder.params.blocks[0].kernel"}},
        {R"({"blocks": [{"channels": 8, "stride": 1.5}]})", {"encoder.params.blocks[0].stride"}},
        {R"({"blocks": [{"channels": 8, "pool": "maks"}]})",
         {"encoder.params.blocks[0].pool", "did you mean 'max'?"}},
        {R"({"blocks": [{"channels": 8, "batch_norm": "yes"}]})",
         {"encoder.params.blocks[0].batch_norm", "boolean"}},
        {R"({"blocks": [{"kernel": 3}]})",
         {"encoder.params.blocks[0]", "missing required key 'channels'"}},
        {R"({"blocks": [32]})", {"encoder.params.blocks[0]", "object"}},
        {R"({"blocks": []})", {"encoder.params.blocks", "at least 1"}},
        {R"({"hidden": [0]})", {"encoder.params.hidden[0]"}},
    };
    for (const auto& [params, words] : cases) {
        INFO(params);
        CHECK_THROWS_AS(make("conv", params), ManifestError);
        for (const std::string& word : words)
            CHECK_THROWS_WITH(make("conv", params), Contains(word));
    }
}

TEST_CASE(
    "conv blocks that shrink the image to nothing are a ManifestError naming the block "
    "and the size",
    "[encoders]") {
    // 28 -> (28 - 7) / 4 + 1 = 6, and a 7x7 kernel does not fit in 6x6.
    const char* shrinking = R"({"blocks": [{"channels": 8, "kernel": 7, "stride": 4, "padding": 0},
                                          {"channels": 8, "kernel": 7, "padding": 0}]})";
    CHECK_THROWS_AS(make("conv", shrinking), ManifestError);
    CHECK_THROWS_WITH(make("conv", shrinking), Contains("encoder.params.blocks[1]") &&
                                                   Contains("conv2") && Contains("6x6") &&
                                                   Contains("0x0"));
    const char* pooling = R"({"blocks": [{"channels": 8, "pool": "avg", "pool_size": 30}]})";
    CHECK_THROWS_AS(make("conv", pooling), ManifestError);
    CHECK_THROWS_WITH(make("conv", pooling), Contains("encoder.params.blocks[0].pool_size") &&
                                                 Contains("conv1") && Contains("28x28"));
}

TEST_CASE("mlp parameters outside their schema are ManifestErrors naming the parameter",
          "[encoders]") {
    CHECK_THROWS_AS(make("mlp", R"({"activation": "rellu"})"), ManifestError);
    CHECK_THROWS_WITH(make("mlp", R"({"activation": "rellu"})"),
                      Contains("encoder.params.activation") && Contains("did you mean 'relu'?"));
    CHECK_THROWS_AS(make("mlp", R"({"dropout": 0.95})"), ManifestError);
    CHECK_THROWS_WITH(make("mlp", R"({"dropout": 0.95})"), Contains("encoder.params.dropout"));
    CHECK_THROWS_AS(make("mlp", R"({"embedding": 0})"), ManifestError);
    CHECK_THROWS_WITH(make("mlp", R"({"embedding": 0})"), Contains("encoder.params.embedding"));
}
