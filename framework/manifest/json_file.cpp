#include "manifest/json_file.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <unordered_set>
#include <vector>

#include "selfsup/errors.hpp"
#include "selfsup/params.hpp"

namespace selfsup {

namespace {

namespace json = boost::json;

constexpr std::size_t kMaxQuotedChars = 40;

// Builds values like Boost.JSON's own parser does, and also refuses what that
// parser lets through: a key repeated in one object (it keeps the last) and a
// number beyond the range of a double (it makes infinity). Tracks the JSON
// path of the value being parsed so those errors can name it.
class StrictHandler {
public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    StrictHandler() { stack_.reset(); }

    json::value release() { return stack_.release(); }
    // What the handler refused, or "" when the parser itself failed.
    const std::string& failure() const { return failure_; }
    bool out_of_range() const { return out_of_range_; }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }

    bool on_object_begin(json::error_code&) {
        frames_.emplace_back().is_object = true;
        return true;
    }
    bool on_object_end(std::size_t size, json::error_code&) {
        stack_.push_object(size);
        frames_.pop_back();
        value_done();
        return true;
    }
    bool on_array_begin(json::error_code&) {
        frames_.emplace_back();
        return true;
    }
    bool on_array_end(std::size_t size, json::error_code&) {
        stack_.push_array(size);
        frames_.pop_back();
        value_done();
        return true;
    }

    bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
        stack_.push_chars(part);
        pending_key_.append(part.data(), part.size());
        return true;
    }
    bool on_key(json::string_view part, std::size_t, json::error_code& ec) {
        stack_.push_key(part);
        pending_key_.append(part.data(), part.size());
        Frame& frame = frames_.back();
        if (!frame.keys.insert(pending_key_).second) {
            const std::string where = path(frames_.size() - 1);
            failure_ = detail::concat("duplicate key \"", pending_key_, "\" in ",
                                      where.empty() ? "the top-level object" : where,
                                      "; each key may appear once");
            ec = json::error::syntax;
            return false;
        }
        frame.key = std::move(pending_key_);
        pending_key_.clear();
        return true;
    }

    bool on_string_part(json::string_view part, std::size_t, json::error_code&) {
        stack_.push_chars(part);
        return true;
    }
    bool on_string(json::string_view part, std::size_t, json::error_code&) {
        stack_.push_string(part);
        value_done();
        return true;
    }

    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t number, json::string_view, json::error_code&) {
        stack_.push_int64(number);
        value_done();
        return true;
    }
    bool on_uint64(std::uint64_t number, json::string_view, json::error_code&) {
        stack_.push_uint64(number);
        value_done();
        return true;
    }
    bool on_double(double number, json::string_view text, json::error_code& ec) {
        if (!std::isfinite(number)) {
            std::string shown(text.substr(0, kMaxQuotedChars));
            if (text.size() > kMaxQuotedChars) shown += "...";
            const std::string where = path(frames_.size());
            failure_ = detail::concat("the number ", shown, where.empty() ? "" : " at ", where,
                                      " is out of range (beyond about 1.8e308)");
            out_of_range_ = true;
            ec = json::error::exponent_overflow;
            return false;
        }
        stack_.push_double(number);
        value_done();
        return true;
    }
    bool on_bool(bool flag, json::error_code&) {
        stack_.push_bool(flag);
        value_done();
        return true;
    }
    bool on_null(json::error_code&) {
        stack_.push_null();
        value_done();
        return true;
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

private:
    struct Frame {
        bool is_object = false;
        // Arrays: elements completed so far, i.e. the index of the current one.
        std::size_t count = 0;
        // Objects: the current key, and every key seen.
        std::string key;
        std::unordered_set<std::string> keys;
    };

    void value_done() {
        if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().count;
    }

    // The JSON path through the first `depth` open containers, e.g. "pretexts[0].params".
    std::string path(std::size_t depth) const {
        std::string text;
        for (std::size_t i = 0; i < depth; ++i) {
            const Frame& frame = frames_[i];
            if (!frame.is_object) {
                text += detail::concat("[", frame.count, "]");
            } else {
                if (!text.empty()) text += '.';
                text += frame.key;
            }
        }
        return text;
    }

    json::value_stack stack_;
    std::vector<Frame> frames_;
    std::string pending_key_;
    std::string failure_;
    bool out_of_range_ = false;
};

struct ParseOutcome {
    json::value value;
    bool ok = false;
    bool out_of_range = false;
    std::size_t offset = 0;
    std::string what;
};

// The offset of the first byte that does not start a well-formed UTF-8
// sequence (overlong forms, surrogates and code points past U+10FFFF
// included), scanning no further than `limit`; npos when there is none.
std::size_t find_invalid_utf8(std::string_view text, std::size_t limit) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const std::size_t end = std::min(text.size(), limit);
    std::size_t i = 0;
    while (i < end) {
        const unsigned char lead = byte(i);
        std::size_t length = 0;
        unsigned char low = 0x80;
        unsigned char high = 0xBF;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        } else {
            return i;
        }
        if (i + length > text.size()) return i;
        if (byte(i + 1) < low || byte(i + 1) > high) return i;
        for (std::size_t k = 2; k < length; ++k) {
            if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return i;
        }
        i += length;
    }
    return std::string_view::npos;
}

std::string unexpected_at(std::string_view text, std::size_t offset) {
    if (offset >= text.size()) return "unexpected end of the text";
    const unsigned char c = static_cast<unsigned char>(text[offset]);
    if (c >= 0x20 && c < 0x7F) return detail::concat("unexpected '", static_cast<char>(c), "'");
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(c));
    if (c < 0x20) {
        return detail::concat("unexpected control character ", hex,
                              " (inside a string write it as an escape such as \\n)");
    }
    return detail::concat("unexpected byte ", hex);
}

// Words for a parser error a user can act on.
std::string explain(const json::error_code& ec, std::string_view text, std::size_t offset) {
    if (ec == json::error::incomplete) {
        return "the JSON ends too early: is a bracket, brace or quote left open, or the file "
               "truncated?";
    }
    if (ec == json::error::too_deep) {
        return detail::concat("arrays and objects are nested more than ", kMaxJsonDepth,
                              " levels deep");
    }
    if (ec == json::error::exponent_overflow) return "a number's exponent is out of range";
    if (ec == json::error::extra_data) {
        return detail::concat("unexpected text after the end of the JSON value (",
                              unexpected_at(text, offset), ")");
    }
    if (ec == json::error::illegal_leading_surrogate ||
        ec == json::error::illegal_trailing_surrogate) {
        return "a \\u escape holds half of a UTF-16 surrogate pair";
    }
    if (ec == json::error::expected_hex_digit) {
        return "a \\u escape needs four hexadecimal digits";
    }
    if (ec == json::error::syntax) return "not valid JSON: " + unexpected_at(text, offset);
    return ec.message();
}

ParseOutcome parse_strict(std::string_view text) {
    json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    json::basic_parser<StrictHandler> parser(options);

    ParseOutcome outcome;
    json::error_code ec;
    const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
    StrictHandler& handler = parser.handler();
    outcome.offset = consumed;
    if (!ec && consumed < text.size()) ec = json::error::extra_data;
    if (!ec) {
        outcome.value = handler.release();
        outcome.ok = true;
        return outcome;
    }
    if (!handler.failure().empty()) {
        outcome.what = handler.failure();
        outcome.out_of_range = handler.out_of_range();
        return outcome;
    }
    // Boost.JSON reports invalid UTF-8 as a plain syntax error at or just
    // after the bad sequence; say what it really is.
    if (ec == json::error::syntax) {
        const std::size_t bad = find_invalid_utf8(text, consumed + 1);
        if (bad != std::string_view::npos) {
            outcome.offset = bad;
            outcome.what = "invalid UTF-8 (is this a text file saved as UTF-8?)";
            return outcome;
        }
    }
    if (ec == json::error::exponent_overflow) outcome.out_of_range = true;
    outcome.what = explain(ec, text, consumed);
    return outcome;
}

struct Location {
    std::size_t line = 1;
    std::size_t column = 1;
};

// Line and column (in characters, from 1) of a byte offset.
Location locate(std::string_view text, std::size_t offset) {
    Location location;
    offset = std::min(offset, text.size());
    for (std::size_t i = 0; i < offset; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++location.line;
            location.column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++location.column;
        }
    }
    return location;
}

[[noreturn]] void throw_parse_failure(const std::string& source, std::string_view text,
                                      const ParseOutcome& outcome) {
    const Location at = locate(text, outcome.offset);
    throw ManifestError(detail::concat(source, ":", at.line, ":", at.column, ": ", outcome.what));
}

std::string read_whole_file(const std::string& path) {
    namespace fs = std::filesystem;
    // 1. Only a regular file: a directory or a FIFO would fail or block when read.
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (status.type() == fs::file_type::not_found) {
        throw ManifestError(detail::concat(path, ": no such file"));
    }
    if (error) throw ManifestError(detail::concat(path, ": cannot be read: ", error.message()));
    if (fs::is_directory(status)) {
        throw ManifestError(detail::concat(path, ": is a directory, not a JSON file"));
    }
    if (!fs::is_regular_file(status)) {
        throw ManifestError(detail::concat(path, ": is not a regular file"));
    }

    // 2. Read it whole, refusing sizes no manifest has.
    const auto too_large = [&] {
        return ManifestError(detail::concat(path, ": is larger than ", kMaxJsonFileBytes >> 20,
                                            " MiB, too large for a manifest"));
    };
    const std::uintmax_t size = fs::file_size(path, error);
    if (!error && size > kMaxJsonFileBytes) throw too_large();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        throw ManifestError(detail::concat(path, ": cannot be opened: ", std::strerror(errno)));
    }
    std::string text;
    char buffer[1 << 16];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, count);
        if (text.size() > kMaxJsonFileBytes) throw too_large();
    }
    if (std::ferror(file.get())) {
        throw ManifestError(detail::concat(path, ": cannot be read: ", std::strerror(errno)));
    }
    return text;
}

std::string join_path(const std::string& path, const std::string& segment) {
    return path.empty() ? segment : path + "." + segment;
}

// The value part of an override: JSON when it parses, else the plain string.
json::value override_value(const std::string& text, const std::string& source) {
    ParseOutcome outcome = parse_strict(text);
    if (outcome.ok) return std::move(outcome.value);
    const std::size_t first = text.find_first_not_of(" \t");
    const bool meant_as_json = first != std::string::npos &&
                               (text[first] == '[' || text[first] == '{' || text[first] == '"');
    if (outcome.out_of_range) throw ManifestError(detail::concat(source, ": ", outcome.what));
    if (meant_as_json) {
        const Location at = locate(text, outcome.offset);
        throw ManifestError(detail::concat(source, ": the value is not valid JSON at column ",
                                           at.column, ": ", outcome.what));
    }
    return json::string(text);
}

std::size_t parse_index(const std::string& segment) {
    std::size_t index = 0;
    const char* end = segment.data() + segment.size();
    const auto result = std::from_chars(segment.data(), end, index);
    if (result.ec != std::errc() || result.ptr != end) return std::string::npos;
    return index;
}

}  // namespace

json::value parse_json_text(std::string_view text, const std::string& source) {
    ParseOutcome outcome = parse_strict(text);
    if (!outcome.ok) throw_parse_failure(source, text, outcome);
    return std::move(outcome.value);
}

json::value read_json_file(const std::string& path) {
    const std::string content = read_whole_file(path);
    std::string_view text = content;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        throw ManifestError(detail::concat(path, ": is empty; a manifest is a JSON object"));
    }
    json::value root = parse_json_text(text, path);
    if (!root.is_object()) {
        throw ManifestError(
            detail::concat(path, ": the manifest must be a JSON object, got ", json_kind_phrase(root)));
    }
    return root;
}

void apply_override(json::value& root, const std::string& assignment) {
    // 1. Split "a.b.c=value" into path segments and the value.
    const std::string source = "--set " + assignment;
    const std::size_t equals = assignment.find('=');
    if (equals == std::string::npos) {
        throw ManifestError(detail::concat(source, ": expected KEY.PATH=VALUE, for example ",
                                           "--set pretexts.0.epochs=3"));
    }
    const std::string path = assignment.substr(0, equals);
    std::vector<std::string> segments;
    for (std::size_t start = 0;;) {
        const std::size_t dot = path.find('.', start);
        segments.push_back(path.substr(start, dot - start));
        if (segments.back().empty()) {
            throw ManifestError(detail::concat(source, ": the key path '", path,
                                               "' has an empty part; write it like a.b.c"));
        }
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    json::value value = override_value(assignment.substr(equals + 1), source);

    // 2. Walk to the parent of the last segment, creating missing objects.
    json::value* node = &root;
    std::string walked;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::string& segment = segments[i];
        const bool last = i + 1 == segments.size();
        json::value* child = nullptr;
        if (json::object* object = node->if_object()) {
            if (last) {
                (*object)[segment] = std::move(value);
                return;
            }
            json::value* existing = object->if_contains(segment);
            child = existing ? existing : &object->emplace(segment, json::object()).first->value();
        } else if (json::array* array = node->if_array()) {
            const std::size_t index = parse_index(segment);
            if (array->empty()) {
                throw ManifestError(detail::concat(source, ": '", walked,
                                                   "' is an empty array, so it has no item '",
                                                   segment, "'"));
            }
            if (index == std::string::npos || index >= array->size()) {
                throw ManifestError(detail::concat(
                    source, ": '", walked, "' is an array of ", array->size(), " items, so '",
                    segment, "' is not a valid index (0 to ", array->size() - 1, ")"));
            }
            if (last) {
                (*array)[index] = std::move(value);
                return;
            }
            child = &(*array)[index];
        } else {
            throw ManifestError(detail::concat(source, ": cannot set '", path, "' because '",
                                               walked.empty() ? "the manifest" : walked, "' is ",
                                               json_kind_phrase(*node), ", not an object"));
        }
        walked = join_path(walked, segment);
        node = child;
    }
}

}  // namespace selfsup
