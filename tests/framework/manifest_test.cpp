// parse_manifest and to_json: every key read, defaults filled in, the
// resolved form reading back to itself, and each kind of mistake a user
// makes reported at its JSON path in words they can act on.

#include "manifest/manifest.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "selfsup/errors.hpp"

using namespace selfsup;
using Catch::Contains;
namespace json = boost::json;

namespace {

constexpr const char* kMinimal = R"({
  "dataset": {"plugin": "idx"},
  "encoder": {"plugin": "conv"}
})";

constexpr const char* kFull = R"({
  "name": "full",
  "seeds": [1, 2, 3],
  "threads": 4,
  "output": "out/full",
  "plugin_paths": ["extra/plugins", "one.so"],
  "dataset": {"plugin": "idx", "name": "fashion", "params": {"folder": "data"}},
  "encoder": {"plugin": "conv", "params": {"channels": [8, 16]}},
  "pretexts": [
    {"plugin": "autoencoder", "epochs": 3, "batch_size": 64,
     "optimizer": {"type": "sgd", "lr": 0.5, "momentum": 0.9, "nesterov": true,
                   "weight_decay": 0.01}},
    {"plugin": "denoising", "name": "denoising_strong", "params": {"noise_std": 0.5}}
  ],
  "evaluation": {
    "head": {"plugin": "linear", "params": {"dropout": 0.1}},
    "freeze_policies": [{"plugin": "linear_probe"}, {"plugin": "last_k", "name": "last_2",
                                                     "params": {"k": 2}}],
    "label_budgets": [10, "all"],
    "optimizer": {"type": "adamw", "lr": 0.002, "beta1": 0.8, "beta2": 0.99},
    "epochs": 7,
    "batch_size": 32,
    "schedules": {"10": {"epochs": 50, "batch_size": 10}},
    "baseline": false
  }
})";

Manifest parse(const std::string& text) {
    return parse_manifest(json::parse(text), "experiments/test.json");
}

// `kMinimal` with `key` at the top level set to `value` (JSON text).
Manifest parse_with(const std::string& key, const std::string& value) {
    json::value root = json::parse(kMinimal);
    root.as_object()[key] = json::parse(value);
    return parse_manifest(root, "experiments/test.json");
}

}  // namespace

TEST_CASE("a full manifest fills every field", "[manifest]") {
    const Manifest manifest = parse(kFull);
    CHECK(manifest.name == "full");
    CHECK(manifest.seeds == std::vector<uint64_t>{1, 2, 3});
    CHECK(manifest.threads == 4);
    CHECK(manifest.output == "out/full");
    CHECK(manifest.plugin_paths == std::vector<std::string>{"extra/plugins", "one.so"});

    CHECK(manifest.dataset.plugin == "idx");
    CHECK(manifest.dataset.label == "fashion");
    CHECK(manifest.dataset.json_path == "dataset");
    CHECK(manifest.dataset.params == json::parse(R"({"folder": "data"})"));
    CHECK(manifest.encoder.label == "conv");
    CHECK(manifest.encoder.params.at("channels") == json::parse("[8, 16]"));

    REQUIRE(manifest.pretexts.size() == 2);
    const PretextSpec& first = manifest.pretexts[0];
    CHECK(first.slot.plugin == "autoencoder");
    CHECK(first.slot.json_path == "pretexts[0]");
    CHECK(first.epochs == 3);
    CHECK(first.batch_size == 64);
    CHECK(first.optimizer.type == "sgd");
    CHECK(first.optimizer.lr == Approx(0.5f));
    CHECK(first.optimizer.momentum == Approx(0.9f));
    CHECK(first.optimizer.nesterov);
    CHECK(first.optimizer.weight_decay == Approx(0.01f));
    const PretextSpec& second = manifest.pretexts[1];
    CHECK(second.slot.label == "denoising_strong");
    CHECK(second.slot.plugin == "denoising");
    CHECK(second.slot.json_path == "pretexts[1]");
    CHECK(second.slot.params.at("noise_std").as_double() == Approx(0.5));

    const EvaluationSpec& evaluation = manifest.evaluation;
    CHECK(evaluation.head.plugin == "linear");
    CHECK(evaluation.head.json_path == "evaluation.head");
    REQUIRE(evaluation.freeze_policies.size() == 2);
    CHECK(evaluation.freeze_policies[1].label == "last_2");
    CHECK(evaluation.freeze_policies[1].json_path == "evaluation.freeze_policies[1]");
    REQUIRE(evaluation.label_budgets.size() == 2);
    CHECK(evaluation.label_budgets[0].count == 10);
    CHECK(evaluation.label_budgets[1].all());
    CHECK(evaluation.optimizer.type == "adamw");
    CHECK(evaluation.optimizer.lr == Approx(0.002f));
    CHECK(evaluation.optimizer.beta1 == Approx(0.8f));
    CHECK(evaluation.optimizer.beta2 == Approx(0.99f));
    CHECK(evaluation.epochs == 7);
    CHECK(evaluation.batch_size == 32);
    CHECK_FALSE(evaluation.baseline);
    REQUIRE(evaluation.schedules.size() == 1);
    CHECK(evaluation.schedule_for(LabelBudget{10}).epochs == 50);
    CHECK(evaluation.schedule_for(LabelBudget{10}).batch_size == 10);
    CHECK(evaluation.schedule_for(LabelBudget{0}).epochs == 7);
    CHECK(evaluation.schedule_for(LabelBudget{0}).batch_size == 32);
}

TEST_CASE("a minimal manifest gets every default", "[manifest]") {
    const Manifest manifest = parse(kMinimal);
    CHECK(manifest.name == "test");
    CHECK(manifest.seeds == std::vector<uint64_t>{0});
    CHECK(manifest.threads == 2);
    CHECK(manifest.output == "runs/test");
    CHECK(manifest.plugin_paths.empty());
    CHECK(manifest.dataset.label == "idx");
    CHECK(manifest.dataset.params == json::object{});
    CHECK(manifest.pretexts.empty());

    const EvaluationSpec& evaluation = manifest.evaluation;
    CHECK(evaluation.head.plugin == "linear");
    REQUIRE(evaluation.freeze_policies.size() == 2);
    CHECK(evaluation.freeze_policies[0].plugin == "linear_probe");
    CHECK(evaluation.freeze_policies[1].plugin == "finetune");
    REQUIRE(evaluation.label_budgets.size() == 3);
    CHECK(evaluation.label_budgets[0].str() == "100");
    CHECK(evaluation.label_budgets[1].str() == "1000");
    CHECK(evaluation.label_budgets[2].str() == "all");
    CHECK(evaluation.optimizer.type == "adam");
    CHECK(evaluation.optimizer.lr == Approx(1e-3f));
    CHECK(evaluation.optimizer.beta1 == Approx(0.9f));
    CHECK(evaluation.optimizer.beta2 == Approx(0.999f));
    CHECK(evaluation.optimizer.momentum == 0.0f);
    CHECK_FALSE(evaluation.optimizer.nesterov);
    CHECK(evaluation.epochs == 20);
    CHECK(evaluation.batch_size == 128);
    CHECK(evaluation.schedules.empty());
    CHECK(evaluation.baseline);
}

TEST_CASE("a pretext without settings gets the default schedule and optimizer", "[manifest]") {
    const Manifest manifest = parse_with("pretexts", R"([{"plugin": "autoencoder"}])");
    REQUIRE(manifest.pretexts.size() == 1);
    CHECK(manifest.pretexts[0].epochs == 10);
    CHECK(manifest.pretexts[0].batch_size == 128);
    CHECK(manifest.pretexts[0].optimizer.type == "adam");
    CHECK(manifest.pretexts[0].slot.params == json::object{});
}

TEST_CASE("the resolved manifest reads back to the same JSON", "[manifest]") {
    for (const char* text : {kMinimal, kFull}) {
        const json::value resolved = to_json(parse(text));
        const json::value again = to_json(parse_manifest(resolved, "elsewhere/other.json"));
        CHECK(json::serialize(again) == json::serialize(resolved));
    }
    const json::value full = to_json(parse(kFull));
    CHECK(full.at("pretexts").at(1).at("name") == "denoising_strong");
    CHECK(full.at("evaluation").at("label_budgets") == json::parse(R"([10, "all"])"));
    CHECK(full.at("evaluation").at("schedules") ==
          json::parse(R"({"10": {"epochs": 50, "batch_size": 10}})"));
}

TEST_CASE("a manifest that is not an object is refused naming the file", "[manifest]") {
    const json::value array = json::parse("[1, 2]");
    CHECK_THROWS_AS(parse_manifest(array, "list.json"), ManifestError);
    CHECK_THROWS_WITH(parse_manifest(array, "list.json"),
                      Contains("list.json: the manifest must be a JSON object"));
}

TEST_CASE("a missing required key is named", "[manifest]") {
    const auto parse_without_dataset = [] { return parse(R"({"encoder": {"plugin": "conv"}})"); };
    CHECK_THROWS_AS(parse_without_dataset(), ManifestError);
    CHECK_THROWS_WITH(parse_without_dataset(), Contains("missing required key 'dataset'"));
    CHECK_THROWS_WITH(parse_with("dataset", R"({"params": {}})"),
                      Contains("dataset: missing required key 'plugin'"));
    CHECK_THROWS_WITH(parse_with("evaluation", R"({"schedules": {"100": {"epochs": 3}}})"),
                      Contains("evaluation.schedules.100: missing required key 'batch_size'"));
}

TEST_CASE("an unknown key is named with a did-you-mean", "[manifest]") {
    CHECK_THROWS_AS(parse_with("pretext", "[]"), ManifestError);
    CHECK_THROWS_WITH(parse_with("pretext", "[]"),
                      Contains("pretext") && Contains("did you mean 'pretexts'"));
    CHECK_THROWS_WITH(parse_with("evaluation", R"({"epocs": 5})"),
                      Contains("evaluation.epocs") && Contains("did you mean 'epochs'"));
    CHECK_THROWS_WITH(parse_with("pretexts", R"([{"plugin": "autoencoder", "optimiser": {}}])"),
                      Contains("pretexts[0].optimiser") && Contains("did you mean 'optimizer'"));
}

TEST_CASE("a value of the wrong type is named with the type wanted", "[manifest]") {
    CHECK_THROWS_AS(parse_with("threads", "\"2\""), ManifestError);
    CHECK_THROWS_WITH(parse_with("threads", "\"2\""),
                      Contains("threads: expected an integer, got the string \"2\""));
    CHECK_THROWS_WITH(parse_with("seeds", "[1, 2.5]"), Contains("seeds[1]"));
    CHECK_THROWS_WITH(parse_with("evaluation", R"({"baseline": "yes"})"),
                      Contains("evaluation.baseline") && Contains("boolean"));
}

TEST_CASE("a value out of range is named with its range", "[manifest]") {
    CHECK_THROWS_AS(parse_with("threads", "0"), ManifestError);
    CHECK_THROWS_WITH(parse_with("threads", "0"), Contains("threads: 0 is below the minimum 1"));
    CHECK_THROWS_WITH(parse_with("seeds", "[]"), Contains("seeds"));
    CHECK_THROWS_WITH(parse_with("evaluation", R"({"optimizer": {"type": "rmsprop"}})"),
                      Contains("evaluation.optimizer.type") && Contains("adam"));
    CHECK_THROWS_WITH(parse_with("evaluation", R"({"optimizer": {"lr": -1}})"),
                      Contains("evaluation.optimizer.lr"));
}

TEST_CASE("a label budget must be a positive count or all", "[manifest]") {
    for (const char* budgets : {"[100, -5]", "[100, \"most\"]", "[100, 0]", "[100, 2.5]",
                                "[100, 18446744073709551615]"}) {
        const std::string evaluation = std::string(R"({"label_budgets": )") + budgets + "}";
        CHECK_THROWS_AS(parse_with("evaluation", evaluation), ManifestError);
        CHECK_THROWS_WITH(parse_with("evaluation", evaluation),
                          Contains("evaluation.label_budgets[1]") &&
                              Contains("positive count of images or \"all\""));
    }
    CHECK_THROWS_WITH(parse_with("evaluation", R"({"label_budgets": []})"),
                      Contains("evaluation.label_budgets"));
}

TEST_CASE("a schedule keyed by something that is not a budget is refused", "[manifest]") {
    const std::string evaluation = R"({"schedules": {"lots": {"epochs": 5, "batch_size": 8}}})";
    CHECK_THROWS_AS(parse_with("evaluation", evaluation), ManifestError);
    CHECK_THROWS_WITH(parse_with("evaluation", evaluation),
                      Contains("evaluation.schedules.lots") && Contains("label budget"));
}

TEST_CASE("two entries of one list with one label are refused", "[manifest]") {
    const auto twice = [] {
        return parse_with("pretexts", R"([{"plugin": "denoising"}, {"plugin": "denoising"}])");
    };
    CHECK_THROWS_AS(twice(), ManifestError);
    CHECK_THROWS_WITH(twice(), Contains("pretexts[1]") && Contains("'denoising' is used twice") &&
                                   Contains("\"name\""));
    CHECK_NOTHROW(parse_with(
        "pretexts", R"([{"plugin": "denoising"}, {"plugin": "denoising", "name": "strong"}])"));
    CHECK_THROWS_WITH(parse_with("evaluation", R"({"label_budgets": [100, 100]})"),
                      Contains("evaluation.label_budgets[1]") && Contains("'100' is used twice"));
    const std::string policies = R"({"freeze_policies": [
        {"plugin": "finetune"}, {"plugin": "last_k", "name": "finetune"}]})";
    CHECK_THROWS_WITH(
        parse_with("evaluation", policies),
        Contains("evaluation.freeze_policies[1]") && Contains("'finetune' is used twice"));
}

TEST_CASE("keeping some pretexts by name drops the others and keeps the manifest's order",
          "[manifest]") {
    Manifest manifest = parse_manifest(json::parse(kFull), "full.json");
    keep_pretexts(manifest, {"denoising_strong", "autoencoder"});
    REQUIRE(manifest.pretexts.size() == 2);
    CHECK(manifest.pretexts[0].slot.label == "autoencoder");
    CHECK(manifest.pretexts[1].slot.label == "denoising_strong");

    keep_pretexts(manifest, {"denoising_strong"});
    REQUIRE(manifest.pretexts.size() == 1);
    CHECK(manifest.pretexts[0].slot.label == "denoising_strong");
}

TEST_CASE("keeping a pretext the manifest does not have names it, the known ones and the closest",
          "[manifest]") {
    Manifest manifest = parse_manifest(json::parse(kFull), "full.json");
    CHECK_THROWS_MATCHES(
        keep_pretexts(manifest, {"autoencoder", "denoising_stong"}), ManifestError,
        Catch::Matchers::Message(
            "--pretexts: the manifest has no pretext 'denoising_stong'; it has autoencoder, "
            "denoising_strong; did you mean 'denoising_strong'?"));
    CHECK(manifest.pretexts.size() == 2);
}

TEST_CASE("auxiliary pretexts are read with their weights and written back", "[manifest]") {
    const Manifest manifest = parse_with("pretexts", R"([{"plugin": "contrastive", "auxiliary": [
        {"plugin": "rotation", "params": {"hidden": [16]}, "weight": 0.5},
        {"plugin": "masked"}]}])");
    const std::vector<AuxiliarySpec>& auxiliary = manifest.pretexts.at(0).auxiliary;
    REQUIRE(auxiliary.size() == 2);
    CHECK(auxiliary[0].slot.plugin == "rotation");
    CHECK(auxiliary[0].slot.json_path == "pretexts[0].auxiliary[0]");
    CHECK(auxiliary[0].slot.params == json::parse(R"({"hidden": [16]})"));
    CHECK(auxiliary[0].weight == 0.5f);
    CHECK(auxiliary[1].weight == 1.0f);
    const json::value written = to_json(manifest).at("pretexts").at(0).at("auxiliary");
    CHECK(written.at(1) == json::parse(R"({"plugin": "masked", "params": {}, "weight": 1.0})"));
    CHECK(to_json(parse_manifest(to_json(manifest), "again.json")) == to_json(manifest));
    // A pretext without auxiliaries is written without the key.
    CHECK_FALSE(to_json(parse(kFull)).at("pretexts").at(0).as_object().contains("auxiliary"));
}

TEST_CASE("an auxiliary pretext with weight 0 or an unknown key is refused at its path",
          "[manifest]") {
    const auto with_auxiliary = [](const std::string& entry) {
        return parse_with("pretexts",
                          R"([{"plugin": "contrastive", "auxiliary": [)" + entry + "]}]");
    };
    CHECK_THROWS_AS(with_auxiliary(R"({"plugin": "rotation", "weight": 0})"), ManifestError);
    CHECK_THROWS_WITH(with_auxiliary(R"({"plugin": "rotation", "weight": 0})"),
                      Contains("pretexts[0].auxiliary[0].weight: 0 would add nothing"));
    CHECK_THROWS_WITH(with_auxiliary(R"({"plugin": "rotation", "wieght": 2})"),
                      Contains("pretexts[0].auxiliary[0].wieght") &&
                          Contains("did you mean 'weight'"));
    CHECK_THROWS_WITH(with_auxiliary(R"({"params": {}})"),
                      Contains("pretexts[0].auxiliary[0]: missing required key 'plugin'"));
}
