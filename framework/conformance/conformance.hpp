#pragma once

// The conformance kit: checks one plugin library of any kind against the
// contract of its interface, the way a run would use it, and says which
// checks pass. `selfsup conformance` prints its report; the tests run every
// in-tree plugin through it.
//
// Checks are mandatory (the plugin breaks its contract if one fails) or
// optional (a recommendation). Each runs on its own: a check that throws
// fails with the exception's message, and the kit goes on; checks that need
// an object the plugin failed to construct are skipped, saying why.
//
// Pretexts and freeze policies need an encoder: the kit brings a small one of
// its own (kit_encoder.hpp), with a small dataset description and seeded
// random images, so a pretext is checked without any other plugin. Every
// call into a pretext runs under a LabelGuard.
//
// Not thread-safe: the kit trains small models and arms the process-wide
// LabelGuard, and sets the SDK's thread count (restoring it afterwards). It
// loads the plugin itself, and unloads it before returning.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace selfsup {

enum class Outcome { kPass, kFail, kSkip };

struct Check {
    std::string name;
    bool mandatory = true;
    Outcome outcome = Outcome::kSkip;
    // Why it failed or was skipped; for a pass, optional detail (e.g. the
    // pretext's modules and their parameter counts).
    std::string reason;
};

struct ConformanceOptions {
    // The plugin's parameters, as a manifest's "params" would give them; null
    // means the defaults.
    boost::json::value params;
    // Seeds the kit's images and every object it makes.
    uint64_t seed = 0;
    // Threads for the kit's training steps. The models are tiny, so one
    // thread is fastest and keeps the kit quick on a busy machine.
    int threads = 1;
};

struct ConformanceReport {
    std::filesystem::path file;
    // Empty when the library was refused before its descriptor was read.
    std::string name;
    std::string kind;
    std::string version;
    std::vector<Check> checks;

    int count(Outcome outcome) const;
    // No mandatory check failed. A skip does not count against the plugin:
    // it either does not apply (no parameters to mistype) or follows a
    // failure that is reported itself.
    bool conforms() const;
};

// Runs every check on the plugin library `file`. Throws PluginError when the
// file is missing or is not a selfsup plugin at all, and ManifestError when
// `options.params` do not fit the plugin's schema (bad input, not a broken
// plugin); everything the plugin does wrong is a failed check.
ConformanceReport run_conformance(const std::filesystem::path& file,
                                  const ConformanceOptions& options = {});

// The report as text: one line per check, then the summary line, e.g.
// "conv (encoder) 1.0.0: 14 passed, 0 failed, 1 skipped; conforms".
std::string report_text(const ConformanceReport& report);
std::string summary_line(const ConformanceReport& report);
// The same as one JSON document.
std::string report_json(const ConformanceReport& report);

}  // namespace selfsup
