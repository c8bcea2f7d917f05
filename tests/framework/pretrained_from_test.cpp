// `selfsup run --pretrained-from FOLDER`: downstream runs on the encoders an
// earlier run pretrained, through the real program and real plugins.

#include <map>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "framework/cli_harness.hpp"

using Catch::Contains;
using selfsup::testing::Outcome;
using selfsup::testing::read_file;
using selfsup::testing::Scratch;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// One pretext on synthetic shapes, two seeds, one frozen policy, no protocols.
constexpr const char* kManifest = R"({
    "seeds": [0, 1],
    "dataset": {"plugin": "synthetic",
                "params": {"classes": 4, "train_size": 128, "test_size": 64}},
    "encoder": {"plugin": "conv", "params": {
        "blocks": [{"channels": 4, "stride": 2}, {"channels": 4, "stride": 2}],
        "embedding": 8}},
    "pretexts": [{"name": "ae", "plugin": "autoencoder", "epochs": 2, "batch_size": 32}],
    "evaluation": {
        "freeze_policies": [{"plugin": "last_k"}],
        "label_budgets": [16], "epochs": 3, "batch_size": 16, "protocols": []}
})";

struct EarlierRunFixture {
    Scratch scratch;
    std::string manifest = scratch.write("experiment.json", kManifest);
    fs::path earlier = fs::path(manifest).parent_path() / "earlier";

    EarlierRunFixture() {
        const Outcome outcome = run("--out '" + earlier.string() + "'");
        INFO(outcome.err);
        REQUIRE(outcome.code == 0);
    }

    Outcome run(const std::string& options) const {
        return scratch.run("--quiet run '" + manifest + "' " + options);
    }

    Outcome rerun(const std::string& options) const {
        const fs::path out = fs::path(manifest).parent_path() / "again";
        return run("--pretrained-from '" + earlier.string() + "' --out '" + out.string() + "' " +
                   options);
    }

    json::object results(const std::string& folder) const {
        const fs::path path = fs::path(manifest).parent_path() / folder / "results.json";
        return json::parse(read_file(path)).as_object();
    }
};

// Test accuracy of every row, keyed by method, policy and seed.
std::map<std::string, double> accuracies(const json::object& results) {
    std::map<std::string, double> found;
    for (const json::value& row : results.at("rows").as_array()) {
        const std::string key = std::string(row.at("method").as_string()) + "/" +
                                std::string(row.at("freeze_policy").as_string()) + "/" +
                                json::serialize(row.at("seed"));
        found[key] = row.at("test_accuracy").to_number<double>();
    }
    return found;
}

}  // namespace

TEST_CASE("a run on an earlier run's encoders reproduces its downstream results", "[pretrained]") {
    const EarlierRunFixture fixture;
    const Outcome outcome = fixture.rerun("");
    INFO(outcome.err);
    REQUIRE(outcome.code == 0);
    const json::object before = fixture.results("earlier");
    const json::object after = fixture.results("again");
    // Same encoders, same seeds, same downstream settings: the same numbers.
    CHECK(accuracies(after) == accuracies(before));
    REQUIRE(after.at("pretraining").as_array().size() == 2);
    for (const json::value& record : after.at("pretraining").as_array()) {
        const std::string seed = json::serialize(record.at("seed"));
        CHECK_THAT(std::string(record.at("pretrained_from").as_string()),
                   Contains("earlier/checkpoints/ae-seed" + seed + "-encoder.bin"));
    }
    // The earlier run's loss record is carried over; its checkpoints are copied.
    CHECK(after.at("pretraining").at(1).at("epoch_losses") ==
          before.at("pretraining").at(1).at("epoch_losses"));
    const fs::path root = fs::path(fixture.manifest).parent_path();
    CHECK(read_file(root / "again/checkpoints/ae-seed1-encoder.bin") ==
          read_file(root / "earlier/checkpoints/ae-seed1-encoder.bin"));
    CHECK_THAT(read_file(root / "again/report.md"), Contains("Pretrained by an earlier run"));
}

TEST_CASE("downstream settings may change when reusing an earlier run's encoders", "[pretrained]") {
    const EarlierRunFixture fixture;
    const Outcome outcome =
        fixture.rerun("--set 'evaluation.label_budgets=[8,32]' --set evaluation.epochs=5");
    INFO(outcome.err);
    REQUIRE(outcome.code == 0);
    // 2 seeds x 2 budgets x (scratch + control + ae under last_k).
    CHECK(fixture.results("again").at("rows").as_array().size() == 12);
}

TEST_CASE("an earlier run that pretrained differently is refused naming the setting",
          "[pretrained]") {
    const EarlierRunFixture fixture;
    const Outcome epochs = fixture.rerun("--set pretexts.0.epochs=3");
    CHECK(epochs.code == 2);
    CHECK_THAT(epochs.err, Contains("that run pretrained 'ae' differently: pretexts[0].epochs is "
                                    "2 there and 3 here"));
    const Outcome encoder = fixture.rerun("--set encoder.params.embedding=16");
    CHECK(encoder.code == 2);
    CHECK_THAT(encoder.err, Contains("encoder.params.embedding is 8 there and 16 here"));
    const Outcome data = fixture.rerun("--set dataset.params.train_size=256");
    CHECK(data.code == 2);
    CHECK_THAT(data.err, Contains("dataset.params.train_size is 128 there and 256 here"));
    const Outcome renamed = fixture.rerun("--set pretexts.0.name=other");
    CHECK(renamed.code == 2);
    CHECK_THAT(renamed.err, Contains("that run has no pretext 'other'; it has: ae"));
    // Nothing was run: the refusals come before any training.
    CHECK_FALSE(fs::exists(fs::path(fixture.manifest).parent_path() / "again" / "results.json"));
}

TEST_CASE("a seed the earlier run did not pretrain is refused naming its checkpoint",
          "[pretrained]") {
    const EarlierRunFixture fixture;
    const Outcome outcome = fixture.rerun("--set 'seeds=[0,1,2]'");
    CHECK(outcome.code == 2);
    CHECK_THAT(outcome.err, Contains("did not finish pretraining 'ae' with seed 2"));
    CHECK_THAT(outcome.err, Contains("earlier/checkpoints/ae-seed2-encoder.bin"));
}

TEST_CASE("a folder that is not a finished run is refused naming the missing file",
          "[pretrained]") {
    const EarlierRunFixture fixture;
    fs::remove(fixture.earlier / "results.json");
    const Outcome outcome = fixture.rerun("");
    CHECK(outcome.code == 2);
    CHECK_THAT(outcome.err, Contains("--pretrained-from " + fixture.earlier.string() +
                                     ": not a finished run folder"));
    CHECK_THAT(outcome.err, Contains("results.json: no such file"));
}

TEST_CASE("a damaged checkpoint fails the run naming the file", "[pretrained]") {
    const EarlierRunFixture fixture;
    const fs::path checkpoint = fixture.earlier / "checkpoints" / "ae-seed0-encoder.bin";
    fs::resize_file(checkpoint, fs::file_size(checkpoint) / 2);
    const Outcome outcome = fixture.rerun("");
    CHECK(outcome.code == 1);
    CHECK_THAT(outcome.err, Contains(checkpoint.string()));
}
