// The checks every kind of plugin gets, and the helpers the check files share.

#include <dlfcn.h>

#include <cmath>
#include <cstring>

#include <boost/json.hpp>

#include "conformance/checks.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/module.hpp"
#include "selfsup/ops/arithmetic.hpp"
#include "selfsup/ops/reduce.hpp"
#include "selfsup/rng.hpp"

namespace selfsup::conformance {

namespace json = boost::json;

namespace {

constexpr const char* kUnknownParameter = "conformance_unknown_parameter";

// A value of the wrong type for a parameter declared as `type`.
json::value ill_typed_value(ParamType type) {
    switch (type) {
        case ParamType::kString:
        case ParamType::kObject:
            return 42;
        case ParamType::kBoolean:
            return "yes";
        case ParamType::kArray:
            return "not an array";
        case ParamType::kInteger:
        case ParamType::kNumber:
            break;
    }
    return "not a number";
}

json::object given_object(const KitPlugin& kit) {
    return kit.params.is_object() ? kit.params.get_object() : json::object{};
}

// Expects `construct(params)` to throw ManifestError naming `parameter`.
std::string expect_rejection(const std::function<void(const json::value&)>& construct,
                             const json::object& params, const std::string& parameter,
                             const std::string& what) {
    try {
        construct(params);
    } catch (const ManifestError& error) {
        require(std::strstr(error.what(), parameter.c_str()) != nullptr,
                what + " was refused, but the ManifestError does not name '" + parameter +
                    "': " + error.what());
        return "";
    } catch (const std::exception& error) {
        throw CheckFailure(what + " threw " + error_kind(error) +
                           " instead of a ManifestError naming it: " + error.what());
    }
    throw CheckFailure(what + " was accepted; parameters must be checked against the schema");
}

}  // namespace

void CheckList::run(const std::string& name, bool mandatory, const Body& body) {
    if (!blocked_.empty()) {
        skip(name, mandatory, blocked_);
        return;
    }
    run_regardless(name, mandatory, body);
}

void CheckList::run_regardless(const std::string& name, bool mandatory, const Body& body) {
    Check check{name, mandatory, Outcome::kPass, ""};
    try {
        check.reason = body();
    } catch (const CheckFailure& failure) {
        check.outcome = Outcome::kFail;
        check.reason = failure.what();
    } catch (const std::exception& error) {
        check.outcome = Outcome::kFail;
        check.reason = error_kind(error) + ": " + error.what();
    }
    checks_.push_back(std::move(check));
}

void CheckList::skip(const std::string& name, bool mandatory, const std::string& reason) {
    checks_.push_back({name, mandatory, Outcome::kSkip, reason});
}

bool CheckList::last_passed() const {
    return !checks_.empty() && checks_.back().outcome == Outcome::kPass;
}

std::string error_kind(const std::exception& error) {
    if (dynamic_cast<const ShapeError*>(&error)) return "ShapeError";
    if (dynamic_cast<const DataError*>(&error)) return "DataError";
    if (dynamic_cast<const NumericalError*>(&error)) return "NumericalError";
    if (dynamic_cast<const ManifestError*>(&error)) return "ManifestError";
    if (dynamic_cast<const PluginError*>(&error)) return "PluginError";
    if (dynamic_cast<const InternalError*>(&error)) return "InternalError";
    return "std::exception";
}

bool all_finite(const Tensor& tensor) {
    const float* values = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i) {
        if (!std::isfinite(values[i])) return false;
    }
    return true;
}

bool identical(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

bool any_nonzero(const Tensor& tensor) {
    const float* values = tensor.data();
    for (int64_t i = 0; i < tensor.numel(); ++i) {
        if (values[i] != 0.0f) return true;
    }
    return false;
}

void perturb(const Module& module, float delta) {
    for (Tensor param : module.parameters()) {
        float* values = param.data();
        for (int64_t i = 0; i < param.numel(); ++i) values[i] += delta;
    }
}

std::string with_thousands(int64_t count) {
    const std::string digits = std::to_string(count);
    std::string text;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) text += ',';
        text += digits[i];
    }
    return text;
}

Tensor weighted_sum(const Tensor& dst, uint64_t seed) {
    Rng rng(seed);
    Tensor weights = Tensor::empty(dst.shape());
    for (int64_t i = 0; i < weights.numel(); ++i) weights.data()[i] = rng.normal();
    return ops::mean(ops::multiply(dst, weights));
}

void check_parameter_rejection(CheckList& checks, const KitPlugin& kit,
                               const std::function<void(const json::value&)>& construct) {
    checks.run("an unknown parameter is rejected", true, [&] {
        json::object params = given_object(kit);
        params[kUnknownParameter] = 1;
        return expect_rejection(construct, params, kUnknownParameter,
                                std::string("the unknown parameter '") + kUnknownParameter + "'");
    });

    const std::vector<ParamSpec>& entries = kit.plugin.schema.entries();
    if (entries.empty()) {
        checks.skip("an ill-typed parameter is rejected", true, "the plugin takes no parameters");
        return;
    }
    checks.run("an ill-typed parameter is rejected", true, [&] {
        const ParamSpec& spec = entries.front();
        json::object params = given_object(kit);
        const json::value bad = ill_typed_value(spec.type);
        params[spec.name] = bad;
        return expect_rejection(construct, params, spec.name,
                                "the " + std::string(param_type_name(spec.type)) + " parameter '" +
                                    spec.name + "' given " + json::serialize(bad));
    });
}

void check_destruction(CheckList& checks, KitPlugin& kit,
                       const std::function<std::function<void()>(const LoadedPlugin&)>& make_use) {
    // TODO: a plugin that crashes here (a use after its code was unmapped)
    // takes the kit down with it instead of failing this check; running the
    // check in a child process would report it, but forking a process that
    // has already run OpenMP is not safe with libgomp.
    checks.run("objects outlive the plugin handle safely", true, [&] {
        // 1. Only this check holds the library: drop the kit's own handle.
        const std::filesystem::path path = kit.plugin.path;
        kit.plugin = LoadedPlugin{};

        // 2. Make an object, then drop the handle it came from: the object
        //    alone must keep the library loaded.
        LoadedPlugin fresh = load_plugin(path);
        std::function<void()> use = make_use(fresh);
        fresh = LoadedPlugin{};
        void* still_loaded = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
        require(still_loaded != nullptr,
                "the library was unloaded while an object it made was still alive");
        ::dlclose(still_loaded);

        // 3. Use it and destroy it: the last user releases the library.
        use();
        use = nullptr;
        return "";
    });
}

}  // namespace selfsup::conformance
