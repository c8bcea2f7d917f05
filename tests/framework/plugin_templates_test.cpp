// The plugin templates `selfsup new-plugin` writes (sdk/templates/KIND/),
// built by the main build as real plugins: each template's experiment.json
// validates and runs with its plugin, through the real `selfsup` program.

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

const fs::path kTemplates = SELFSUP_TEMPLATE_SOURCE_DIR;
const fs::path kTemplatePlugins = SELFSUP_TEMPLATE_PLUGIN_DIR;

}  // namespace

TEST_CASE("each plugin template's experiment validates and runs with its plugin",
          "[cli][templates]") {
    const std::string kind =
        GENERATE(as<std::string>{}, "dataset", "encoder", "pretext", "head", "freeze_policy");
    INFO("template " << kind);
    const Scratch scratch;
    const fs::path manifest = kTemplates / kind / "experiment.json";
    const std::string plugins = "--plugin-path '" + kTemplatePlugins.string() + "'";

    const Outcome validated = scratch.run(plugins + " validate '" + manifest.string() + "'");
    INFO(validated.err);
    REQUIRE(validated.code == 0);

    const fs::path out = fs::path(scratch.manifest_path()).parent_path() / "run";
    const Outcome ran = scratch.run(plugins + " --quiet run '" + manifest.string() + "' --out '" +
                                    out.string() + "'");
    INFO(ran.err);
    REQUIRE(ran.code == 0);
    CHECK_THAT(ran.out, Contains("| method | protocol |"));

    // The plugin took part: its name is in the resolved manifest at its slot.
    const json::object resolved = json::parse(read_file(out / "manifest.json")).as_object();
    const std::string plugin = "my_" + kind;
    const json::value& slot =
        kind == "dataset"   ? resolved.at("dataset")
        : kind == "encoder" ? resolved.at("encoder")
        : kind == "pretext" ? resolved.at("pretexts").as_array().at(0)
        : kind == "head"    ? resolved.at("evaluation").at("head")
                            : resolved.at("evaluation").at("freeze_policies").as_array().at(0);
    CHECK(slot.at("plugin") == plugin.c_str());

    // Every row has a test accuracy in [0, 1] and passed the freeze audit.
    const json::object results = json::parse(read_file(out / "results.json")).as_object();
    const json::array& rows = results.at("rows").as_array();
    CHECK(rows.size() >= 4);
    for (const json::value& row : rows) {
        const double accuracy = row.at("test_accuracy").to_number<double>();
        CHECK(accuracy >= 0.0);
        CHECK(accuracy <= 1.0);
        CHECK(row.at("freeze_audit_passed").as_bool());
    }
}
