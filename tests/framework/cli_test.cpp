// The real `selfsup` program against every kind of bad input a user can give
// it: each must end with exit code 2 and one line on stderr that starts with
// "selfsup: " and says where the problem is (the file or the JSON path).
// Usage errors found by CLI11 print CLI11's own message; only their exit
// code is checked.

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "framework/cli_harness.hpp"

using Catch::Contains;
using Catch::StartsWith;
namespace fs = std::filesystem;
namespace json = boost::json;

using selfsup::testing::Outcome;
using selfsup::testing::Scratch;

namespace {

const fs::path kTestPlugins = SELFSUP_TEST_PLUGIN_DIR;

// The test plugins a manifest may name; given as files so that their broken
// neighbours do not add warnings to stderr.
const std::string kPluginOptions =
    "--plugin-path '" + (kTestPlugins / "selfsup-test_tiny_data.so").string() +
    "' --plugin-path '" + (kTestPlugins / "selfsup-test_tiny_head.so").string() + "'";

// Writes `content` as a manifest and runs `selfsup validate` on it.
Outcome validate(const Scratch& scratch, const std::string& content,
                 const std::string& extra = "") {
    const std::string path = scratch.write("manifest.json", content);
    return scratch.run(kPluginOptions + " validate '" + path + "' " + extra);
}

// A manifest whose structure is fine; the overrides tested with it break the
// structure, which is checked before any plugin is looked up.
constexpr const char* kGoodStructure = R"({
  "dataset": {"plugin": "tiny_data"},
  "encoder": {"plugin": "tiny_encoder"},
  "evaluation": {"head": {"plugin": "tiny_head"}}
})";

}  // namespace

// The contract for a bad input: exit code 2, one line on stderr, starting
// with "selfsup: " and naming `where`.
#define CHECK_REFUSED(outcome, where)                                         \
    do {                                                                      \
        const Outcome& refused_ = (outcome);                                  \
        INFO("stderr: " << refused_.err);                                     \
        CHECK(refused_.code == 2);                                            \
        CHECK(refused_.err_lines() == 1);                                     \
        CHECK_THAT(refused_.err, StartsWith("selfsup: ") && Contains(where)); \
    } while (false)

TEST_CASE("an empty manifest file is refused naming the file", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = validate(scratch, "");
    CHECK_REFUSED(outcome, scratch.manifest_path());
    CHECK_THAT(outcome.err, Contains("empty"));
}

TEST_CASE("a manifest that is not JSON is refused naming the file", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = validate(scratch, "dataset = idx\nencoder = conv\n");
    CHECK_REFUSED(outcome, scratch.manifest_path() + ":1:1");
    CHECK_THAT(outcome.err, Contains("not valid JSON"));
}

TEST_CASE("a truncated manifest is refused naming the file", "[cli]") {
    const Scratch scratch;
    const Outcome outcome =
        validate(scratch, R"({"dataset": {"plugin": "tiny_data"}, "encoder": {"plu)");
    CHECK_REFUSED(outcome, scratch.manifest_path());
    CHECK_THAT(outcome.err, Contains("ends too early"));
}

TEST_CASE("a manifest that is a JSON array is refused naming the file", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = validate(scratch, R"([{"dataset": {"plugin": "tiny_data"}}])");
    CHECK_REFUSED(outcome, scratch.manifest_path());
    CHECK_THAT(outcome.err, Contains("object"));
}

TEST_CASE("a manifest nested 100000 levels deep is refused without crashing", "[cli]") {
    const Scratch scratch;
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const Outcome outcome = validate(scratch, deep);
    CHECK_REFUSED(outcome, scratch.manifest_path());
    CHECK_THAT(outcome.err, Contains("nest") || Contains("deep"));
}

TEST_CASE("a manifest with invalid UTF-8 is refused naming the file", "[cli]") {
    const Scratch scratch;
    const Outcome outcome =
        validate(scratch, "{\"name\": \"caf\xC3\x28\", \"dataset\": {\"plugin\": \"x\"}}");
    CHECK_REFUSED(outcome, scratch.manifest_path());
    CHECK_THAT(outcome.err, Contains("UTF-8"));
}

TEST_CASE("a number no double holds is refused naming the file", "[cli]") {
    const Scratch scratch;
    const Outcome outcome =
        validate(scratch, R"({"threads": 1e999, "dataset": {"plugin": "tiny_data"}})");
    CHECK_REFUSED(outcome, scratch.manifest_path());
    CHECK_THAT(outcome.err, Contains("1e999") && Contains("out of range"));
}

TEST_CASE("a manifest file that does not exist is refused naming it", "[cli]") {
    const Scratch scratch;
    CHECK_REFUSED(scratch.run("validate '" + scratch.manifest_path() + "'"),
                  scratch.manifest_path());
}

TEST_CASE("a manifest without a dataset is refused naming the key", "[cli]") {
    const Scratch scratch;
    CHECK_REFUSED(validate(scratch, R"({"encoder": {"plugin": "tiny_encoder"}})"), "dataset");
}

TEST_CASE("an unknown manifest key is refused with a did-you-mean", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = validate(scratch, 
        R"({"dataset": {"plugin": "tiny_data"}, "encoder": {"plugin": "x"}, "pretext": []})");
    CHECK_REFUSED(outcome, "pretext");
    CHECK_THAT(outcome.err, Contains("did you mean 'pretexts'"));
}

TEST_CASE("an unknown plugin name is refused at its JSON path with a did-you-mean", "[cli]") {
    const Scratch scratch;
    const Outcome outcome =
        validate(scratch, R"({"dataset": {"plugin": "tiny_dta"}, "encoder": {"plugin": "x"}})");
    CHECK_REFUSED(outcome, "dataset: no dataset plugin named 'tiny_dta'");
    CHECK_THAT(outcome.err, Contains("did you mean 'tiny_data'"));
}

TEST_CASE("a plugin of the wrong kind in a slot is refused naming both kinds", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = validate(scratch, 
        R"({"dataset": {"plugin": "tiny_data"}, "encoder": {"plugin": "tiny_head"}})");
    CHECK_REFUSED(outcome, "encoder: plugin 'tiny_head' is a head");
    CHECK_THAT(outcome.err, Contains("but an encoder is needed here"));
}

TEST_CASE("a plugin parameter of the wrong type is refused at its JSON path", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = validate(scratch, 
        R"({"dataset": {"plugin": "tiny_data", "params": {"size": "big"}},
            "encoder": {"plugin": "x"}})");
    CHECK_REFUSED(outcome, "dataset.params.size");
    CHECK_THAT(outcome.err, Contains("integer"));
}

TEST_CASE("a valid manifest is confirmed with its counts in singular or plural", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = validate(scratch, R"({
      "dataset": {"plugin": "tiny_data"}, "encoder": {"plugin": "mlp"}, "seeds": [0],
      "evaluation": {"head": {"plugin": "tiny_head"}, "label_budgets": [4, "all"],
                     "freeze_policies": [{"plugin": "finetune"}]}})");
    INFO("stderr: " << outcome.err);
    REQUIRE(outcome.code == 0);
    CHECK_THAT(outcome.out, Contains(": valid (0 pretexts, 1 freeze policy, 2 label budgets, 1 seed)"));
}

TEST_CASE("an override without an equals sign is refused naming it", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = validate(scratch, kGoodStructure, "--set evaluation.epochs");
    CHECK_REFUSED(outcome, "evaluation.epochs");
    CHECK_THAT(outcome.err, Contains("="));
}

TEST_CASE("an override that breaks the manifest is refused at its JSON path", "[cli]") {
    const Scratch scratch;
    CHECK_REFUSED(validate(scratch, kGoodStructure, "--set threads=0"), "threads");
    CHECK_REFUSED(validate(scratch, kGoodStructure, "--set evaluation.epocs=3"), "evaluation.epocs");
}

TEST_CASE("a plugin file of another ABI version on the plugin path is refused naming it", "[cli]") {
    const Scratch scratch;
    const fs::path wrong_abi = kTestPlugins / "selfsup-test_wrong_abi.so";
    const Outcome outcome = scratch.run("--plugin-path '" + wrong_abi.string() + "' plugins");
    CHECK_REFUSED(outcome, wrong_abi.string());
    CHECK_THAT(outcome.err, Contains("ABI version"));
}

TEST_CASE("usage errors exit with code 2", "[cli]") {
    const Scratch scratch;
    const Outcome unknown = scratch.run("frobnicate");
    CHECK(unknown.code == 2);
    CHECK_THAT(unknown.err, Contains("selfsup: unknown command 'frobnicate'"));
    CHECK(scratch.run("").code == 2);
    CHECK(scratch.run("validate").code == 2);
    CHECK(scratch.run("--frobnicate plugins").code == 2);
    CHECK(scratch.run("plugins --kind pretxt").code == 2);
    CHECK(scratch.run("plugins show").code == 2);
}

TEST_CASE("version and help exit with code 0", "[cli]") {
    const Scratch scratch;
    const Outcome version = scratch.run("--version");
    CHECK(version.code == 0);
    CHECK_THAT(version.out, StartsWith("selfsup ") && Contains("plugin ABI"));
    const Outcome help = scratch.run("--help");
    CHECK(help.code == 0);
    CHECK_THAT(help.out, Contains("validate") && Contains("plugins"));
    CHECK(scratch.run("validate --help").code == 0);
}

TEST_CASE("the plugin list as JSON is valid JSON describing each plugin", "[cli]") {
    const Scratch scratch;
    const Outcome outcome = scratch.run(kPluginOptions + " plugins --json");
    REQUIRE(outcome.code == 0);
    json::value listing;
    REQUIRE_NOTHROW(listing = json::parse(outcome.out));
    REQUIRE(listing.is_array());
    bool found = false;
    for (const json::value& plugin : listing.as_array()) {
        if (plugin.at("name") != "tiny_head") continue;
        found = true;
        CHECK(plugin.at("kind") == "head");
        CHECK(plugin.at("version") == "1.0.0");
        CHECK(plugin.at("file").as_string() ==
              (kTestPlugins / "selfsup-test_tiny_head.so").string());
    }
    CHECK(found);
    const Outcome heads = scratch.run(kPluginOptions + " plugins --kind head --json");
    REQUIRE(heads.code == 0);
    const json::value head_listing = json::parse(heads.out);
    for (const json::value& plugin : head_listing.as_array()) {
        CHECK(plugin.at("kind") == "head");
    }
}

TEST_CASE("showing a plugin prints its parameters, or as JSON its schema", "[cli]") {
    const Scratch scratch;
    const Outcome text = scratch.run(kPluginOptions + " plugins show tiny_head");
    CHECK(text.code == 0);
    CHECK_THAT(text.out,
               Contains("tiny_head 1.0.0 (head)") && Contains("bias") && Contains("default true"));
    const Outcome as_json = scratch.run(kPluginOptions + " plugins show tiny_head --json");
    REQUIRE(as_json.code == 0);
    CHECK(json::parse(as_json.out).at("schema").at("bias").at("type") == "boolean");
}

TEST_CASE("showing an unknown plugin exits 2 with a did-you-mean", "[cli]") {
    const Scratch scratch;
    CHECK_REFUSED(scratch.run(kPluginOptions + " plugins show NOPE"), "no plugin named 'NOPE'");
    const Outcome close = scratch.run(kPluginOptions + " plugins show tiny_hed");
    CHECK_REFUSED(close, "no plugin named 'tiny_hed'");
    CHECK_THAT(close.err, Contains("did you mean 'tiny_head'"));
}

TEST_CASE("an auxiliary pretext's plugin and parameters are checked at their JSON path", "[cli]") {
    const Scratch scratch;
    const std::string manifest = R"({
        "dataset": {"plugin": "synthetic", "params": {"classes": 4, "train_size": 64,
                                                     "test_size": 32}},
        "encoder": {"plugin": "conv"},
        "pretexts": [{"plugin": "contrastive", "auxiliary": [AUXILIARY]}]})";
    const auto with = [&](const std::string& auxiliary) {
        std::string text = manifest;
        text.replace(text.find("AUXILIARY"), 9, auxiliary);
        return validate(scratch, text);
    };
    const Outcome unknown = with(R"({"plugin": "rotaton"})");
    CHECK_REFUSED(unknown, "pretexts[0].auxiliary[0]: no pretext plugin named 'rotaton'");
    CHECK_THAT(unknown.err, Contains("did you mean 'rotation'"));
    CHECK_REFUSED(with(R"({"plugin": "rotation", "params": {"hidden": "wide"}})"),
                  "pretexts[0].auxiliary[0].params.hidden");
    const Outcome valid = with(R"({"plugin": "rotation", "weight": 0.5})");
    INFO(valid.err);
    CHECK(valid.code == 0);
}
