#include "experiment/earlier_run.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "manifest/json_file.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/serialize.hpp"
#include "support/logging.hpp"

namespace selfsup {

namespace json = boost::json;

namespace {

// Where two manifests first disagree, and what each holds there.
struct Difference {
    std::string path;
    std::string there;
    std::string here;
};

std::string shown(const json::value* value) {
    if (value == nullptr) return "absent";
    if (value->is_double()) return fmt::format("{:g}", value->get_double());
    return json::serialize(*value);
}

std::optional<Difference> differs_at(const std::string& path, const json::value* there,
                                     const json::value* here) {
    return Difference{path, shown(there), shown(here)};
}

// Whether two JSON numbers are the same value, whatever their kind. Boost.JSON
// 1.81 parses a double it wrote back up to one unit in the last place off, so
// doubles match to 12 significant digits (manifests hold floats: 7).
bool same_number(const json::value& a, const json::value& b) {
    const double x = a.to_number<double>();
    const double y = b.to_number<double>();
    return std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y));
}

// The first place `there` (the earlier run's) and `here` differ, keys in
// `here`'s order.
std::optional<Difference> first_difference(const json::value& there, const json::value& here,
                                           const std::string& path) {
    if (there.is_number() && here.is_number()) {
        if (same_number(there, here)) return std::nullopt;
        return differs_at(path, &there, &here);
    }
    if (there.kind() != here.kind()) return differs_at(path, &there, &here);
    if (here.is_object()) {
        const json::object& mine = here.get_object();
        const json::object& theirs = there.get_object();
        for (const auto& [key, value] : mine) {
            const std::string inner = path + "." + std::string(key);
            const json::value* other = theirs.if_contains(key);
            if (other == nullptr) return differs_at(inner, nullptr, &value);
            if (auto difference = first_difference(*other, value, inner)) return difference;
        }
        for (const auto& [key, value] : theirs) {
            if (!mine.contains(key)) return differs_at(path + "." + std::string(key), &value, nullptr);
        }
        return std::nullopt;
    }
    if (here.is_array()) {
        const json::array& mine = here.get_array();
        const json::array& theirs = there.get_array();
        if (mine.size() != theirs.size()) return differs_at(path, &there, &here);
        for (size_t i = 0; i < mine.size(); ++i) {
            if (auto difference = first_difference(theirs[i], mine[i], fmt::format("{}[{}]", path, i))) {
                return difference;
            }
        }
        return std::nullopt;
    }
    if (there == here) return std::nullopt;
    return differs_at(path, &there, &here);
}

// A pretext's label in a manifest.json: its "name", else its "plugin"; empty
// for an entry that has neither.
std::string label_of(const json::value& pretext) {
    const json::object* object = pretext.if_object();
    if (object == nullptr) return "";
    for (const char* key : {"name", "plugin"}) {
        const json::value* label = object->if_contains(key);
        if (label != nullptr && label->is_string()) return std::string(label->get_string());
    }
    return "";
}

std::vector<float> floats(const json::value& numbers) {
    std::vector<float> values;
    for (const json::value& number : numbers.as_array()) values.push_back(number.to_number<float>());
    return values;
}

bool is_loss_record(const json::object& record) {
    for (const char* key : {"epoch_losses", "loss_curve"}) {
        const json::value* numbers = record.if_contains(key);
        if (numbers == nullptr || !numbers->is_array()) return false;
        for (const json::value& number : numbers->get_array()) {
            if (!number.is_number()) return false;
        }
    }
    const json::value* parameters = record.if_contains("pretext_parameters");
    const json::value* seconds = record.if_contains("wall_seconds");
    return !record.at("epoch_losses").get_array().empty() && parameters != nullptr &&
           parameters->is_number() && seconds != nullptr && seconds->is_number();
}

}  // namespace

EarlierRun::EarlierRun(std::filesystem::path folder) : folder_(std::move(folder)) {
    const auto read = [&](const char* file) {
        try {
            return read_json_file((folder_ / file).string()).as_object();
        } catch (const ManifestError& error) {
            throw ManifestError(fmt::format("--pretrained-from {}: not a finished run folder: {}",
                                            folder_.string(), error.what()));
        }
    };
    manifest_ = read("manifest.json");
    const json::object results = read("results.json");
    const json::value* pretraining = results.if_contains("pretraining");
    if (pretraining != nullptr && pretraining->is_array()) pretraining_ = pretraining->get_array();
}

std::filesystem::path EarlierRun::checkpoint(const std::string& label, uint64_t seed) const {
    return folder_ / "checkpoints" / fmt::format("{}-seed{}-encoder.bin", label, seed);
}

const json::object* EarlierRun::record(const std::string& label, uint64_t seed) const {
    for (const json::value& entry : pretraining_) {
        const json::object* record = entry.if_object();
        if (record == nullptr) continue;
        const json::value* pretext = record->if_contains("pretext");
        const json::value* its_seed = record->if_contains("seed");
        if (pretext != nullptr && *pretext == label.c_str() && its_seed != nullptr &&
            its_seed->is_number() && its_seed->to_number<uint64_t>() == seed &&
            is_loss_record(*record)) {
            return record;
        }
    }
    return nullptr;
}

void EarlierRun::check(const ExperimentSetup& setup) const {
    const std::string where = "--pretrained-from " + folder_.string();
    const json::object here = to_json(setup.manifest).as_object();
    const json::value* their_pretexts = manifest_.if_contains("pretexts");
    if (their_pretexts == nullptr || !their_pretexts->is_array()) {
        throw ManifestError(where + ": its manifest.json has no \"pretexts\" array");
    }
    std::vector<std::string> their_labels;
    for (const json::value& pretext : their_pretexts->get_array()) {
        their_labels.push_back(label_of(pretext));
    }
    const auto require_same = [&](const json::value* theirs, const json::value& mine,
                                  const std::string& path, const std::string& label) {
        const std::optional<Difference> difference =
            theirs == nullptr ? differs_at(path, nullptr, &mine)
                              : first_difference(*theirs, mine, path);
        if (difference) {
            throw ManifestError(fmt::format(
                "{}: that run pretrained '{}' differently: {} is {} there and {} here", where,
                label, difference->path, difference->there, difference->here));
        }
    };
    for (size_t i = 0; i < setup.manifest.pretexts.size(); ++i) {
        const std::string label = setup.manifest.pretexts[i].slot.label;
        const auto found = std::find(their_labels.begin(), their_labels.end(), label);
        if (found == their_labels.end()) {
            throw ManifestError(fmt::format("{}: that run has no pretext '{}'; it has: {}", where,
                                            label, fmt::join(their_labels, ", ")));
        }
        const size_t theirs = static_cast<size_t>(found - their_labels.begin());
        require_same(&their_pretexts->get_array()[theirs], here.at("pretexts").at(i),
                     fmt::format("pretexts[{}]", i), label);
        require_same(manifest_.if_contains("dataset"), here.at("dataset"), "dataset", label);
        if (!setup.manifest.pretexts[i].encoder) {
            require_same(manifest_.if_contains("encoder"), here.at("encoder"), "encoder", label);
        }
        for (uint64_t seed : setup.manifest.seeds) {
            if (record(label, seed) == nullptr || !std::filesystem::is_regular_file(checkpoint(label, seed))) {
                throw ManifestError(fmt::format(
                    "{}: that run did not finish pretraining '{}' with seed {} (no loss record in "
                    "results.json, or no {})",
                    where, label, seed, checkpoint(label, seed).string()));
            }
        }
    }
}

PretrainResult EarlierRun::load(const ExperimentSetup& setup, size_t index, uint64_t seed) const {
    PretrainResult result;
    result.label = setup.manifest.pretexts.at(index).slot.label;
    result.seed = seed;
    const json::object* earlier = record(result.label, seed);
    SELFSUP_CHECK(earlier != nullptr, "no pretraining record of ", result.label, " seed ", seed,
                  " in ", folder_.string(), "; check() was not called");
    result.pretrained_from = checkpoint(result.label, seed).string();
    result.encoder = setup.make_encoder(setup.manifest.encoder_for(index), seed);
    load_module(*result.encoder, result.pretrained_from);
    result.epoch_losses = floats(earlier->at("epoch_losses"));
    result.curve = floats(earlier->at("loss_curve"));
    result.pretext_parameters = earlier->at("pretext_parameters").to_number<int64_t>();
    result.seconds = earlier->at("wall_seconds").to_number<double>();
    logger("pretrain").info("{} (seed {}): encoder loaded from {}, not pretrained again",
                            result.label, seed, result.pretrained_from);
    return result;
}

}  // namespace selfsup
