// The loader and the registry against real shared libraries that are broken
// on purpose (tests/framework/broken_plugins/): each must be refused with a
// message naming its file and what is wrong, and never crash the process.

#include <dlfcn.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "plugins/plugin_library.hpp"
#include "plugins/plugin_registry.hpp"
#include "selfsup/errors.hpp"

using namespace selfsup;
using Catch::Contains;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const fs::path kPluginDir = SELFSUP_TEST_PLUGIN_DIR;

fs::path plugin_file(const std::string& name) {
    return kPluginDir / ("selfsup-test_" + name + ".so");
}

// True while the dynamic linker holds `path` loaded; never loads it itself.
bool is_loaded(const fs::path& path) {
    void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) return false;
    dlclose(handle);
    return true;
}

}  // namespace

TEST_CASE("a valid plugin loads with its descriptor and schema", "[loader]") {
    const LoadedPlugin plugin = load_plugin(plugin_file("tiny_head"));
    CHECK(plugin.name() == "tiny_head");
    CHECK(plugin.kind() == PluginKind::kHead);
    CHECK(plugin.descriptor->version == "1.0.0");
    CHECK(plugin.path == plugin_file("tiny_head"));
    REQUIRE(plugin.schema.find("bias") != nullptr);
    CHECK(plugin.schema.find("bias")->default_value == json::value(true));
}

TEST_CASE("a plugin built for another ABI version is refused naming the file and both versions",
          "[loader]") {
    const fs::path file = plugin_file("wrong_abi");
    CHECK_THROWS_AS(load_plugin(file), PluginError);
    CHECK_THROWS_WITH(load_plugin(file), Contains(file.string()));
    CHECK_THROWS_WITH(load_plugin(file),
                      Contains("built for selfsup ABI version " + std::to_string(kAbiVersion + 1)));
    CHECK_THROWS_WITH(load_plugin(file),
                      Contains("this selfsup has ABI version " + std::to_string(kAbiVersion)));
}

TEST_CASE("a library with the ABI version but no entry point is refused naming the entry", "[loader]") {
    const fs::path file = plugin_file("no_entry");
    CHECK(is_plugin_file(file));
    CHECK_THROWS_AS(load_plugin(file), PluginError);
    CHECK_THROWS_WITH(load_plugin(file), Contains(file.string()));
    CHECK_THROWS_WITH(load_plugin(file), Contains("no entry point selfsup_plugin_entry"));
}

TEST_CASE("an ordinary shared library is refused as not a selfsup plugin", "[loader]") {
    const fs::path file = kPluginDir / "libnot_a_plugin.so";
    CHECK_FALSE(is_plugin_file(file));
    CHECK_THROWS_AS(load_plugin(file), PluginError);
    CHECK_THROWS_WITH(load_plugin(file), Contains(file.string() + ": not a selfsup plugin"));
}

TEST_CASE("a file that does not exist is refused naming it", "[loader]") {
    const fs::path file = kPluginDir / "selfsup-absent.so";
    CHECK_THROWS_AS(load_plugin(file), PluginError);
    CHECK_THROWS_WITH(load_plugin(file), Contains(file.string() + ": no such file"));
}

TEST_CASE("a file that is not a library at all is refused as not a selfsup plugin", "[loader]") {
    // The test's own source text stands in for a corrupt .so.
    const fs::path file = fs::path(__FILE__);
    CHECK_FALSE(is_plugin_file(file));
    CHECK_THROWS_WITH(load_plugin(file), Contains("not a selfsup plugin"));
}

TEST_CASE("an entry point that throws is refused with its exception's message", "[loader]") {
    const fs::path file = plugin_file("throwing_entry");
    CHECK_THROWS_AS(load_plugin(file), PluginError);
    CHECK_THROWS_WITH(load_plugin(file), Contains(file.string()));
    CHECK_THROWS_WITH(load_plugin(file),
                      Contains("its entry point threw: the descriptor could not be built"));
}

TEST_CASE("a malformed parameter schema is refused naming the file and the plugin", "[loader]") {
    const fs::path file = plugin_file("bad_schema");
    CHECK_THROWS_AS(load_plugin(file), PluginError);
    CHECK_THROWS_WITH(load_plugin(file), Contains(file.string()));
    CHECK_THROWS_WITH(load_plugin(file), Contains("bad_schema_head"));
}

TEST_CASE("a constructor that throws is reported naming the plugin, its file and the cause",
          "[loader]") {
    const LoadedPlugin plugin = load_plugin(plugin_file("throwing_factory"));
    const HeadContext context{4, 2, 0};
    const auto make = [&] {
        return make_head(plugin, json::object{}, "evaluation.head.params", context);
    };
    CHECK_THROWS_AS(make(), PluginError);
    CHECK_THROWS_WITH(make(), Contains("plugin 'boom_head'"));
    CHECK_THROWS_WITH(make(), Contains("selfsup-test_throwing_factory.so"));
    CHECK_THROWS_WITH(make(), Contains("boom"));
}

TEST_CASE("parameters that do not fit the schema are a manifest error at their JSON path",
          "[loader]") {
    const LoadedPlugin plugin = load_plugin(plugin_file("tiny_head"));
    const json::value params = json::parse(R"({"bias": "yes"})");
    const auto make = [&] {
        return make_head(plugin, params, "evaluation.head.params", HeadContext{4, 2, 0});
    };
    CHECK_THROWS_AS(make(), ManifestError);
    CHECK_THROWS_WITH(make(), Contains("evaluation.head.params.bias"));
    const json::value misspelt = json::parse(R"({"bais": true})");
    CHECK_THROWS_WITH(make_head(plugin, misspelt, "evaluation.head.params", HeadContext{4, 2, 0}),
                      Contains("did you mean 'bias'"));
}

TEST_CASE("two plugins with one name are an error naming both files", "[loader]") {
    PluginRegistry registry;
    const fs::path folder = kPluginDir / "duplicates";
    CHECK_THROWS_AS(registry.add(folder), PluginError);
    PluginRegistry again;
    CHECK_THROWS_WITH(again.add(folder), Contains("two plugins are named 'twin'"));
    PluginRegistry once_more;
    CHECK_THROWS_WITH(once_more.add(folder),
                      Contains((folder / "selfsup-test_duplicate_a.so").string()) &&
                          Contains((folder / "selfsup-test_duplicate_b.so").string()));
}

TEST_CASE("the registry skips libraries that are no plugin or cannot load and lists the problems",
          "[loader]") {
    PluginRegistry registry;
    REQUIRE_NOTHROW(registry.add(kPluginDir));
    REQUIRE(registry.find("tiny_head") != nullptr);
    CHECK(registry.find("tiny_data") != nullptr);
    CHECK(registry.find("boom_head") != nullptr);
    CHECK(registry.list().size() == 3);
    CHECK(registry.list(PluginKind::kHead).size() == 2);

    // The ABI mismatch, the throwing entry point, the bad schema and the half
    // plugin without an entry are problems; the ordinary library is not a plugin.
    const std::vector<std::string>& problems = registry.problems();
    REQUIRE(problems.size() == 4);
    std::string all;
    for (const std::string& problem : problems) all += problem + "\n";
    CHECK_THAT(all, Contains("selfsup-test_wrong_abi.so: built for selfsup ABI version"));
    CHECK_THAT(all, Contains("selfsup-test_throwing_entry.so: its entry point threw"));
    CHECK_THAT(all, Contains("selfsup-test_bad_schema.so"));
    CHECK_THAT(all, Contains("selfsup-test_no_entry.so: exports the ABI version but no entry"));
    CHECK_THAT(all, !Contains("not_a_plugin"));
}

TEST_CASE("a plugin file reached twice on the search path is loaded once", "[loader]") {
    PluginRegistry registry;
    registry.add(plugin_file("tiny_head"));
    REQUIRE_NOTHROW(registry.add(kPluginDir));
    REQUIRE_NOTHROW(registry.add(kPluginDir / "." / "selfsup-test_tiny_head.so"));
    CHECK(registry.list(PluginKind::kHead).size() == 2);
}

TEST_CASE("a plugin folder that does not exist is skipped", "[loader]") {
    PluginRegistry registry;
    REQUIRE_NOTHROW(registry.add(kPluginDir / "no-such-folder"));
    CHECK(registry.list().empty());
    CHECK(registry.problems().empty());
}

TEST_CASE("requiring an unknown plugin names the JSON path and suggests the closest name",
          "[loader]") {
    PluginRegistry registry;
    registry.add(kPluginDir);
    const auto require = [&] {
        return registry.require("tiny_hed", PluginKind::kHead, "evaluation.head");
    };
    CHECK_THROWS_AS(require(), ManifestError);
    CHECK_THROWS_WITH(require(), Contains("evaluation.head: no head plugin named 'tiny_hed'"));
    CHECK_THROWS_WITH(require(), Contains("did you mean 'tiny_head'?"));
    CHECK_THROWS_WITH(require(), Contains("known: boom_head, tiny_head"));
    CHECK_THROWS_WITH(registry.require("zzz", PluginKind::kEncoder, "encoder"),
                      Contains("encoder: no encoder plugin named 'zzz'") &&
                          Contains("no encoder plugins were found"));
}

TEST_CASE("a plugin of the wrong kind in a slot names both kinds", "[loader]") {
    PluginRegistry registry;
    registry.add(kPluginDir);
    const auto require = [&] {
        return registry.require("tiny_data", PluginKind::kHead, "evaluation.head");
    };
    CHECK_THROWS_AS(require(), ManifestError);
    CHECK_THROWS_WITH(require(), Contains("evaluation.head: plugin 'tiny_data' is a dataset, "
                                          "but a head is needed here"));
    CHECK_THROWS_WITH(registry.require("tiny_head", PluginKind::kEncoder, "encoder"),
                      Contains("is a head, but an encoder is needed here"));
    CHECK(&registry.require("tiny_head", PluginKind::kHead, "evaluation.head") ==
          registry.find("tiny_head"));
}

TEST_CASE("an object made by a plugin keeps its library loaded after the registry is gone",
          "[loader]") {
    const fs::path file = plugin_file("tiny_head");
    std::shared_ptr<Head> head;
    {
        PluginRegistry registry;
        registry.add(file);
        const LoadedPlugin copy = *registry.find("tiny_head");
        head = make_head(copy, json::object{}, "evaluation.head.params", HeadContext{4, 3, 7});
    }
    // Every registry and LoadedPlugin is destroyed: only the head holds the library.
    CHECK(is_loaded(file));
    const Tensor logits = head->forward(Tensor::zeros({2, 4}));
    CHECK(logits.shape() == Shape{2, 3});
    CHECK(head->parameter_count() == 4 * 3 + 3);
    // And once the last object dies, nothing holds the library any more.
    head.reset();
    CHECK_FALSE(is_loaded(file));
}
