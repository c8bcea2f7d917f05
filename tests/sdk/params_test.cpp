#include "selfsup/params.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "selfsup/did_you_mean.hpp"
#include "selfsup/errors.hpp"

using namespace selfsup;
using Catch::Contains;
using Catch::StartsWith;
namespace json = boost::json;

namespace {

const char* const kDenoisingSchema = R"({
    "channels": {"type": "integer", "default": 32, "min": 1, "max": 4096,
                 "description": "output channels of the first block"},
    "noise": {"type": "string", "default": "gaussian",
              "enum": ["gaussian", "salt_and_pepper", "masking"],
              "description": "how inputs are corrupted"},
    "level": {"type": "number", "default": 0.3, "min": 0, "max": 1,
              "description": "corruption strength"},
    "widths": {"type": "array", "items": {"type": "integer", "min": 1}, "min_items": 1,
               "max_items": 4, "default": [512], "description": "hidden widths"},
    "blocks": {"type": "array", "items": {"type": "object"}, "default": [],
               "description": "extra blocks"},
    "bias": {"type": "boolean", "default": true, "description": "learn a bias"},
    "options": {"type": "object", "default": {"momentum": 0.9}, "description": "free-form"}
})";

const char* const kPath = "pretexts[0].params";

ParamSchema denoising() {
    return ParamSchema::parse(kDenoisingSchema, "denoising");
}

Params validate(const std::string& given) {
    return denoising().validate(json::parse(given), kPath);
}

}  // namespace

TEST_CASE("a schema lists its parameters in declaration order with their attributes", "[params]") {
    const ParamSchema schema = denoising();
    CHECK(schema.plugin_name() == "denoising");
    const std::vector<ParamSpec>& entries = schema.entries();
    REQUIRE(entries.size() == 7);
    std::vector<std::string> names;
    for (const ParamSpec& spec : entries) names.push_back(spec.name);
    CHECK(names == std::vector<std::string>{"channels", "noise", "level", "widths", "blocks",
                                            "bias", "options"});

    const ParamSpec& channels = entries[0];
    CHECK(channels.type == ParamType::kInteger);
    CHECK(param_type_name(channels.type) == std::string("integer"));
    CHECK(channels.default_value->as_int64() == 32);
    CHECK(*channels.min == 1);
    CHECK(*channels.max == 4096);
    CHECK(channels.description == "output channels of the first block");
    CHECK_FALSE(channels.required());
    CHECK(entries[1].enum_values ==
          std::vector<std::string>{"gaussian", "salt_and_pepper", "masking"});
    REQUIRE(entries[3].items);
    CHECK(entries[3].items->type == ParamType::kInteger);
    CHECK(*entries[3].min_items == 1);
    CHECK(schema.find("level") == &entries[2]);
    CHECK(schema.find("lvl") == nullptr);
}

TEST_CASE("validation fills defaults and keeps the given values", "[params]") {
    const Params params = validate(R"({"channels": 64, "noise": "masking"})");
    CHECK(params.get_int("channels") == 64);
    CHECK(params.get_string("noise") == "masking");
    CHECK(params.get_float("level") == Approx(0.3f));
    CHECK(params.get_double("level") == Approx(0.3));
    CHECK(params.get_int_list("widths") == std::vector<int64_t>{512});
    CHECK(params.get_array("blocks").empty());
    CHECK(params.get_bool("bias"));
    CHECK(params.get_object("options").at("momentum").as_double() == Approx(0.9));
    CHECK(params.json().size() == 7);
    CHECK(params.json_path() == kPath);
    CHECK(params.path_of("level") == "pretexts[0].params.level");
    CHECK(params.plugin_name() == "denoising");
}

TEST_CASE("null or an empty object given means all defaults", "[params]") {
    const Params from_null = denoising().validate(json::value(), "encoder.params");
    const Params from_empty = validate("{}");
    CHECK(from_null.json() == from_empty.json());
    CHECK(from_null.get_int("channels") == 32);
}

TEST_CASE("an integer accepts an integral double and normalises it", "[params]") {
    const Params params = validate(R"({"channels": 64.0, "widths": [3.0, 5]})");
    CHECK(params.json().at("channels").is_int64());
    CHECK(params.get_int("channels") == 64);
    CHECK(params.get_int_list("widths") == std::vector<int64_t>{3, 5});
}

TEST_CASE("a number accepts an integer and reads as float or double", "[params]") {
    const Params params = validate(R"({"level": 1})");
    CHECK(params.get_double("level") == 1.0);
    CHECK(params.get_float("level") == 1.0f);
    CHECK(params.get_double("channels") == 32.0);
}

TEST_CASE("an unknown parameter suggests the closest known one", "[params]") {
    CHECK_THROWS_AS(validate(R"({"levle": 0.5})"), ManifestError);
    CHECK_THROWS_WITH(validate(R"({"levle": 0.5})"),
                      StartsWith("pretexts[0].params.levle: unknown parameter of plugin "
                                 "'denoising'; did you mean 'level'?"));
}

TEST_CASE("an unknown parameter far from every known one lists them all", "[params]") {
    CHECK_THROWS_AS(validate(R"({"temperature": 0.5})"), ManifestError);
    CHECK_THROWS_WITH(validate(R"({"temperature": 0.5})"),
                      StartsWith("pretexts[0].params.temperature: unknown parameter") &&
                          Contains("the parameters allowed here are channels, noise, level"));
    const ParamSchema empty = ParamSchema::parse("", "identity");
    CHECK_THROWS_WITH(empty.validate(json::parse(R"({"x": 1})"), "head.params"),
                      Contains("head.params.x: unknown parameter of plugin 'identity', which "
                               "takes no parameters"));
}

TEST_CASE("a value of the wrong type names the path, the type and the value", "[params]") {
    const ParamSchema schema = denoising();
    const auto check = [&](const char* given) {
        return schema.validate(json::parse(given), "encoder.params");
    };
    CHECK_THROWS_AS(check(R"({"channels": "32"})"), ManifestError);
    CHECK_THROWS_WITH(check(R"({"channels": "32"})"),
                      StartsWith("encoder.params.channels: expected an integer, got the string "
                                 "\"32\""));
    CHECK_THROWS_WITH(check(R"({"channels": 1.5})"),
                      StartsWith("encoder.params.channels: expected an integer, got the number "
                                 "1.5"));
    CHECK_THROWS_WITH(check(R"({"level": "high"})"),
                      StartsWith("encoder.params.level: expected a number, got the string"));
    CHECK_THROWS_WITH(check(R"({"bias": 1})"),
                      StartsWith("encoder.params.bias: expected a boolean (true or false), got "
                                 "the number 1"));
    CHECK_THROWS_WITH(check(R"({"noise": null})"),
                      StartsWith("encoder.params.noise: expected a string, got null"));
    CHECK_THROWS_WITH(check(R"({"widths": 512})"),
                      StartsWith("encoder.params.widths: expected an array, got the number 512"));
    CHECK_THROWS_WITH(check(R"({"options": []})"),
                      StartsWith("encoder.params.options: expected an object, got an array"));
}

TEST_CASE("an integer too large for 64 bits is out of range", "[params]") {
    CHECK_THROWS_AS(validate(R"({"channels": 18446744073709551615})"), ManifestError);
    CHECK_THROWS_WITH(validate(R"({"channels": 18446744073709551615})"),
                      StartsWith("pretexts[0].params.channels: 18446744073709551615 is out of "
                                 "range for a 64-bit integer"));
    CHECK_THROWS_WITH(validate(R"({"channels": 1e30})"),
                      StartsWith("pretexts[0].params.channels: 1e+30 is out of range"));
}

TEST_CASE("values outside min and max are refused with the bound", "[params]") {
    CHECK_THROWS_AS(validate(R"({"level": 1.5})"), ManifestError);
    CHECK_THROWS_WITH(validate(R"({"level": 1.5})"),
                      StartsWith("pretexts[0].params.level: 1.5 is above the maximum 1"));
    CHECK_THROWS_WITH(validate(R"({"channels": 0})"),
                      StartsWith("pretexts[0].params.channels: 0 is below the minimum 1"));
    CHECK_NOTHROW(validate(R"({"level": 0, "channels": 4096})"));
}

TEST_CASE("a string outside its enum lists the allowed values", "[params]") {
    CHECK_THROWS_AS(validate(R"({"noise": "pink"})"), ManifestError);
    CHECK_THROWS_WITH(validate(R"({"noise": "pink"})"),
                      StartsWith("pretexts[0].params.noise: \"pink\" is not one of gaussian, "
                                 "salt_and_pepper, masking"));
    CHECK_THROWS_WITH(validate(R"({"noise": "gausian"})"), Contains("did you mean 'gaussian'?"));
}

TEST_CASE("array items and lengths are checked with the item's index", "[params]") {
    CHECK_THROWS_AS(validate(R"({"widths": [256, 0]})"), ManifestError);
    CHECK_THROWS_WITH(validate(R"({"widths": [256, 0]})"),
                      StartsWith("pretexts[0].params.widths[1]: 0 is below the minimum 1"));
    CHECK_THROWS_WITH(validate(R"({"widths": [256, "wide"]})"),
                      StartsWith("pretexts[0].params.widths[1]: expected an integer"));
    CHECK_THROWS_WITH(validate(R"({"widths": []})"),
                      StartsWith("pretexts[0].params.widths: expected at least 1 items, got 0"));
    CHECK_THROWS_WITH(validate(R"({"widths": [1, 2, 3, 4, 5]})"),
                      StartsWith("pretexts[0].params.widths: expected at most 4 items, got 5"));
    CHECK_THROWS_WITH(validate(R"({"blocks": [{"conv": 3}, 7]})"),
                      StartsWith("pretexts[0].params.blocks[1]: expected an object, got the "
                                 "number 7"));
}

TEST_CASE("a missing required parameter is named with its description", "[params]") {
    const ParamSchema schema = ParamSchema::parse(
        R"({"path": {"type": "string", "description": "folder of the IDX files"},
            "limit": {"type": "integer", "default": 10}})",
        "mnist");
    CHECK(schema.entries()[0].required());
    CHECK_THROWS_AS(schema.validate(json::parse("{}"), "dataset.params"), ManifestError);
    CHECK_THROWS_WITH(schema.validate(json::parse(R"({"limit": 3})"), "dataset.params"),
                      StartsWith("dataset.params: missing required parameter 'path' (folder of "
                                 "the IDX files)"));
    CHECK(
        schema.validate(json::parse(R"({"path": "/data"})"), "dataset.params").get_string("path") ==
        "/data");
}

TEST_CASE("parameters that are not an object are refused", "[params]") {
    CHECK_THROWS_AS(validate("[1, 2]"), ManifestError);
    CHECK_THROWS_WITH(validate("[1, 2]"),
                      StartsWith("pretexts[0].params: expected an object of parameters, got an "
                                 "array"));
}

TEST_CASE("an optional parameter with a null default may be left out", "[params]") {
    const ParamSchema schema =
        ParamSchema::parse(R"({"checkpoint": {"type": "string", "default": null}})", "resnet");
    const Params absent = schema.validate(json::parse("{}"), "encoder.params");
    CHECK_FALSE(absent.has("checkpoint"));
    CHECK_THROWS_AS(absent.get_string("checkpoint"), InternalError);
    const Params present = schema.validate(json::parse(R"({"checkpoint": "a.bin"})"), "e");
    CHECK(present.has("checkpoint"));
    CHECK(present.get_string("checkpoint") == "a.bin");
}

TEST_CASE("reading an undeclared parameter or the wrong type is a plugin bug", "[params]") {
    const Params params = validate("{}");
    CHECK_THROWS_AS(params.get_int("depth"), InternalError);
    CHECK_THROWS_WITH(params.get_int("depth"),
                      Contains("plugin 'denoising' reads parameter 'depth', which its schema does "
                               "not declare"));
    CHECK_THROWS_AS(params.get_int("level"), InternalError);
    CHECK_THROWS_WITH(params.get_int("level"),
                      Contains("reads parameter 'level' as an integer but declares it a number"));
    CHECK_THROWS_AS(params.get_string("bias"), InternalError);
    CHECK_THROWS_AS(params.get_object("blocks"), InternalError);
    CHECK_THROWS_AS(params.get_int_list("blocks"), InternalError);
    CHECK_THROWS_WITH(params.get_int_list("blocks"),
                      Contains("as a list of integers but declares its items an object"));
    CHECK_THROWS_AS(Params().get_bool("bias"), InternalError);
}

TEST_CASE("list getters check elements an array schema leaves unchecked", "[params]") {
    const ParamSchema schema =
        ParamSchema::parse(R"({"sizes": {"type": "array", "default": [1, 2.5]}})", "pool");
    const Params params = schema.validate(json::parse("{}"), "head.params");
    CHECK(params.get_float_list("sizes") == std::vector<float>{1.0f, 2.5f});
    CHECK_THROWS_AS(params.get_int_list("sizes"), ManifestError);
    CHECK_THROWS_WITH(params.get_int_list("sizes"),
                      StartsWith("head.params.sizes[1]: expected an integer, got the number 2.5"));
    const Params words = schema.validate(json::parse(R"({"sizes": ["a"]})"), "head.params");
    CHECK_THROWS_WITH(words.get_float_list("sizes"),
                      StartsWith("head.params.sizes[0]: expected a number, got the string"));
}

TEST_CASE("a number too large for a float is refused when read as one", "[params]") {
    const Params params = validate(R"({"options": {}})");
    const ParamSchema schema =
        ParamSchema::parse(R"({"scale": {"type": "number", "default": 1e300}})", "scaler");
    const Params huge = schema.validate(json::parse("{}"), "pretexts[1].params");
    CHECK(huge.get_double("scale") == 1e300);
    CHECK_THROWS_AS(huge.get_float("scale"), ManifestError);
    CHECK_THROWS_WITH(huge.get_float("scale"),
                      StartsWith("pretexts[1].params.scale: 1e+300 is out of range for a "
                                 "32-bit float"));
    CHECK(params.get_object("options").empty());
}

TEST_CASE("a malformed schema is a plugin error naming the plugin and the key", "[params]") {
    const auto parse = [](const std::string& text) { return ParamSchema::parse(text, "broken"); };
    CHECK_THROWS_AS(parse("{\"a\": "), PluginError);
    CHECK_THROWS_WITH(parse("{\"a\": "),
                      Contains("plugin 'broken': its parameter schema is not valid JSON"));
    CHECK_THROWS_WITH(parse("[1]"), Contains("plugin 'broken': its parameter schema must be a "
                                             "JSON object, got an array"));
    CHECK_THROWS_AS(parse(R"({"lr": 0.1})"), PluginError);
    CHECK_THROWS_WITH(parse(R"({"lr": 0.1})"),
                      Contains("plugin 'broken', parameter schema entry 'lr': expected an object"));
    CHECK_THROWS_WITH(parse(R"({"lr": {"default": 0.1}})"),
                      Contains("entry 'lr': missing \"type\""));
    CHECK_THROWS_WITH(parse(R"({"lr": {"type": "float"}})"),
                      Contains("entry 'lr': \"type\" must be one of integer, number"));
    CHECK_THROWS_WITH(parse(R"({"lr": {"type": "number", "defualt": 0.1}})"),
                      Contains("entry 'lr': unknown attribute 'defualt'; did you mean "
                               "'default'?"));
    CHECK_THROWS_WITH(parse(R"({"lr": {"type": "number", "default": 2, "max": 1}})"),
                      Contains("entry 'lr': default: 2 is above the maximum 1"));
    CHECK_THROWS_WITH(parse(R"({"lr": {"type": "number", "default": "fast"}})"),
                      Contains("entry 'lr': default: expected a number, got the string"));
    CHECK_THROWS_WITH(parse(R"({"lr": {"type": "number", "min": 2, "max": 1}})"),
                      Contains("entry 'lr': \"min\" 2 is above \"max\" 1"));
    CHECK_THROWS_WITH(parse(R"({"name": {"type": "string", "min": 1}})"),
                      Contains("entry 'name': \"min\" applies only to integers and numbers"));
    CHECK_THROWS_WITH(parse(R"({"lr": {"type": "number", "enum": [1]}})"),
                      Contains("entry 'lr': \"enum\" applies only to strings"));
    CHECK_THROWS_WITH(parse(R"({"mode": {"type": "string", "enum": []}})"),
                      Contains("entry 'mode': \"enum\" must be a non-empty array of strings"));
    CHECK_THROWS_WITH(parse(R"({"n": {"type": "integer", "items": {"type": "integer"}}})"),
                      Contains("entry 'n': \"items\" applies only to arrays"));
    CHECK_THROWS_WITH(parse(R"({"w": {"type": "array", "items": {"type": "int"}}})"),
                      Contains("entry 'w[]': \"type\" must be one of"));
    CHECK_THROWS_WITH(parse(R"({"w": {"type": "array", "min_items": -1}})"),
                      Contains("entry 'w': \"min_items\" must be a non-negative integer"));
    CHECK_THROWS_WITH(parse(R"({"w": {"type": "array", "default": [0], "items": {"type":
                               "integer", "min": 1}}})"),
                      Contains("entry 'w': default[0]: 0 is below the minimum 1"));
}

TEST_CASE("closest_match suggests near spellings and nothing for distant words",
          "[params][did_you_mean]") {
    const std::vector<std::string> keys = {"channels", "noise", "level", "widths"};
    CHECK(closest_match("levle", keys) == "level");
    CHECK(closest_match("chanels", keys) == "channels");
    CHECK(closest_match("Noise", keys) == "noise");
    CHECK(closest_match("width", keys) == "widths");
    CHECK(closest_match("temperature", keys) == "");
    CHECK(closest_match("lr", {"wd", "momentum"}) == "");
    CHECK(closest_match("anything", {}) == "");
    CHECK(closest_match("denoisng", {"rotation", "denoising", "inpainting"}) == "denoising");
}
