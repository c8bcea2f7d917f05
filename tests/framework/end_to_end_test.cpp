// Whole experiments through the real `selfsup run`: real plugin libraries,
// real data (generated, and a slice of Fashion-MNIST), every file of the run
// folder checked.

#include <boost/json.hpp>
#include <map>
#include <catch2/catch.hpp>

#include "framework/cli_harness.hpp"

using Catch::Contains;
using selfsup::testing::Outcome;
using selfsup::testing::read_file;
using selfsup::testing::Scratch;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const fs::path kFashionMnist = "/usr/share/datasets/fashion-mnist";

bool is_png(const fs::path& path) {
    return read_file(path).rfind("\x89PNG\r\n\x1a\n", 0) == 0;
}

struct Run {
    fs::path folder;
    json::object results;
};

// Runs `manifest` into a fresh folder and checks what every run folder must
// hold.
Run run_and_check(const Scratch& scratch, const std::string& manifest,
                           size_t expected_rows) {
    const std::string path = scratch.write("experiment.json", manifest);
    const fs::path out = fs::path(path).parent_path() / "run";
    const Outcome outcome = scratch.run("--quiet run '" + path + "' --out '" + out.string() + "'");
    INFO(outcome.err);
    REQUIRE(outcome.code == 0);
    CHECK_THAT(outcome.out, Contains("| method | protocol |"));

    for (const char* file : {"manifest.json", "run.log", "results.json", "results.csv", "report.md"}) {
        CHECK(fs::is_regular_file(out / file));
    }
    const json::object results = json::parse(read_file(out / "results.json")).as_object();
    const json::array& rows = results.at("rows").as_array();
    CHECK(rows.size() == expected_rows);
    // Each trained model has the parameter count of its baseline; the frozen
    // protocols judge an encoder of the baseline's size with no head (knn) or
    // a logistic regression in place of the head.
    std::map<std::string, json::value> baseline_totals;
    std::map<std::string, json::value> baseline_encoders;
    for (const json::value& row : rows) {
        if (row.at("method") == row.at("baseline")) {
            const std::string method(row.at("method").as_string());
            baseline_totals[method] = row.at("total_parameters");
            baseline_encoders[method] = row.at("encoder_parameters");
        }
    }
    for (const json::value& row : rows) {
        const std::string baseline(row.at("baseline").as_string());
        const bool frozen_protocol =
            row.at("freeze_policy") == "knn" || row.at("freeze_policy") == "logistic";
        if (frozen_protocol) {
            if (row.at("freeze_policy") == "knn") CHECK(row.at("head_parameters") == 0);
            CHECK(row.at("encoder_parameters") == baseline_encoders.at(baseline));
        } else {
            CHECK(row.at("total_parameters") == baseline_totals.at(baseline));
        }
        CHECK(row.at("freeze_audit_passed").as_bool());
        const double accuracy = row.at("test_accuracy").to_number<double>();
        CHECK(accuracy >= 0.0);
        CHECK(accuracy <= 1.0);
    }
    for (const json::value& pretraining : results.at("pretraining").as_array()) {
        CHECK(is_png(out / std::string(pretraining.at("loss_curve_image").as_string())));
        CHECK(is_png(out / std::string(pretraining.at("preview_image").as_string())));
    }
    for (const json::value& projection : results.at("projections").as_array()) {
        CHECK(is_png(out / std::string(projection.at("image").as_string())));
    }
    const std::string report = read_file(out / "report.md");
    CHECK_THAT(report, Contains("## Parameters"));
    CHECK_THAT(report, Contains("![previews](images/"));
    CHECK_THAT(report, Contains("| kNN "));
    CHECK_THAT(report, Contains("| logistic "));
    CHECK_THAT(report, Contains("vs control"));
    // One CSV line per row, plus the header.
    const std::string csv = read_file(out / "results.csv");
    CHECK(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')) == expected_rows + 1);
    return {out, results};
}

}  // namespace

TEST_CASE("a tiny experiment on synthetic shapes runs end to end", "[e2e]") {
    const Scratch scratch;
    // 2 seeds x 2 budgets x (2 baselines, one per encoder spec, + 2 random-init
    // controls x 2 policies that keep a block frozen + 3 pretexts x 2 policies
    // + (3 pretexts + 2 controls) x 2 frozen protocols) = 4 x 22 = 88 rows.
    const auto [out, results] = run_and_check(scratch, R"({
        "seeds": [0, 1],
        "dataset": {"plugin": "synthetic",
                    "params": {"classes": 4, "train_size": 256, "test_size": 64}},
        "encoder": {"plugin": "conv", "params": {
            "blocks": [{"channels": 8, "stride": 2}, {"channels": 8, "stride": 2}],
            "embedding": 16}},
        "pretexts": [
            {"plugin": "autoencoder", "epochs": 1, "batch_size": 64},
            {"plugin": "inpainting", "params": {"square_size": 8}, "epochs": 1, "batch_size": 64},
            {"name": "mlp_autoencoder", "plugin": "autoencoder",
             "encoder": {"plugin": "mlp", "params": {"hidden": [32], "embedding": 16}},
             "params": {"decoder": "mlp", "decoder_hidden": [32]}, "epochs": 1}],
        "evaluation": {
            "freeze_policies": [{"plugin": "linear_probe"}, {"plugin": "last_k"}],
            "label_budgets": [20, "all"], "epochs": 2, "batch_size": 32}
    })", 88);
    CHECK(results.at("pretraining").as_array().size() == 6);
    // Projections of the first seed: one per pretext and one per control.
    CHECK(results.at("projections").as_array().size() == 5);
    // Accuracy against budget: one chart per protocol, baselines on each.
    for (const char* protocol : {"linear_probe", "last_k", "knn", "logistic"}) {
        CHECK(is_png(out / ("images/accuracy-" + std::string(protocol) + ".png")));
    }
    // The MLP pretext is compared with the MLP encoder trained from scratch.
    for (const json::value& row : results.at("rows").as_array()) {
        const bool mlp = row.at("method") == "mlp_autoencoder" ||
                         row.at("method") == "scratch (mlp)" ||
                         row.at("method") == "random init (mlp)";
        CHECK(row.at("baseline") == (mlp ? "scratch (mlp)" : "scratch"));
    }
}

TEST_CASE("an experiment on a slice of real Fashion-MNIST runs end to end", "[e2e]") {
    if (!fs::exists(kFashionMnist / "train-images-idx3-ubyte.gz")) {
        WARN("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist); skipped");
        return;
    }
    const Scratch scratch;
    // 1 seed x 1 budget x (baseline + 1 pretext x 2 policies + the random-init
    // control under the linear probe + (pretext + control) x 2 frozen protocols)
    // = 8 rows.
    const json::object results = run_and_check(scratch, R"({
        "dataset": {"plugin": "idx", "params": {"train_limit": 600, "test_limit": 300}},
        "encoder": {"plugin": "conv"},
        "pretexts": [{"plugin": "denoising", "epochs": 1}],
        "evaluation": {"label_budgets": [50], "epochs": 3}
    })", 8).results;
    // The reference encoder E and a linear head: 457,280 + 1,290 parameters.
    CHECK(results.at("rows").as_array().front().at("total_parameters").to_number<int64_t>() ==
          458570);
}
