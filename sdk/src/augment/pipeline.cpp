// AugmentPipeline: reading the JSON array of transforms, and running them.

#include <cmath>

#include "random_steps.hpp"
#include "selfsup/did_you_mean.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/params.hpp"

namespace selfsup {

namespace {

namespace json = boost::json;
using augment::detail::StepType;

std::string type_list() {
    std::string list;
    for (const std::string& name : AugmentPipeline::transform_types()) {
        if (!list.empty()) list += ", ";
        list += name;
    }
    return list;
}

// The transform an element names; throws ManifestError naming `path`.
const StepType& step_type_of(const json::value& element, const std::string& path) {
    if (!element.is_object()) {
        throw ManifestError(detail::concat(
            path, ": expected an object like {\"type\": \"hflip\"}, got ", json_kind_phrase(element)));
    }
    const json::value* type = element.get_object().if_contains("type");
    if (type == nullptr) {
        throw ManifestError(
            detail::concat(path, ": missing key 'type'; the transforms are ", type_list()));
    }
    if (!type->is_string()) {
        throw ManifestError(detail::concat(path, ".type: expected a string, got ", json_kind_phrase(*type)));
    }
    const std::string name(type->get_string());
    for (const StepType& step_type : augment::detail::step_types()) {
        if (name == step_type.name) return step_type;
    }
    std::string message = detail::concat(path, ".type: unknown transform \"", name, "\"");
    const std::string suggestion = closest_match(name, AugmentPipeline::transform_types());
    if (!suggestion.empty()) message += detail::concat(" (did you mean '", suggestion, "'?)");
    message += "; the transforms are " + type_list();
    throw ManifestError(message);
}

}  // namespace

AugmentPipeline::AugmentPipeline() = default;

AugmentPipeline::AugmentPipeline(const json::value& spec, const std::string& json_path,
                                 ValueRange range) {
    if (!(range.min < range.max) || !std::isfinite(range.min) || !std::isfinite(range.max)) {
        throw NumericalError(detail::concat("augmentations at ", json_path, ": value range [",
                                            range.min, ", ", range.max,
                                            "] is empty or not finite"));
    }
    if (spec.is_null()) return;
    if (!spec.is_array()) {
        throw ManifestError(detail::concat(json_path,
                                           ": expected an array of transforms like [{\"type\": "
                                           "\"hflip\"}], got ",
                                           json_kind_phrase(spec)));
    }
    const json::array& elements = spec.get_array();
    for (std::size_t i = 0; i < elements.size(); ++i) {
        const std::string path = detail::concat(json_path, "[", i, "]");
        const StepType& type = step_type_of(elements[i], path);
        // The keys are checked as a parameter schema: unknown keys, types and
        // bounds, each error starting with the key's path.
        const Params params =
            ParamSchema::parse_section(type.schema, type.name).validate(elements[i], path);
        steps_.push_back(type.make(params, range));
    }
}

Tensor AugmentPipeline::apply(const Tensor& batch, Rng& rng) const {
    if (batch.requires_grad()) {
        throw InternalError(
            "AugmentPipeline::apply: the batch requires a gradient, which augmentation would not "
            "pass back; augment images.detach() instead");
    }
    if (batch.rank() != 4) {
        throw ShapeError("AugmentPipeline::apply: expected a batch [N, C, H, W], got " +
                         batch.shape().str());
    }
    // Every step returns a new batch and leaves its input alone, so only an
    // empty pipeline needs a copy to keep the input unchanged.
    // TODO: every step allocates a new batch, so a pipeline of k steps costs k
    // allocations per training step; two buffers used in turn would avoid that
    // once bench/ shows augmentation matters next to the step itself.
    if (steps_.empty()) return batch.clone();
    Tensor result = batch;
    for (const auto& step : steps_) result = step->apply(result, rng);
    return result;
}

std::string AugmentPipeline::describe() const {
    if (steps_.empty()) return "none";
    std::string line;
    for (const auto& step : steps_) {
        if (!line.empty()) line += " -> ";
        line += step->describe();
    }
    return line;
}

std::vector<std::string> AugmentPipeline::transform_types() {
    std::vector<std::string> names;
    for (const StepType& type : augment::detail::step_types()) names.emplace_back(type.name);
    return names;
}

}  // namespace selfsup
