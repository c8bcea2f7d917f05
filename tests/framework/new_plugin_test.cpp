// `selfsup new-plugin` through the real program: the files it writes, the
// name substituted into them, and each refusal (exit code 2, one line on
// stderr, nothing written).

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "framework/cli_harness.hpp"

using Catch::Contains;
using Catch::StartsWith;
using selfsup::testing::Outcome;
using selfsup::testing::read_file;
using selfsup::testing::Scratch;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const fs::path kTemplates = SELFSUP_TEMPLATE_SOURCE_DIR;

fs::path scratch_folder(const Scratch& scratch) {
    return fs::path(scratch.manifest_path()).parent_path();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

size_t file_count(const fs::path& folder) {
    return static_cast<size_t>(std::distance(fs::directory_iterator(folder), {}));
}

// Runs the program from `folder`, for the default destination ./NAME.
Outcome run_in(const Scratch& scratch, const fs::path& folder, const std::string& arguments) {
    const fs::path previous = fs::current_path();
    fs::current_path(folder);
    const Outcome outcome = scratch.run(arguments);
    fs::current_path(previous);
    return outcome;
}

}  // namespace

// The contract for a refusal: exit code 2 and one line naming the problem.
#define CHECK_REFUSED(outcome, words)                                                     \
    do {                                                                                  \
        const Outcome& refused_ = (outcome);                                              \
        INFO("stderr: " << refused_.err);                                                 \
        CHECK(refused_.code == 2);                                                        \
        CHECK(refused_.err_lines() == 1);                                                 \
        CHECK_THAT(refused_.err, StartsWith("selfsup: new-plugin: ") && Contains(words)); \
    } while (false)

TEST_CASE("new-plugin writes a pretext project with the name in every file", "[cli][new-plugin]") {
    const Scratch scratch;
    const fs::path folder = scratch_folder(scratch) / "masked";
    const Outcome outcome =
        scratch.run("new-plugin --kind pretext masked_cells '" + folder.string() + "'");
    INFO(outcome.err);
    REQUIRE(outcome.code == 0);
    CHECK(outcome.err.empty());
    CHECK(file_count(folder) == 3);

    const std::string cmake = read_file(folder / "CMakeLists.txt");
    const std::string source = read_file(folder / "masked_cells.cpp");
    const std::string manifest = read_file(folder / "experiment.json");
    CHECK_THAT(cmake, Contains("project(masked_cells LANGUAGES CXX)"));
    CHECK_THAT(cmake, Contains("selfsup_add_plugin(masked_cells masked_cells.cpp)"));
    CHECK_THAT(source, Contains("class MaskedCells final : public selfsup::Pretext"));
    CHECK_THAT(source, Contains("describe_pretext<masked_cells::MaskedCells>("));
    CHECK_THAT(source, Contains("\"masked_cells\", \"0.1.0\""));
    for (const std::string* text : {&cmake, &source, &manifest}) {
        CHECK(text->find("my_pretext") == std::string::npos);
        CHECK(text->find("MyPretext") == std::string::npos);
    }
    const json::object experiment = json::parse(manifest).as_object();
    CHECK(experiment.at("pretexts").as_array().at(0).at("plugin") == "masked_cells");
    CHECK(experiment.at("plugin_paths") == json::array{"build"});

    // What it wrote, then the commands to build, run and check it.
    CHECK_THAT(outcome.out,
               Contains("Wrote a pretext plugin, masked_cells, in " + folder.string() + "/"));
    CHECK_THAT(outcome.out, Contains((folder / "masked_cells.cpp").string()));
    CHECK_THAT(outcome.out,
               Contains("cmake -S " + folder.string() + " -B " + (folder / "build").string() +
                        " && cmake --build " + (folder / "build").string()));
    CHECK_THAT(outcome.out, Contains(" run " + (folder / "experiment.json").string()));
    CHECK_THAT(outcome.out,
               Contains(" conformance " + (folder / "build/selfsup-masked_cells.so").string()));
}

TEST_CASE("every kind's project is its template with the name substituted", "[cli][new-plugin]") {
    const std::string kind =
        GENERATE(as<std::string>{}, "dataset", "encoder", "pretext", "head", "freeze_policy");
    const Scratch scratch;
    const fs::path folder = scratch_folder(scratch) / "project";
    const Outcome outcome =
        scratch.run("new-plugin --kind " + kind + " fresh_idea '" + folder.string() + "'");
    INFO(kind << ": " << outcome.err);
    REQUIRE(outcome.code == 0);
    CHECK(file_count(folder) == 3);

    std::string pascal = "My";
    for (const char* part = kind.c_str(); *part != '\0'; ++part) {
        const bool starts_word = part == kind.c_str() || part[-1] == '_';
        if (*part != '_') pascal += starts_word ? static_cast<char>(std::toupper(*part)) : *part;
    }
    const auto expected = [&](const std::string& file) {
        return replace_all(
            replace_all(read_file(kTemplates / kind / file), "my_" + kind, "fresh_idea"), pascal,
            "FreshIdea");
    };
    CHECK(read_file(folder / "CMakeLists.txt") == expected("CMakeLists.txt"));
    CHECK(read_file(folder / "fresh_idea.cpp") == expected("my_" + kind + ".cpp"));
    CHECK(read_file(folder / "experiment.json") == expected("experiment.json"));
}

TEST_CASE("new-plugin writes to a folder named after the plugin by default", "[cli][new-plugin]") {
    const Scratch scratch;
    const Outcome outcome = run_in(scratch, scratch_folder(scratch), "new-plugin --kind head tidy");
    INFO(outcome.err);
    REQUIRE(outcome.code == 0);
    CHECK(fs::is_regular_file(scratch_folder(scratch) / "tidy" / "tidy.cpp"));
    CHECK_THAT(outcome.out, Contains("cmake -S tidy -B tidy/build && cmake --build tidy/build"));
    CHECK_THAT(outcome.out, Contains(" conformance tidy/build/selfsup-tidy.so"));
}

TEST_CASE("new-plugin accepts an existing empty folder", "[cli][new-plugin]") {
    const Scratch scratch;
    const fs::path folder = scratch_folder(scratch) / "empty";
    fs::create_directories(folder);
    const Outcome outcome =
        scratch.run("new-plugin --kind dataset stripes '" + folder.string() + "'");
    INFO(outcome.err);
    CHECK(outcome.code == 0);
    CHECK(file_count(folder) == 3);
}

TEST_CASE("new-plugin refuses a name that is not lower_snake_case", "[cli][new-plugin]") {
    const std::string name = GENERATE(as<std::string>{}, "MaskedCells", "2d_shift", "masked-cells",
                                      "masked_", "masked__cells", "_masked", "masked.cells");
    const Scratch scratch;
    const fs::path folder = scratch_folder(scratch) / "project";
    const Outcome outcome =
        scratch.run("new-plugin --kind pretext '" + name + "' '" + folder.string() + "'");
    CHECK_REFUSED(outcome, "'" + name + "' is not a valid plugin name: use lower_snake_case");
    CHECK_FALSE(fs::exists(folder));
}

TEST_CASE("new-plugin refuses a C++ keyword as a name", "[cli][new-plugin]") {
    const Scratch scratch;
    const fs::path folder = scratch_folder(scratch) / "project";
    const Outcome outcome = scratch.run("new-plugin --kind head class '" + folder.string() + "'");
    CHECK_REFUSED(outcome, "'class' cannot name a plugin");
    CHECK_FALSE(fs::exists(folder));
}

TEST_CASE("new-plugin refuses an unknown kind and lists the kinds", "[cli][new-plugin]") {
    const Scratch scratch;
    const fs::path folder = scratch_folder(scratch) / "project";
    const Outcome outcome =
        scratch.run("new-plugin --kind augmentation jitter '" + folder.string() + "'");
    CHECK_REFUSED(outcome,
                  "unknown plugin kind 'augmentation'; the kinds are dataset, encoder, "
                  "pretext, head and freeze_policy");
    CHECK_FALSE(fs::exists(folder));
}

TEST_CASE("new-plugin never writes into a folder that holds files", "[cli][new-plugin]") {
    const Scratch scratch;
    const fs::path folder = scratch_folder(scratch) / "mine";
    fs::create_directories(folder);
    const std::string notes = scratch.write("mine/CMakeLists.txt", "my own build\n");
    const Outcome outcome =
        scratch.run("new-plugin --kind pretext masked_cells '" + folder.string() + "'");
    CHECK_REFUSED(outcome, "folder '" + folder.string() + "' is not empty");
    CHECK_THAT(outcome.err, Contains("never overwrites files"));
    CHECK(read_file(notes) == "my own build\n");
    CHECK(file_count(folder) == 1);
}

TEST_CASE("new-plugin refuses a destination that is a file", "[cli][new-plugin]") {
    const Scratch scratch;
    const std::string file = scratch.write("taken", "a file\n");
    const Outcome outcome = scratch.run("new-plugin --kind encoder tiny_conv '" + file + "'");
    CHECK_REFUSED(outcome, "'" + file + "' exists and is not a folder");
    CHECK(read_file(file) == "a file\n");
}

TEST_CASE("new-plugin refuses the name of a plugin on the plugin path", "[cli][new-plugin]") {
    const Scratch scratch;
    const fs::path folder = scratch_folder(scratch) / "project";
    const Outcome outcome =
        scratch.run("new-plugin --kind pretext denoising '" + folder.string() + "'");
    CHECK_REFUSED(outcome, "a plugin named 'denoising' already exists (");
    CHECK_THAT(outcome.err, Contains("selfsup-denoising.so"));
    CHECK_FALSE(fs::exists(folder));
}

TEST_CASE("new-plugin without a kind is a usage error", "[cli][new-plugin]") {
    const Scratch scratch;
    const Outcome outcome = scratch.run("new-plugin masked_cells");
    CHECK(outcome.code == 2);
    CHECK_FALSE(fs::exists("masked_cells"));
}
