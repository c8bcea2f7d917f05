#include <dlfcn.h>

#include <exception>
#include <string>

#include "selfsup/errors.hpp"
#include "selfsup/plugin/entry_point.hpp"

namespace selfsup::detail {

namespace {

std::string library_of(const void* address) {
    Dl_info info{};
    if (dladdr(address, &info) != 0 && info.dli_fname != nullptr) return info.dli_fname;
    return "an unknown library";
}

// Runs `make`; rethrows what it throws with `where` in front of the message,
// keeping the selfsup error kind so the CLI still maps it to its exit code.
template <typename Make>
auto guarded(const std::string& where, const Make& make) {
    try {
        return make();
    } catch (const ShapeError& error) {
        throw ShapeError(where + error.what());
    } catch (const DataError& error) {
        throw DataError(where + error.what());
    } catch (const NumericalError& error) {
        throw NumericalError(where + error.what());
    } catch (const ManifestError& error) {
        throw ManifestError(where + error.what());
    } catch (const Error& error) {
        throw PluginError(where + error.what());
    } catch (const std::exception& error) {
        throw PluginError(where + error.what());
    } catch (...) {
        throw PluginError(where + "threw something that is not an exception");
    }
}

template <typename Factory>
void guard(Factory& factory, const std::string& where) {
    if (!factory) return;
    factory = [inner = std::move(factory), where](const auto&... args) {
        return guarded(where, [&] { return inner(args...); });
    };
}

}  // namespace

PluginDescriptor guard_factories(PluginDescriptor descriptor, const void* address_in_library) {
    const std::string where = "plugin '" + descriptor.name + "' (" +
                              library_of(address_in_library) + "): ";
    guard(descriptor.make_dataset, where);
    guard(descriptor.make_encoder, where);
    guard(descriptor.make_pretext, where);
    guard(descriptor.make_head, where);
    guard(descriptor.make_freeze_policy, where);
    return descriptor;
}

}  // namespace selfsup::detail
