// run_conformance: the checks on the library itself (ABI version, descriptor),
// then the checks of the plugin's kind.

#include "conformance/conformance.hpp"

#include <algorithm>

#include <boost/dll/shared_library.hpp>

#include "conformance/checks.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"
#include "selfsup/runtime.hpp"

namespace selfsup {

namespace {

#define SELFSUP_KIT_STRINGIFY_INNER(symbol) #symbol
#define SELFSUP_KIT_STRINGIFY(symbol) SELFSUP_KIT_STRINGIFY_INNER(symbol)
constexpr const char* kAbiSymbol = SELFSUP_KIT_STRINGIFY(SELFSUP_PLUGIN_ABI_SYMBOL);

// The ABI version the library was built for, read without calling any of its
// code (is_plugin_file() has checked the symbol exists).
// Sets the thread count for the kit's lifetime.
class ThreadScope {
public:
    explicit ThreadScope(int threads) : previous_(num_threads()) { set_num_threads(threads); }
    ~ThreadScope() { set_num_threads(previous_); }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int previous_;
};

uint32_t abi_version_of(const std::filesystem::path& file) {
    const boost::dll::shared_library library(file);
    return library.get<const uint32_t>(kAbiSymbol);
}

void check_descriptor(conformance::CheckList& checks, const LoadedPlugin& plugin) {
    checks.run("every parameter is described", true, [&] {
        std::vector<std::string> bare;
        for (const ParamSpec& spec : plugin.schema.entries()) {
            if (spec.description.empty()) bare.push_back("'" + spec.name + "'");
        }
        std::string list;
        for (const std::string& name : bare) list += (list.empty() ? "" : ", ") + name;
        conformance::require(bare.empty(), "no \"description\" in the schema for " + list +
                                               "; `selfsup plugins show` prints it for users");
        const size_t count = plugin.schema.entries().size();
        return std::to_string(count) + (count == 1 ? " parameter" : " parameters");
    });
    checks.run("version reads MAJOR.MINOR.PATCH", false, [&] {
        const std::string& version = plugin.descriptor->version;
        int dots = 0;
        bool digits = !version.empty() && version.front() != '.' && version.back() != '.';
        for (char c : version) {
            dots += c == '.';
            digits = digits && (c == '.' || (c >= '0' && c <= '9'));
        }
        conformance::require(digits && dots == 2,
                             "version '" + version + "' is not three numbers such as 1.0.0");
        return "";
    });
}

}  // namespace

int ConformanceReport::count(Outcome outcome) const {
    return static_cast<int>(std::count_if(checks.begin(), checks.end(),
                                          [&](const Check& c) { return c.outcome == outcome; }));
}

bool ConformanceReport::conforms() const {
    return std::all_of(checks.begin(), checks.end(), [](const Check& check) {
        return !check.mandatory || check.outcome != Outcome::kFail;
    });
}

ConformanceReport run_conformance(const std::filesystem::path& file,
                                  const ConformanceOptions& options) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) {
        throw PluginError("conformance: " + file.string() + ": no such file");
    }
    if (!is_plugin_file(file)) {
        throw PluginError("conformance: " + file.string() +
                          " is not a selfsup plugin (it exports no " + kAbiSymbol +
                          "; plugins end with SELFSUP_PLUGIN(...))");
    }
    const ThreadScope threads(options.threads);
    ConformanceReport report;
    report.file = file;
    conformance::CheckList checks;

    // 1. The library: its ABI version, read before anything in it runs, then
    //    the descriptor its entry point returns.
    checks.run("ABI version matches", true, [&] {
        const uint32_t abi = abi_version_of(file);
        conformance::require(abi == kAbiVersion,
                             "built for selfsup ABI version " + std::to_string(abi) +
                                 ", but this selfsup has ABI version " +
                                 std::to_string(kAbiVersion) + "; rebuild it against this SDK");
        return "version " + std::to_string(abi);
    });
    if (!checks.last_passed()) checks.block("the library was refused (ABI version)");

    conformance::KitPlugin kit;
    kit.seed = options.seed;
    checks.run("descriptor is valid (name, version, summary, schema)", true, [&] {
        kit.plugin = load_plugin(file);
        return "";
    });
    if (!checks.last_passed()) checks.block("the library was refused (descriptor)");

    if (kit.plugin.descriptor != nullptr) {
        report.name = kit.plugin.name();
        report.kind = kind_name(kit.plugin.kind());
        report.version = kit.plugin.descriptor->version;
        check_descriptor(checks, kit.plugin);

        // 2. The parameters the objects are made with: the user's must fit
        //    the schema, which is bad input rather than a broken plugin.
        kit.plugin.schema.validate(options.params, conformance::kParamsPath);
        kit.params = options.params;

        // 3. The contract of the plugin's kind.
        switch (kit.plugin.kind()) {
            case PluginKind::kDataset:
                conformance::check_dataset(checks, kit);
                break;
            case PluginKind::kEncoder:
                conformance::check_encoder(checks, kit);
                break;
            case PluginKind::kPretext:
                conformance::check_pretext(checks, kit);
                break;
            case PluginKind::kHead:
                conformance::check_head(checks, kit);
                break;
            case PluginKind::kFreezePolicy:
                conformance::check_freeze_policy(checks, kit);
                break;
        }
    }
    report.checks = checks.take();
    return report;
}

}  // namespace selfsup
