#include "selfsup/params.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>

#include "selfsup/did_you_mean.hpp"
#include "selfsup/errors.hpp"

namespace selfsup {

struct ParamSchema::Data {
    std::string plugin_name;
    std::vector<ParamSpec> entries;
    // How messages speak of an undeclared or missing entry: plugins have
    // parameters, manifest sections have keys.
    std::string unknown_phrase;
    std::string noun = "parameter";
};

namespace {

namespace json = boost::json;

constexpr std::array<const char*, 6> kTypeNames = {"integer", "number", "boolean",
                                                   "string",  "array",  "object"};
constexpr std::size_t kMaxQuotedChars = 40;

std::string join_path(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : detail::concat(path, ".", key);
}

std::string index_path(const std::string& path, std::size_t index) {
    return detail::concat(path, "[", index, "]");
}

// Shortest text that reads back as the same double: "1.5", "1", "1e+300".
std::string format_number(double number) {
    std::array<char, 32> buffer;
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
    return std::string(buffer.data(), result.ptr);
}

std::string format_value_number(const json::value& value) {
    if (value.is_int64()) return std::to_string(value.get_int64());
    if (value.is_uint64()) return std::to_string(value.get_uint64());
    return format_number(value.get_double());
}

std::string quoted(std::string_view text) {
    if (text.size() <= kMaxQuotedChars) return detail::concat('"', text, '"');
    return detail::concat('"', text.substr(0, kMaxQuotedChars), "...\"");
}

// What a user wrote, in words: `the string "32"`, `the number 1.5`, `an array`.
std::string describe(const json::value& value) {
    switch (value.kind()) {
        case json::kind::null:
            return "null";
        case json::kind::bool_:
            return value.get_bool() ? "the boolean true" : "the boolean false";
        case json::kind::int64:
        case json::kind::uint64:
        case json::kind::double_:
            return "the number " + format_value_number(value);
        case json::kind::string:
            return "the string " + quoted(value.get_string());
        case json::kind::array:
            return "an array";
        case json::kind::object:
            return "an object";
    }
    return "an unknown value";
}

std::string expected_phrase(ParamType type) {
    switch (type) {
        case ParamType::kInteger:
            return "an integer";
        case ParamType::kNumber:
            return "a number";
        case ParamType::kBoolean:
            return "a boolean (true or false)";
        case ParamType::kString:
            return "a string";
        case ParamType::kArray:
            return "an array";
        case ParamType::kObject:
            return "an object";
    }
    return "a value";
}

std::string join_words(const std::vector<std::string>& words) {
    std::string joined;
    for (const std::string& word : words) {
        if (!joined.empty()) joined += ", ";
        joined += word;
    }
    return joined;
}

double number_of(const json::value& value) {
    if (value.is_int64()) return static_cast<double>(value.get_int64());
    if (value.is_uint64()) return static_cast<double>(value.get_uint64());
    return value.get_double();
}

[[noreturn]] void fail_type(const ParamSpec& spec, const json::value& value,
                            const std::string& path) {
    throw ManifestError(
        detail::concat(path, ": expected ", expected_phrase(spec.type), ", got ", describe(value)));
}

void check_bounds(const ParamSpec& spec, const json::value& value, const std::string& path) {
    const double number = number_of(value);
    if (spec.min && number < *spec.min) {
        throw ManifestError(detail::concat(path, ": ", format_value_number(value),
                                           " is below the minimum ", format_number(*spec.min)));
    }
    if (spec.max && number > *spec.max) {
        throw ManifestError(detail::concat(path, ": ", format_value_number(value),
                                           " is above the maximum ", format_number(*spec.max)));
    }
}

// An integer written as int64, uint64 or an integral double, as int64.
void normalise_integer(const ParamSpec& spec, json::value& value, const std::string& path) {
    if (value.is_int64()) return;
    if (value.is_uint64()) {
        if (value.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            throw ManifestError(detail::concat(path, ": ", value.get_uint64(),
                                               " is out of range for a 64-bit integer"));
        }
        value = static_cast<int64_t>(value.get_uint64());
        return;
    }
    if (!value.is_double()) fail_type(spec, value, path);
    const double number = value.get_double();
    if (!std::isfinite(number) || std::trunc(number) != number) fail_type(spec, value, path);
    // 2^63 is exactly representable, so this comparison is exact.
    if (number < -9223372036854775808.0 || number >= 9223372036854775808.0) {
        throw ManifestError(detail::concat(path, ": ", format_number(number),
                                           " is out of range for a 64-bit integer"));
    }
    value = static_cast<int64_t>(number);
}

// Checks `value` against `spec` and normalises it in place; throws ManifestError
// naming `path`.
void check_value(const ParamSpec& spec, json::value& value, const std::string& path) {
    if (value.is_null() && spec.default_value && spec.default_value->is_null()) return;
    switch (spec.type) {
        case ParamType::kInteger:
            normalise_integer(spec, value, path);
            check_bounds(spec, value, path);
            return;
        case ParamType::kNumber:
            if (!value.is_number()) fail_type(spec, value, path);
            if (value.is_double() && !std::isfinite(value.get_double())) {
                throw ManifestError(detail::concat(path, ": ", format_number(value.get_double()),
                                                   " is out of range"));
            }
            check_bounds(spec, value, path);
            return;
        case ParamType::kBoolean:
            if (!value.is_bool()) fail_type(spec, value, path);
            return;
        case ParamType::kString: {
            if (!value.is_string()) fail_type(spec, value, path);
            if (spec.enum_values.empty()) return;
            const std::string text(value.get_string());
            for (const std::string& allowed : spec.enum_values) {
                if (text == allowed) return;
            }
            std::string message = detail::concat(path, ": ", quoted(text), " is not one of ",
                                                 join_words(spec.enum_values));
            const std::string suggestion = closest_match(text, spec.enum_values);
            if (!suggestion.empty())
                message += detail::concat("; did you mean '", suggestion, "'?");
            throw ManifestError(message);
        }
        case ParamType::kArray: {
            if (!value.is_array()) fail_type(spec, value, path);
            json::array& items = value.get_array();
            if (spec.min_items && items.size() < *spec.min_items) {
                throw ManifestError(detail::concat(path, ": expected at least ", *spec.min_items,
                                                   " items, got ", items.size()));
            }
            if (spec.max_items && items.size() > *spec.max_items) {
                throw ManifestError(detail::concat(path, ": expected at most ", *spec.max_items,
                                                   " items, got ", items.size()));
            }
            if (!spec.items) return;
            for (std::size_t i = 0; i < items.size(); ++i) {
                check_value(*spec.items, items[i], index_path(path, i));
            }
            return;
        }
        case ParamType::kObject:
            if (!value.is_object()) fail_type(spec, value, path);
            return;
    }
}

// Builds the schema's PluginError: "plugin 'p', parameter 'k': what".
class SchemaReader {
public:
    SchemaReader(const std::string& plugin, const std::string& key) : plugin_(plugin), key_(key) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw PluginError(
            detail::concat("plugin '", plugin_, "', parameter schema entry '", key_, "': ", what));
    }

    // `items` reads an array's element schema, which has no default.
    ParamSpec read(const json::value& entry, bool items) const {
        static const std::vector<std::string> kAttributes = {"type",  "default",   "min",
                                                             "max",   "enum",      "description",
                                                             "items", "min_items", "max_items"};
        if (!entry.is_object()) fail("expected an object like {\"type\": \"integer\"}");
        const json::object& attributes = entry.get_object();
        for (const auto& attribute : attributes) {
            const std::string name(attribute.key());
            if (std::find(kAttributes.begin(), kAttributes.end(), name) != kAttributes.end()) {
                continue;
            }
            std::string message = detail::concat("unknown attribute '", name, "'");
            const std::string suggestion = closest_match(name, kAttributes);
            if (!suggestion.empty())
                message += detail::concat("; did you mean '", suggestion, "'?");
            fail(message);
        }

        ParamSpec spec;
        spec.type = read_type(attributes);
        if (const json::value* description = attributes.if_contains("description")) {
            if (!description->is_string()) fail("\"description\" must be a string");
            spec.description = std::string(description->get_string());
        }
        read_bounds(attributes, spec);
        read_enum(attributes, spec);
        read_array_attributes(attributes, spec);
        if (const json::value* default_value = attributes.if_contains("default")) {
            if (items) fail("an \"items\" schema cannot have a \"default\"");
            spec.default_value = *default_value;
            check_default(spec);
        }
        return spec;
    }

private:
    ParamType read_type(const json::object& attributes) const {
        const json::value* type = attributes.if_contains("type");
        const std::vector<std::string> names(kTypeNames.begin(), kTypeNames.end());
        if (!type) fail(detail::concat("missing \"type\" (one of ", join_words(names), ")"));
        if (type->is_string()) {
            for (std::size_t i = 0; i < names.size(); ++i) {
                if (type->get_string() == names[i]) return static_cast<ParamType>(i);
            }
        }
        fail(detail::concat("\"type\" must be one of ", join_words(names), ", got ",
                            describe(*type)));
    }

    std::optional<double> read_bound(const json::object& attributes, const char* name,
                                     const ParamSpec& spec) const {
        const json::value* bound = attributes.if_contains(name);
        if (!bound) return std::nullopt;
        if (spec.type != ParamType::kInteger && spec.type != ParamType::kNumber) {
            fail(detail::concat("\"", name, "\" applies only to integers and numbers"));
        }
        if (!bound->is_number()) fail(detail::concat("\"", name, "\" must be a number"));
        return number_of(*bound);
    }

    void read_bounds(const json::object& attributes, ParamSpec& spec) const {
        spec.min = read_bound(attributes, "min", spec);
        spec.max = read_bound(attributes, "max", spec);
        if (spec.min && spec.max && *spec.min > *spec.max) {
            fail(detail::concat("\"min\" ", format_number(*spec.min), " is above \"max\" ",
                                format_number(*spec.max)));
        }
    }

    void read_enum(const json::object& attributes, ParamSpec& spec) const {
        const json::value* values = attributes.if_contains("enum");
        if (!values) return;
        if (spec.type != ParamType::kString) fail("\"enum\" applies only to strings");
        if (!values->is_array() || values->get_array().empty()) {
            fail("\"enum\" must be a non-empty array of strings");
        }
        for (const json::value& value : values->get_array()) {
            if (!value.is_string()) fail("\"enum\" must be a non-empty array of strings");
            spec.enum_values.emplace_back(value.get_string());
        }
    }

    std::optional<std::size_t> read_count(const json::object& attributes, const char* name) const {
        const json::value* count = attributes.if_contains(name);
        if (!count) return std::nullopt;
        if (count->is_uint64()) return count->get_uint64();
        if (count->is_int64() && count->get_int64() >= 0) {
            return static_cast<std::size_t>(count->get_int64());
        }
        fail(detail::concat("\"", name, "\" must be a non-negative integer"));
    }

    void read_array_attributes(const json::object& attributes, ParamSpec& spec) const {
        const bool is_array = spec.type == ParamType::kArray;
        for (const char* name : {"items", "min_items", "max_items"}) {
            if (!is_array && attributes.contains(name)) {
                fail(detail::concat("\"", name, "\" applies only to arrays"));
            }
        }
        if (!is_array) return;
        spec.min_items = read_count(attributes, "min_items");
        spec.max_items = read_count(attributes, "max_items");
        if (spec.min_items && spec.max_items && *spec.min_items > *spec.max_items) {
            fail("\"min_items\" is above \"max_items\"");
        }
        if (const json::value* items = attributes.if_contains("items")) {
            spec.items = std::make_shared<const ParamSpec>(
                SchemaReader(plugin_, key_ + "[]").read(*items, true));
        }
    }

    void check_default(const ParamSpec& spec) const {
        json::value value = *spec.default_value;
        try {
            check_value(spec, value, "default");
        } catch (const ManifestError& error) {
            fail(error.what());
        }
    }

    const std::string& plugin_;
    std::string key_;
};

const ParamSpec* find_spec(const std::vector<ParamSpec>& entries, const std::string& name) {
    for (const ParamSpec& spec : entries) {
        if (spec.name == name) return &spec;
    }
    return nullptr;
}

// A list getter whose declared element type cannot give `wanted` is a plugin bug.
void check_list_items(const std::vector<ParamSpec>& entries, const std::string& plugin,
                      const std::string& name, ParamType wanted) {
    const ParamSpec* spec = find_spec(entries, name);
    if (!spec || !spec->items) return;
    const ParamType items = spec->items->type;
    if (items == wanted || (wanted == ParamType::kNumber && items == ParamType::kInteger)) return;
    throw InternalError(detail::concat("plugin '", plugin, "' reads parameter '", name,
                                       "' as a list of ", param_type_name(wanted),
                                       "s but declares its items ", expected_phrase(items)));
}

}  // namespace

const char* param_type_name(ParamType type) {
    return kTypeNames.at(static_cast<std::size_t>(type));
}

const char* json_kind_phrase(const json::value& value) {
    switch (value.kind()) {
        case json::kind::null:
            return "null";
        case json::kind::bool_:
            return "a boolean";
        case json::kind::int64:
        case json::kind::uint64:
        case json::kind::double_:
            return "a number";
        case json::kind::string:
            return "a string";
        case json::kind::array:
            return "an array";
        case json::kind::object:
            return "an object";
    }
    return "a value";
}

ParamSchema::ParamSchema() : data_(std::make_shared<const Data>()) {}

ParamSchema::ParamSchema(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

ParamSchema ParamSchema::parse(const std::string& text, const std::string& plugin_name) {
    // 1. The text must be a JSON object; plugins without parameters may pass "".
    auto data = std::make_shared<Data>();
    data->plugin_name = plugin_name;
    data->unknown_phrase = "unknown parameter of plugin '" + plugin_name + "'";
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return ParamSchema(data);
    json::error_code ec;
    const json::value root = json::parse(text, ec);
    if (ec) {
        throw PluginError(detail::concat(
            "plugin '", plugin_name, "': its parameter schema is not valid JSON: ", ec.message()));
    }
    if (!root.is_object()) {
        throw PluginError(detail::concat("plugin '", plugin_name,
                                         "': its parameter schema must be a JSON object, got ",
                                         describe(root)));
    }

    // 2. One entry per parameter, in declaration order.
    // TODO: Boost.JSON keeps the last of duplicate keys silently, so a schema
    // declaring one parameter twice is not caught; the SDK has no strict parser.
    for (const auto& [key, entry] : root.get_object()) {
        const std::string name(key);
        if (name.empty()) {
            throw PluginError(detail::concat("plugin '", plugin_name,
                                             "': its parameter schema has an empty key"));
        }
        ParamSpec spec = SchemaReader(plugin_name, name).read(entry, false);
        spec.name = name;
        data->entries.push_back(std::move(spec));
    }
    return ParamSchema(data);
}

ParamSchema ParamSchema::parse_section(const std::string& text, const std::string& section) {
    auto data = std::make_shared<Data>(*parse(text, section).data_);
    data->unknown_phrase = "unknown key";
    data->noun = "key";
    return ParamSchema(data);
}

const std::string& ParamSchema::plugin_name() const {
    return data_->plugin_name;
}

const std::vector<ParamSpec>& ParamSchema::entries() const {
    return data_->entries;
}

const ParamSpec* ParamSchema::find(const std::string& name) const {
    return find_spec(data_->entries, name);
}

Params ParamSchema::validate(const json::value& given, const std::string& json_path) const {
    // 1. Only an object (or nothing) can hold parameters.
    static const json::object kNothing;
    if (!given.is_null() && !given.is_object()) {
        throw ManifestError(detail::concat(json_path.empty() ? data_->plugin_name : json_path,
                                           ": expected an object of parameters, got ",
                                           describe(given)));
    }
    const json::object& values = given.is_object() ? given.get_object() : kNothing;

    // 2. Every given key must be declared: a typo would otherwise be silently ignored.
    std::vector<std::string> known;
    for (const ParamSpec& spec : data_->entries) known.push_back(spec.name);
    for (const auto& entry : values) {
        const std::string key(entry.key());
        if (find(key)) continue;
        std::string message = detail::concat(
            join_path(json_path, key), ": ", data_->unknown_phrase);
        const std::string suggestion = closest_match(key, known);
        if (!suggestion.empty()) {
            message += detail::concat("; did you mean '", suggestion, "'?");
        } else if (known.empty()) {
            message += detail::concat(", which takes no ", data_->noun, "s");
        } else {
            message += detail::concat("; the ", data_->noun, "s allowed here are ", join_words(known));
        }
        throw ManifestError(message);
    }

    // 3. Given values over defaults, in declaration order, each checked.
    json::object resolved;
    for (const ParamSpec& spec : data_->entries) {
        const std::string path = join_path(json_path, spec.name);
        if (const json::value* value = values.if_contains(spec.name)) {
            json::value checked = *value;
            check_value(spec, checked, path);
            resolved.emplace(spec.name, std::move(checked));
        } else if (spec.default_value) {
            resolved.emplace(spec.name, *spec.default_value);
        } else {
            std::string message = detail::concat(json_path.empty() ? data_->plugin_name : json_path,
                                                 ": missing required ", data_->noun, " '", spec.name, "'");
            if (!spec.description.empty()) message += " (" + spec.description + ")";
            throw ManifestError(message);
        }
    }
    return Params(data_, json_path, std::move(resolved));
}

Params::Params() : schema_(ParamSchema().data_) {}

Params::Params(std::shared_ptr<const ParamSchema::Data> schema, std::string json_path,
               json::object values)
    : schema_(std::move(schema)), json_path_(std::move(json_path)), values_(std::move(values)) {}

const std::string& Params::plugin_name() const {
    return schema_->plugin_name;
}

std::string Params::path_of(const std::string& name) const {
    return join_path(json_path_, name);
}

bool Params::has(const std::string& name) const {
    const json::value* value = values_.if_contains(name);
    return value && !value->is_null();
}

const json::value& Params::lookup(const std::string& name, ParamType wanted) const {
    const ParamSpec* spec = find_spec(schema_->entries, name);
    if (!spec) {
        throw InternalError(detail::concat("plugin '", schema_->plugin_name, "' reads parameter '",
                                           name, "', which its schema does not declare"));
    }
    const bool integer_as_number =
        wanted == ParamType::kNumber && spec->type == ParamType::kInteger;
    if (spec->type != wanted && !integer_as_number) {
        throw InternalError(detail::concat("plugin '", schema_->plugin_name, "' reads parameter '",
                                           name, "' as ", expected_phrase(wanted),
                                           " but declares it ", expected_phrase(spec->type)));
    }
    const json::value& value = values_.at(name);
    if (value.is_null()) {
        throw InternalError(detail::concat("plugin '", schema_->plugin_name,
                                           "' reads optional parameter '", name,
                                           "' without checking has() first"));
    }
    return value;
}

int64_t Params::get_int(const std::string& name) const {
    return lookup(name, ParamType::kInteger).get_int64();
}

double Params::get_double(const std::string& name) const {
    return number_of(lookup(name, ParamType::kNumber));
}

float Params::get_float(const std::string& name) const {
    const double number = get_double(name);
    if (std::abs(number) > std::numeric_limits<float>::max()) {
        throw ManifestError(detail::concat(path_of(name), ": ", format_number(number),
                                           " is out of range for a 32-bit float"));
    }
    return static_cast<float>(number);
}

bool Params::get_bool(const std::string& name) const {
    return lookup(name, ParamType::kBoolean).get_bool();
}

std::string Params::get_string(const std::string& name) const {
    return std::string(lookup(name, ParamType::kString).get_string());
}

std::vector<int64_t> Params::get_int_list(const std::string& name) const {
    const json::array& items = get_array(name);
    check_list_items(schema_->entries, schema_->plugin_name, name, ParamType::kInteger);
    ParamSpec element;
    element.type = ParamType::kInteger;
    std::vector<int64_t> list;
    list.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        // Elements a declared "items" schema already normalised pass through untouched.
        json::value item = items[i];
        check_value(element, item, index_path(path_of(name), i));
        list.push_back(item.get_int64());
    }
    return list;
}

std::vector<float> Params::get_float_list(const std::string& name) const {
    const json::array& items = get_array(name);
    check_list_items(schema_->entries, schema_->plugin_name, name, ParamType::kNumber);
    std::vector<float> list;
    list.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string path = index_path(path_of(name), i);
        if (!items[i].is_number()) {
            throw ManifestError(
                detail::concat(path, ": expected a number, got ", describe(items[i])));
        }
        const double number = number_of(items[i]);
        if (std::abs(number) > std::numeric_limits<float>::max()) {
            throw ManifestError(detail::concat(path, ": ", format_number(number),
                                               " is out of range for a 32-bit float"));
        }
        list.push_back(static_cast<float>(number));
    }
    return list;
}

const json::object& Params::get_object(const std::string& name) const {
    return lookup(name, ParamType::kObject).get_object();
}

const json::array& Params::get_array(const std::string& name) const {
    return lookup(name, ParamType::kArray).get_array();
}

}  // namespace selfsup
