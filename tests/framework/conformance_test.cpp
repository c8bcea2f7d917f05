// The conformance kit through the real `selfsup conformance` program: every
// in-tree plugin conforms, and each deliberately broken plugin is caught with
// exit code 1 and the reason on the failing check's line. Also the
// LabelGuard itself, and a real run that refuses a pretext reading labels.

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "framework/cli_harness.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/idx.hpp"
#include "selfsup/label_guard.hpp"

using Catch::Contains;
using Catch::StartsWith;
namespace fs = std::filesystem;

using selfsup::testing::Outcome;
using selfsup::testing::Scratch;

namespace {

const fs::path kTestPlugins = SELFSUP_TEST_PLUGIN_DIR;
const fs::path kBrokenPlugins = kTestPlugins / "conformance";
// Where `selfsup` finds its bundled plugins: <bin>/../lib/selfsup/plugins.
const fs::path kBundledPlugins =
    fs::path(SELFSUP_CLI).parent_path().parent_path() / "lib" / "selfsup" / "plugins";

std::string quoted(const std::string& text) {
    return "'" + text + "'";
}

Outcome conformance(const Scratch& scratch, const fs::path& plugin,
                    const std::string& params = "") {
    std::string arguments = "conformance " + quoted(plugin.string());
    if (!params.empty()) arguments += " --params " + quoted(params);
    return scratch.run(arguments);
}

// The report line of the check called `name`, or "" when there is none.
std::string line_of(const std::string& report, const std::string& name) {
    std::istringstream lines(report);
    for (std::string line; std::getline(lines, line);) {
        if (line.find(" " + name + " ") != std::string::npos) return line;
    }
    return "";
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// An IDX labels file of `count` labels 0, 1, 2, ...
std::string write_labels(const Scratch& scratch, uint8_t count) {
    std::vector<uint8_t> bytes{0, 0, 8, 1, 0, 0, 0, count};
    for (uint8_t i = 0; i < count; ++i) bytes.push_back(i % 10);
    const std::string path = scratch.write("labels-idx1-ubyte", "");
    write_bytes(path, bytes);
    return path;
}

// A CIFAR-10 binary folder of 3 records per batch file, in `folder`.
void write_cifar_folder(const fs::path& folder) {
    fs::create_directories(folder);
    for (int file = 0; file <= 5; ++file) {
        std::vector<uint8_t> bytes;
        for (int record = 0; record < 3; ++record) {
            bytes.push_back(uint8_t((file + record) % 10));
            for (int p = 0; p < 3 * 32 * 32; ++p) bytes.push_back(uint8_t((p * 7 + record) % 256));
        }
        const std::string name =
            file == 0 ? "test_batch.bin" : "data_batch_" + std::to_string(file) + ".bin";
        write_bytes((folder / name).string(), bytes);
    }
}

// The parameters an in-tree plugin needs beyond its defaults.
std::string params_for(const std::string& plugin, const fs::path& cifar_folder) {
    if (plugin == "cifar10") {
        boost::json::object params{{"folder", cifar_folder.string()}};
        return boost::json::serialize(params);
    }
    if (plugin == "blocks") return R"({"train": ["conv2", "embedding"]})";
    return "";
}

}  // namespace

TEST_CASE("every bundled plugin passes the conformance kit", "[conformance]") {
    const Scratch scratch;
    const fs::path cifar = fs::temp_directory_path() / ("selfsup-kit-cifar-" +
                                                        std::to_string(::getpid()));
    write_cifar_folder(cifar);
    int plugins = 0;
    for (const auto& entry : fs::directory_iterator(kBundledPlugins)) {
        const std::string file = entry.path().filename().string();
        if (!file.starts_with("selfsup-") || entry.path().extension() != ".so") continue;
        const std::string name = file.substr(8, file.size() - 11);
        DYNAMIC_SECTION("plugin " << name) {
            const Outcome outcome = conformance(scratch, entry.path(), params_for(name, cifar));
            INFO(outcome.out << outcome.err);
            CHECK(outcome.code == 0);
            CHECK_THAT(outcome.out, Contains("; conforms") && !Contains("FAIL"));
        }
        ++plugins;
    }
    fs::remove_all(cifar);
    CHECK(plugins >= 15);
}

TEST_CASE("a plugin is found by name and its report lists every check", "[conformance]") {
    const Scratch scratch;
    const Outcome outcome = scratch.run("conformance conv");
    INFO(outcome.out << outcome.err);
    CHECK(outcome.code == 0);
    CHECK_THAT(line_of(outcome.out, "ABI version matches"), StartsWith("  mandatory") &&
                                                                Contains("PASS"));
    CHECK_THAT(line_of(outcome.out, "embeddings are [N, embedding_width()] for N = 1, 2, 5"),
               Contains("PASS"));
    CHECK_THAT(line_of(outcome.out, "named blocks hold every parameter exactly once"),
               Contains("PASS (conv1, conv2, conv3, embedding)"));
    CHECK_THAT(outcome.out, Contains("conv (encoder) 1.0.0: ") && Contains(" 0 failed") &&
                                Contains("; conforms"));
}

TEST_CASE("the report as JSON holds every check and the verdict", "[conformance]") {
    const Scratch scratch;
    const Outcome outcome = scratch.run("conformance denoising --json");
    INFO(outcome.out << outcome.err);
    REQUIRE(outcome.code == 0);
    const boost::json::object report = boost::json::parse(outcome.out).as_object();
    CHECK(report.at("name").as_string() == "denoising");
    CHECK(report.at("kind").as_string() == "pretext");
    CHECK(report.at("conforms").as_bool());
    CHECK(report.at("failed").as_int64() == 0);
    bool modules_reported = false;
    for (const boost::json::value& check : report.at("checks").as_array()) {
        if (check.at("name").as_string() != "modules() are reported with their parameter counts") {
            continue;
        }
        modules_reported = true;
        CHECK(check.at("outcome").as_string() == "pass");
        CHECK_THAT(std::string(check.at("reason").as_string()), StartsWith("decoder: "));
    }
    CHECK(modules_reported);
}

TEST_CASE("a pretext that reads labels fails the kit under the label guard", "[conformance]") {
    const Scratch scratch;
    boost::json::object params{{"labels", write_labels(scratch, 12)}};
    const Outcome outcome = conformance(
        scratch, kBrokenPlugins / "selfsup-test_label_reading_pretext.so",
        boost::json::serialize(params));
    INFO(outcome.out << outcome.err);
    CHECK(outcome.code == 1);
    CHECK_THAT(line_of(outcome.out, "no labels are read"),
               StartsWith("  mandatory") &&
                   Contains("FAIL: labels were read while a pretext was running") &&
                   Contains("pretexts must not use labels"));
    CHECK_THAT(line_of(outcome.out, "the loss is a finite scalar"), Contains("FAIL: DataError"));
    CHECK_THAT(outcome.out, Contains("; does not conform"));
}

TEST_CASE("an encoder whose declared embedding width lies fails the kit", "[conformance]") {
    const Scratch scratch;
    const Outcome outcome = conformance(scratch, kBrokenPlugins / "selfsup-test_lying_encoder.so");
    INFO(outcome.out << outcome.err);
    CHECK(outcome.code == 1);
    CHECK_THAT(line_of(outcome.out, "embeddings are [N, embedding_width()] for N = 1, 2, 5"),
               Contains("FAIL: a batch [1, 1, 28, 28] gave embeddings [1, 16], but "
                        "embedding_width() declares 32"));
}

TEST_CASE("a freeze policy with hidden state that leaks updates fails the kit", "[conformance]") {
    const Scratch scratch;
    const Outcome outcome = conformance(scratch, kBrokenPlugins / "selfsup-test_leaky_policy.so");
    INFO(outcome.out << outcome.err);
    CHECK(outcome.code == 1);
    CHECK_THAT(line_of(outcome.out, "decide() gives the same answer to the same question"),
               Contains("FAIL: decide(epoch 3 of 4) first answered [conv1 trains, conv2 trains, "
                        "embedding trains], then [conv1 frozen, conv2 frozen, embedding "
                        "trains]"));
    CHECK_THAT(line_of(outcome.out, "blocks reported frozen get no update"),
               Contains("FAIL: block conv1, which the policy reports frozen in epoch 0 of 4, "
                        "changed its parameters during that epoch"));
    CHECK_THAT(line_of(outcome.out, "batch-norm statistics of frozen blocks stay fixed"),
               Contains("FAIL: block conv1") && Contains("changed its batch-norm statistics"));
    CHECK_THAT(line_of(outcome.out, "two instances share no state"), Contains("PASS"));
}

TEST_CASE("a plugin whose constructor throws fails the kit and skips what needs it",
          "[conformance]") {
    const Scratch scratch;
    const Outcome outcome = conformance(scratch, kTestPlugins / "selfsup-test_throwing_factory.so");
    INFO(outcome.out << outcome.err);
    CHECK(outcome.code == 1);
    CHECK_THAT(line_of(outcome.out, "constructs from the defaults"),
               Contains("FAIL: PluginError") && Contains("boom_head") && Contains("boom"));
    CHECK_THAT(line_of(outcome.out, "two instances share no state"),
               Contains("SKIP: the head could not be constructed"));
    CHECK_THAT(outcome.out, Contains("does not conform (first mandatory failure: constructs from "
                                     "the defaults)"));
}

TEST_CASE("a plugin built for another ABI version fails only the ABI check", "[conformance]") {
    const Scratch scratch;
    const Outcome outcome = conformance(scratch, kTestPlugins / "selfsup-test_wrong_abi.so");
    INFO(outcome.out << outcome.err);
    CHECK(outcome.code == 1);
    CHECK_THAT(line_of(outcome.out, "ABI version matches"),
               Contains("FAIL: built for selfsup ABI version 2, but this selfsup has ABI "
                        "version 1"));
    CHECK_THAT(outcome.out, Contains("0 passed, 1 failed"));
}

TEST_CASE("bad input to the kit is refused with exit code 2", "[conformance]") {
    const Scratch scratch;
    SECTION("a missing file") {
        const Outcome outcome = scratch.run("conformance /no/such/selfsup-x.so");
        CHECK(outcome.code == 2);
        CHECK_THAT(outcome.err, StartsWith("selfsup: ") && Contains("/no/such/selfsup-x.so") &&
                                    Contains("no such file"));
    }
    SECTION("an unknown plugin name") {
        const Outcome outcome = scratch.run("conformance denoisng");
        CHECK(outcome.code == 2);
        CHECK_THAT(outcome.err, Contains("no plugin named 'denoisng'; did you mean 'denoising'?"));
    }
    SECTION("a library that is not a plugin") {
        const Outcome outcome = conformance(scratch, kTestPlugins / "libnot_a_plugin.so");
        CHECK(outcome.code == 2);
        CHECK_THAT(outcome.err, Contains("is not a selfsup plugin"));
    }
    SECTION("parameters that are not JSON") {
        const Outcome outcome = scratch.run("conformance conv --params '{embedding: 3}'");
        CHECK(outcome.code == 2);
        CHECK_THAT(outcome.err, StartsWith("selfsup: --params: not valid JSON"));
    }
    SECTION("parameters the plugin's schema refuses") {
        const Outcome outcome = scratch.run("conformance conv --params '{\"embedding\": 0}'");
        CHECK(outcome.code == 2);
        CHECK_THAT(outcome.err, StartsWith("selfsup: --params.embedding"));
    }
    SECTION("a required parameter left out") {
        const Outcome outcome = scratch.run("conformance blocks");
        CHECK(outcome.code == 2);
        CHECK_THAT(outcome.err, StartsWith("selfsup: --params") && Contains("train"));
    }
}

TEST_CASE("reading labels is refused while a label guard lives, and allowed after",
          "[conformance]") {
    const Scratch scratch;
    const std::string labels = write_labels(scratch, 5);
    const int64_t refused_before = selfsup::LabelGuard::refused_reads();
    {
        const selfsup::LabelGuard guard;
        CHECK(selfsup::LabelGuard::armed());
        CHECK_THROWS_AS(selfsup::idx::read_labels(labels), selfsup::DataError);
        CHECK_THROWS_WITH(selfsup::idx::read_labels(labels),
                          Contains("labels were read while a pretext was running") &&
                              Contains(labels) && Contains("pretexts must not use labels"));
    }
    CHECK_FALSE(selfsup::LabelGuard::armed());
    CHECK(selfsup::LabelGuard::refused_reads() == refused_before + 2);
    CHECK(selfsup::idx::read_labels(labels).size() == 5);
}

TEST_CASE("a run refuses a pretext that reads labels", "[conformance]") {
    const Scratch scratch;
    boost::json::object manifest{
        {"dataset", {{"plugin", "tiny_data"}}},
        {"encoder", {{"plugin", "mlp"}, {"params", {{"hidden", {8}}, {"embedding", 4}}}}},
        {"pretexts",
         {{{"plugin", "label_reader"}, {"epochs", 1}, {"params", {{"labels",
                                                                   write_labels(scratch, 8)}}}}}},
        {"evaluation", {{"head", {{"plugin", "tiny_head"}}}, {"label_budgets", {4}},
                        {"epochs", 1}}},
        {"output", (fs::path(scratch.manifest_path()).parent_path() / "run").string()}};
    const std::string path = scratch.write("manifest.json", boost::json::serialize(manifest));
    const Outcome outcome = scratch.run(
        "--plugin-path " + quoted((kTestPlugins / "selfsup-test_tiny_data.so").string()) +
        " --plugin-path " + quoted((kTestPlugins / "selfsup-test_tiny_head.so").string()) +
        " --plugin-path " +
        quoted((kBrokenPlugins / "selfsup-test_label_reading_pretext.so").string()) + " -q run " +
        quoted(path));
    INFO(outcome.out << outcome.err);
    CHECK(outcome.code == 1);
    CHECK_THAT(outcome.err, Contains("labels were read while a pretext was running") &&
                                Contains("pretexts must not use labels"));
}
