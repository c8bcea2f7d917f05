#pragma once

// Strict, safe reading of JSON manifests, and `--set key.path=value` overrides.
//
// Manifests come from users, so every bad input (missing file, binary junk,
// truncated text, absurd nesting, numbers no double holds, duplicate keys)
// becomes a ManifestError naming the file and, where known, line:column; none
// crashes, hangs or exhausts the stack. Nesting is limited to kMaxJsonDepth
// levels and files to kMaxJsonFileBytes. Stricter than Boost.JSON's own
// parse: duplicate keys are an error instead of "last one wins", and numbers
// that overflow a double are an error instead of infinity.
//
// Thread-safe: no shared state.

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace selfsup {

inline constexpr std::size_t kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxJsonFileBytes = 64u << 20;

// Parses `text` with the checks above; `source` (a file name, "--set x") starts
// every error message. Any JSON value is accepted at the top level.
boost::json::value parse_json_text(std::string_view text, const std::string& source);

// Reads and parses the manifest at `path`, which must hold a JSON object. A
// UTF-8 byte-order mark is skipped.
boost::json::value read_json_file(const std::string& path);

// Applies one command-line override "a.b.c=value" to `root`. Path segments are
// object keys, or array indices when the value there is an array
// ("pretexts.0.epochs=3"). The value is parsed as JSON when it parses (3, 0.5,
// true, [1,2], "quoted") and is otherwise the plain string (gaussian); text
// that starts with '[' or '{' must parse, since it was clearly meant as JSON.
// Missing object keys along the path are created as objects. Throws
// ManifestError naming the assignment: no '=', an empty path segment, a path
// through a value that is not an object or array, or an index out of range.
void apply_override(boost::json::value& root, const std::string& assignment);

}  // namespace selfsup
