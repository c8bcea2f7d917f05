#pragma once

// The error family of selfsup. Every failure a user can cause is one of these
// typed exceptions, with a message that says what went wrong, where (file,
// JSON path, plugin, tensor shapes) and, where it can, how to fix it. The CLI
// turns them into one line on stderr and an exit code.
//
// Broken internal invariants are reported with SELFSUP_CHECK, which throws
// InternalError naming the condition and the values involved.

#include <sstream>
#include <stdexcept>
#include <string>

#include "selfsup/api.hpp"

namespace selfsup {

class SELFSUP_API Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    ~Error() override;
};

// A tensor had a shape an op cannot take. The message names the op and the
// shapes involved.
class SELFSUP_API ShapeError : public Error {
public:
    using Error::Error;
    ~ShapeError() override;
};

// A file or data set is missing, truncated or malformed.
class SELFSUP_API DataError : public Error {
public:
    using Error::Error;
    ~DataError() override;
};

// A value became NaN or infinite, or an argument is outside what the maths
// allows (a negative learning rate, a zero temperature).
class SELFSUP_API NumericalError : public Error {
public:
    using Error::Error;
    ~NumericalError() override;
};

// An experiment manifest or a plugin's parameters are invalid.
class SELFSUP_API ManifestError : public Error {
public:
    using Error::Error;
    ~ManifestError() override;
};

// A plugin library could not be loaded, or a plugin failed.
class SELFSUP_API PluginError : public Error {
public:
    using Error::Error;
    ~PluginError() override;
};

// A bug in selfsup itself: an invariant that should always hold did not.
class SELFSUP_API InternalError : public Error {
public:
    using Error::Error;
    ~InternalError() override;
};

namespace detail {

template <typename... Values>
std::string concat(const Values&... values) {
    std::ostringstream stream;
    (stream << ... << values);
    return stream.str();
}

}  // namespace detail

}  // namespace selfsup

// Checks an internal invariant; on failure throws InternalError quoting the
// condition, the source location and any values passed after it.
#define SELFSUP_CHECK(condition, ...)                                                     \
    do {                                                                                  \
        if (!(condition)) {                                                               \
            throw ::selfsup::InternalError(::selfsup::detail::concat(                     \
                "internal check failed: ", #condition, " at ", __FILE__, ":", __LINE__,   \
                " " __VA_OPT__(, ) __VA_ARGS__));                                         \
        }                                                                                 \
    } while (false)
