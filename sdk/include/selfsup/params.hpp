#pragma once

// Plugin parameters: a plugin declares the parameters it takes as a JSON
// schema; the framework validates what a manifest gives against it, and the
// plugin reads the result through typed getters.
//
// A schema is a JSON object with one entry per parameter, in the order a
// listing should show them:
//
//   {"channels": {"type": "integer", "default": 32, "min": 1, "max": 4096,
//                 "description": "output channels of the first block"},
//    "noise":    {"type": "string", "default": "gaussian",
//                 "enum": ["gaussian", "salt_and_pepper", "masking"]},
//    "widths":   {"type": "array", "items": {"type": "integer", "min": 1},
//                 "min_items": 1, "default": [512]},
//    "path":     {"type": "string", "description": "no default: required"}}
//
// Types: "integer", "number", "boolean", "string", "array", "object". "min"
// and "max" bound integers and numbers (inclusive); "enum" lists the values a
// string may take; an array may give an "items" schema (same attributes, no
// default) and "min_items"/"max_items". An object parameter is free-form: the
// plugin validates it itself, naming Params::path_of(name) in its errors. A
// parameter without "default" is required; "default": null makes it optional
// with no value (see Params::has). Any other attribute is a schema error, so a
// misspelt "defualt" is caught when the plugin is loaded.
//
// Errors: a malformed schema is a PluginError naming the plugin and the key (a
// bug in the plugin); parameters that do not fit the schema are a
// ManifestError whose message starts with the JSON path of the offending value
// (a mistake in the manifest); reading a parameter the schema does not declare,
// or as the wrong type, is an InternalError (a bug in the plugin).
//
// ParamSchema and Params are immutable values, cheap to copy (they share their
// schema) and safe to read from several threads.

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "selfsup/api.hpp"

namespace selfsup {

enum class ParamType { kInteger, kNumber, kBoolean, kString, kArray, kObject };

// "integer", "number", "boolean", "string", "array", "object"
SELFSUP_API const char* param_type_name(ParamType type);

// What kind of JSON value a user wrote, in a word or two for an error
// message: "null", "a boolean", "a number", "a string", "an array", "an object".
SELFSUP_API const char* json_kind_phrase(const boost::json::value& value);

// One declared parameter, or the element schema of an array parameter (which
// has no name, default or description).
struct ParamSpec {
    std::string name;
    ParamType type = ParamType::kObject;
    // Absent for a required parameter; null for an optional one without value.
    std::optional<boost::json::value> default_value;
    std::optional<double> min;
    std::optional<double> max;
    // Allowed values of a string; empty means any string.
    std::vector<std::string> enum_values;
    std::string description;
    // Element schema of an array; null means elements are not checked.
    std::shared_ptr<const ParamSpec> items;
    std::optional<std::size_t> min_items;
    std::optional<std::size_t> max_items;

    bool required() const { return !default_value.has_value(); }
};

class Params;

class SELFSUP_API ParamSchema {
public:
    // The empty schema: a plugin without parameters.
    ParamSchema();

    // Parses and checks a schema, including that every default fits its own
    // declaration. Throws PluginError naming `plugin_name` and the key.
    static ParamSchema parse(const std::string& text, const std::string& plugin_name);
    // The same for a section of an experiment manifest, whose messages speak
    // of keys rather than of a plugin's parameters.
    static ParamSchema parse_section(const std::string& text, const std::string& section);

    const std::string& plugin_name() const;
    // The declared parameters in declaration order.
    const std::vector<ParamSpec>& entries() const;
    // The declared parameter called `name`, or nullptr.
    const ParamSpec* find(const std::string& name) const;

    // `given` merged over the defaults, every value checked and integers
    // normalised to int64. `given` must be an object, or null for "nothing
    // given". `json_path` is where `given` sits in the manifest (for example
    // "pretexts[0].params") and starts every error message; throws
    // ManifestError.
    Params validate(const boost::json::value& given, const std::string& json_path) const;

private:
    friend class Params;
    struct Data;
    explicit ParamSchema(std::shared_ptr<const Data> data);

    std::shared_ptr<const Data> data_;
};

class SELFSUP_API Params {
public:
    // No parameters, belonging to no plugin: what a plugin without a schema
    // receives, and a convenient value for tests.
    Params();

    // False only for an optional parameter (default null) the manifest left out.
    bool has(const std::string& name) const;

    int64_t get_int(const std::string& name) const;
    // A number (or integer) parameter. get_float throws ManifestError when the
    // value does not fit a float.
    float get_float(const std::string& name) const;
    double get_double(const std::string& name) const;
    bool get_bool(const std::string& name) const;
    std::string get_string(const std::string& name) const;
    // An array parameter. When the schema declares no element type, the
    // elements are checked here and a wrong one is a ManifestError.
    std::vector<int64_t> get_int_list(const std::string& name) const;
    std::vector<float> get_float_list(const std::string& name) const;
    const boost::json::object& get_object(const std::string& name) const;
    const boost::json::array& get_array(const std::string& name) const;

    // Every parameter, resolved: what the run folder's manifest records.
    const boost::json::object& json() const { return values_; }
    // Where these parameters sit in the manifest, e.g. "encoder.params".
    const std::string& json_path() const { return json_path_; }
    // The JSON path of one parameter, for a plugin's own error messages.
    std::string path_of(const std::string& name) const;
    const std::string& plugin_name() const;

private:
    friend class ParamSchema;
    Params(std::shared_ptr<const ParamSchema::Data> schema, std::string json_path,
           boost::json::object values);

    // The declared value of `name`, after checking the plugin reads it as a
    // type the declaration allows; throws InternalError otherwise.
    const boost::json::value& lookup(const std::string& name, ParamType wanted) const;

    std::shared_ptr<const ParamSchema::Data> schema_;
    std::string json_path_;
    boost::json::object values_;
};

}  // namespace selfsup
