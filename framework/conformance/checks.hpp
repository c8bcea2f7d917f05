#pragma once

// What the kind-specific check files share: the list checks are recorded in,
// the plugin under test, and small helpers for comparing tensors. Internal to
// the conformance kit.

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "conformance/conformance.hpp"
#include "experiment/module_state.hpp"
#include "plugins/plugin_library.hpp"
#include "selfsup/autograd.hpp"
#include "selfsup/module.hpp"
#include "selfsup/tensor.hpp"

namespace selfsup::conformance {

// Thrown by a check body to fail with `what()` as the reason.
class CheckFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline void require(bool condition, const std::string& message) {
    if (!condition) throw CheckFailure(message);
}

// The checks of one report, in the order they ran.
class CheckList {
public:
    using Body = std::function<std::string()>;

    // Runs `body`: a throw fails the check with the exception's message
    // (prefixed with its kind unless it is a CheckFailure), a return passes it
    // with the returned detail. While blocked, records a skip instead.
    void run(const std::string& name, bool mandatory, const Body& body);
    // Runs `body` even while blocked.
    void run_regardless(const std::string& name, bool mandatory, const Body& body);
    void skip(const std::string& name, bool mandatory, const std::string& reason);
    // Every later run() is skipped with `reason` (e.g. nothing was constructed).
    void block(const std::string& reason) { blocked_ = reason; }
    // Whether the last recorded check passed.
    bool last_passed() const;

    std::vector<Check> take() { return std::move(checks_); }

private:
    std::vector<Check> checks_;
    std::string blocked_;
};

// The plugin under test. `plugin` holds the kit's handle to the library; the
// destruction check releases it, so it runs last.
struct KitPlugin {
    LoadedPlugin plugin;
    // The parameters every object is made with: --params or null for the defaults.
    boost::json::value params;
    uint64_t seed = 0;
};

// Where the kit's parameter errors point.
inline constexpr const char* kParamsPath = "--params";

// "ManifestError", "DataError", ... for a message saying what was thrown.
std::string error_kind(const std::exception& error);

bool all_finite(const Tensor& tensor);
// Same shape and bit-identical values.
bool identical(const Tensor& a, const Tensor& b);
// Whether any element is non-zero.
bool any_nonzero(const Tensor& tensor);
// Adds `delta` to every element of every parameter of `module`, in place.
void perturb(const Module& module, float delta);
// "457,280"
std::string with_thousands(int64_t count);
// The mean of `dst` with a different, non-zero random weight on every
// element, so no parameter's gradient cancels out by symmetry.
Tensor weighted_sum(const Tensor& dst, uint64_t seed);

// Two checks for a module kind with a forward pass (encoders, heads): two
// objects made with one seed hold the same state and give the same `output`
// for `input`, and perturbing one leaves the other's state and output alone.
// `make(seed)` makes an object; `what` names the kind ("encoder").
template <class Object>
void check_seeding_and_isolation(CheckList& checks,
                                 const std::function<std::shared_ptr<Object>(uint64_t)>& make,
                                 const Tensor& input, uint64_t seed, const std::string& what,
                                 const std::string& output) {
    checks.run("same seed gives the same " + what + " and " + output, true, [&] {
        const std::shared_ptr<Object> first = make(seed + 7);
        const std::shared_ptr<Object> second = make(seed + 7);
        require(fingerprint(module_state(*first)) == fingerprint(module_state(*second)),
                "two " + what + "s made with one seed have different parameters or buffers");
        NoGradGuard no_grad;
        require(identical(first->forward(input), second->forward(input)),
                "two " + what + "s made with one seed give different " + output +
                    " for one batch");
        return std::string();
    });
    checks.run("two instances share no state", true, [&] {
        const std::shared_ptr<Object> first = make(seed + 11);
        const std::shared_ptr<Object> second = make(seed + 11);
        const uint64_t before = fingerprint(module_state(*second));
        NoGradGuard no_grad;
        const Tensor expected = first->forward(input);
        // Change everything of the first: its parameters, and its batch-norm
        // statistics through a training-mode pass.
        perturb(*first, 0.25f);
        first->forward(input);
        require(fingerprint(module_state(*second)) == before,
                "changing one " + what + "'s parameters changed another's");
        require(identical(second->forward(input), expected),
                "changing one " + what + "'s parameters changed another's " + output);
        return std::string();
    });
}

// The checks every kind shares. `construct` makes an object from the given
// parameters and drops it (for the parameter checks); `make_use` makes one
// from a freshly loaded handle and returns a function that exercises it.
void check_parameter_rejection(
    CheckList& checks, const KitPlugin& kit,
    const std::function<void(const boost::json::value& params)>& construct);
void check_destruction(CheckList& checks, KitPlugin& kit,
                       const std::function<std::function<void()>(const LoadedPlugin&)>& make_use);

// The checks of each kind, after the descriptor and ABI checks passed.
void check_dataset(CheckList& checks, KitPlugin& kit);
void check_encoder(CheckList& checks, KitPlugin& kit);
void check_pretext(CheckList& checks, KitPlugin& kit);
void check_head(CheckList& checks, KitPlugin& kit);
void check_freeze_policy(CheckList& checks, KitPlugin& kit);

}  // namespace selfsup::conformance
