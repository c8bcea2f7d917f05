// The freeze policy plugins (linear_probe, finetune, last_k, blocks, gradual),
// loaded as real libraries through the real loader. Decisions are written as
// one character per block of the reference encoder (conv1, conv2, conv3,
// embedding): "1" trains, "0" is frozen.

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "plugins/in_tree_plugin.hpp"
#include "plugins/plugin_library.hpp"
#include "selfsup/errors.hpp"

using namespace selfsup;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kBlocks = {"conv1", "conv2", "conv3", "embedding"};
constexpr int kEpochs = 8;

const LoadedPlugin& plugin(const std::string& name) { return testing::in_tree_plugin(name); }

std::shared_ptr<FreezePolicy> make(const std::string& name, const std::string& params) {
    return make_freeze_policy(plugin(name), boost::json::parse(params),
                              "evaluation.freeze_policies[0].params");
}

std::string pattern(const FreezeDecision& decision) {
    std::string text;
    for (bool trains : decision.block_trains) text += trains ? '1' : '0';
    return text;
}

// The decision for each epoch of a kEpochs-long schedule on kBlocks.
std::vector<std::string> schedule(const FreezePolicy& policy) {
    std::vector<std::string> patterns;
    for (int epoch = 0; epoch < kEpochs; ++epoch) {
        patterns.push_back(pattern(policy.decide(kBlocks, epoch, kEpochs)));
    }
    return patterns;
}

std::vector<std::string> every_epoch(const std::string& decision) {
    return std::vector<std::string>(kEpochs, decision);
}

}  // namespace

TEST_CASE("linear_probe freezes every block in every epoch", "[freeze]") {
    CHECK(schedule(*make("linear_probe", "{}")) == every_epoch("0000"));
}

TEST_CASE("finetune trains every block in every epoch", "[freeze]") {
    CHECK(schedule(*make("finetune", "{}")) == every_epoch("1111"));
}

TEST_CASE("last_k trains the last k blocks in every epoch", "[freeze]") {
    CHECK(schedule(*make("last_k", "{}")) == every_epoch("0001"));
    CHECK(schedule(*make("last_k", R"({"k": 0})")) == every_epoch("0000"));
    CHECK(schedule(*make("last_k", R"({"k": 2})")) == every_epoch("0011"));
    CHECK(schedule(*make("last_k", R"({"k": 3})")) == every_epoch("0111"));
    CHECK(schedule(*make("last_k", R"({"k": 4})")) == every_epoch("1111"));
}

TEST_CASE(
    "last_k with more blocks than the encoder has is a ManifestError naming k and the "
    "count",
    "[freeze]") {
    auto policy = make("last_k", R"({"k": 5})");
    CHECK_THROWS_AS(policy->decide(kBlocks, 0, kEpochs), ManifestError);
    CHECK_THROWS_WITH(policy->decide(kBlocks, 0, kEpochs),
                      Contains("evaluation.freeze_policies[0].params.k") && Contains("k = 5") &&
                          Contains("only 4 blocks") && Contains("conv1, conv2, conv3, embedding"));
    CHECK_THROWS_AS(make("last_k", R"({"k": -1})"), ManifestError);
    CHECK_THROWS_WITH(make("last_k", R"({"k": -1})"),
                      Contains("evaluation.freeze_policies[0].params.k"));
}

TEST_CASE("blocks trains exactly the blocks it names, in every epoch", "[freeze]") {
    CHECK(schedule(*make("blocks", R"({"train": ["conv3", "embedding"]})")) == every_epoch("0011"));
    CHECK(schedule(*make("blocks", R"({"train": ["conv1"]})")) == every_epoch("1000"));
    CHECK(schedule(*make("blocks", R"({"train": ["embedding", "conv2", "conv2"]})")) ==
          every_epoch("0101"));
}

TEST_CASE("blocks naming a block the encoder lacks is a ManifestError listing the blocks",
          "[freeze]") {
    auto policy = make("blocks", R"({"train": ["conv3", "embeding"]})");
    CHECK_THROWS_AS(policy->decide(kBlocks, 0, kEpochs), ManifestError);
    CHECK_THROWS_WITH(policy->decide(kBlocks, 0, kEpochs),
                      Contains("evaluation.freeze_policies[0].params.train[1]") &&
                          Contains("'embeding' is not a block") &&
                          Contains("did you mean 'embedding'?") &&
                          Contains("conv1, conv2, conv3, embedding"));
    CHECK_THROWS_AS(make("blocks", "{}"), ManifestError);
    CHECK_THROWS_WITH(make("blocks", "{}"), Contains("missing required parameter 'train'"));
    CHECK_THROWS_AS(make("blocks", R"({"train": []})"), ManifestError);
    CHECK_THROWS_WITH(make("blocks", R"({"train": []})"), Contains("at least 1"));
}

TEST_CASE("gradual unfreezes one more block from the end every few epochs", "[freeze]") {
    CHECK(schedule(*make("gradual", "{}")) ==
          std::vector<std::string>{"0001", "0011", "0111", "1111", "1111", "1111", "1111", "1111"});
    CHECK(schedule(*make("gradual", R"({"every": 2})")) ==
          std::vector<std::string>{"0001", "0001", "0011", "0011", "0111", "0111", "1111", "1111"});
    CHECK(schedule(*make("gradual", R"({"every": 3, "initial": 0})")) ==
          std::vector<std::string>{"0000", "0000", "0000", "0001", "0001", "0001", "0011", "0011"});
    CHECK(schedule(*make("gradual", R"({"initial": 4})")) == every_epoch("1111"));
}

TEST_CASE("gradual gives the brief's example on three blocks", "[freeze]") {
    const std::vector<std::string> three = {"conv1", "conv2", "embedding"};
    auto policy = make("gradual", R"({"every": 2, "initial": 1})");
    std::vector<std::string> patterns;
    for (int epoch = 0; epoch < 6; ++epoch)
        patterns.push_back(pattern(policy->decide(three, epoch, 6)));
    CHECK(patterns == std::vector<std::string>{"001", "001", "011", "011", "111", "111"});
}

TEST_CASE("a policy's decision depends only on the epoch, not on earlier calls", "[freeze]") {
    auto policy = make("gradual", R"({"every": 2})");
    CHECK(pattern(policy->decide(kBlocks, 7, kEpochs)) == "1111");
    CHECK(pattern(policy->decide(kBlocks, 0, kEpochs)) == "0001");
    CHECK(pattern(policy->decide(kBlocks, 3, kEpochs)) == "0011");
    CHECK(pattern(policy->decide(kBlocks, 0, kEpochs)) == "0001");
}

TEST_CASE("gradual parameters outside their range are ManifestErrors naming them", "[freeze]") {
    auto policy = make("gradual", R"({"initial": 5})");
    CHECK_THROWS_AS(policy->decide(kBlocks, 0, kEpochs), ManifestError);
    CHECK_THROWS_WITH(policy->decide(kBlocks, 0, kEpochs),
                      Contains("evaluation.freeze_policies[0].params.initial") &&
                          Contains("initial = 5") && Contains("only 4 blocks"));
    CHECK_THROWS_AS(make("gradual", R"({"every": 0})"), ManifestError);
    CHECK_THROWS_WITH(make("gradual", R"({"every": 0})"),
                      Contains("evaluation.freeze_policies[0].params.every"));
}
