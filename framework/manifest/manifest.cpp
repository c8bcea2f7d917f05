#include "manifest/manifest.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "selfsup/did_you_mean.hpp"
#include "selfsup/errors.hpp"
#include "selfsup/params.hpp"

namespace selfsup {

namespace json = boost::json;

namespace {

// The manifest's own structure, declared with the schema language plugins use
// for their parameters, so its errors read the same way (JSON path, did you
// mean, the allowed keys).
constexpr const char* kTopSchema = R"json({
  "name": {"type": "string", "default": null, "description": "experiment name; default: the file name"},
  "seeds": {"type": "array", "items": {"type": "integer", "min": 0}, "min_items": 1, "default": [0],
            "description": "one run per seed; results report mean and std over them"},
  "threads": {"type": "integer", "min": 1, "max": 256, "default": 2,
              "description": "threads for oneDNN and selfsup's own loops"},
  "output": {"type": "string", "default": null,
             "description": "run folder; default: runs/<name>; --out overrides it"},
  "plugin_paths": {"type": "array", "items": {"type": "string"}, "default": [],
                   "description": "extra folders or files to find plugins in"},
  "dataset": {"type": "object", "description": "the dataset plugin slot"},
  "encoder": {"type": "object", "description": "the encoder plugin slot"},
  "pretexts": {"type": "array", "items": {"type": "object"}, "default": [],
               "description": "the pretext tasks to pretrain with"},
  "evaluation": {"type": "object", "default": {}, "description": "the downstream evaluation"}
})json";

constexpr const char* kSlotSchema = R"json({
  "plugin": {"type": "string", "description": "the plugin's name"},
  "name": {"type": "string", "default": null, "description": "label in results; default: the plugin's name"},
  "params": {"type": "object", "default": {}, "description": "the plugin's parameters"}
})json";

constexpr const char* kPretextSchema = R"json({
  "plugin": {"type": "string", "description": "the pretext plugin's name"},
  "name": {"type": "string", "default": null, "description": "label in results; default: the plugin's name"},
  "params": {"type": "object", "default": {}, "description": "the plugin's parameters"},
  "encoder": {"type": "object", "default": null,
              "description": "an encoder slot of its own; default: the manifest's encoder"},
  "optimizer": {"type": "object", "default": {}, "description": "optimizer for pretraining"},
  "epochs": {"type": "integer", "min": 1, "default": 10, "description": "pretraining epochs"},
  "batch_size": {"type": "integer", "min": 1, "default": 128, "description": "pretraining batch size"},
  "auxiliary": {"type": "array", "items": {"type": "object"}, "default": [],
                "description": "pretexts whose losses, weighted, are added to this one's at every step"}
})json";

constexpr const char* kAuxiliarySchema = R"json({
  "plugin": {"type": "string", "description": "the auxiliary pretext plugin's name"},
  "params": {"type": "object", "default": {}, "description": "the plugin's parameters"},
  "weight": {"type": "number", "min": 0, "max": 1000, "default": 1,
             "description": "the factor its loss is added with; above 0"}
})json";

constexpr const char* kOptimizerSchema = R"json({
  "type": {"type": "string", "enum": ["sgd", "adam", "adamw"], "default": "adam"},
  "lr": {"type": "number", "min": 0, "max": 10, "default": 0.001},
  "weight_decay": {"type": "number", "min": 0, "default": 0},
  "momentum": {"type": "number", "min": 0, "max": 1, "default": 0, "description": "sgd only"},
  "nesterov": {"type": "boolean", "default": false, "description": "sgd only"},
  "beta1": {"type": "number", "min": 0, "max": 1, "default": 0.9, "description": "adam(w) only"},
  "beta2": {"type": "number", "min": 0, "max": 1, "default": 0.999, "description": "adam(w) only"}
})json";

constexpr const char* kEvaluationSchema = R"json({
  "head": {"type": "object", "default": {"plugin": "linear"}, "description": "the head plugin slot"},
  "freeze_policies": {"type": "array", "items": {"type": "object"}, "min_items": 1,
                      "default": [{"plugin": "linear_probe"}, {"plugin": "finetune"}],
                      "description": "freeze policy slots; each is a separate downstream run"},
  "label_budgets": {"type": "array", "min_items": 1, "default": [100, 1000, "all"],
                    "description": "labeled images per run: counts, or \"all\""},
  "optimizer": {"type": "object", "default": {}, "description": "downstream optimizer"},
  "epochs": {"type": "integer", "min": 1, "default": 20, "description": "downstream epochs"},
  "batch_size": {"type": "integer", "min": 1, "default": 128, "description": "downstream batch size"},
  "schedules": {"type": "object", "default": {},
                "description": "per-budget epochs and batch size, keyed by budget (\"100\", \"all\")"},
  "baseline": {"type": "boolean", "default": true,
               "description": "also train the encoder and head from scratch"},
  "protocols": {"type": "array", "items": {"type": "string", "enum": ["knn", "logistic"]},
                "default": ["knn", "logistic"],
                "description": "protocols on frozen embeddings, for every pretext and the control"},
  "knn_k": {"type": "integer", "min": 1, "default": 20,
            "description": "neighbours that vote in the knn protocol"},
  "control": {"type": "boolean", "default": true,
              "description": "also evaluate randomly initialised, frozen encoders"}
})json";

constexpr const char* kScheduleSchema = R"json({
  "epochs": {"type": "integer", "min": 1},
  "batch_size": {"type": "integer", "min": 1},
  "seeds": {"type": "array", "items": {"type": "integer", "min": 0}, "min_items": 1,
            "default": null, "description": "the seeds this budget runs with; default: all"}
})json";

// The schema of one manifest section; all are parsed once, on first use.
const ParamSchema& schema(const char* text) {
    static const std::map<const char*, ParamSchema> schemas = {
        {kTopSchema, ParamSchema::parse_section(kTopSchema, "manifest")},
        {kSlotSchema, ParamSchema::parse_section(kSlotSchema, "plugin slot")},
        {kPretextSchema, ParamSchema::parse_section(kPretextSchema, "pretext")},
        {kAuxiliarySchema, ParamSchema::parse_section(kAuxiliarySchema, "auxiliary pretext")},
        {kOptimizerSchema, ParamSchema::parse_section(kOptimizerSchema, "optimizer")},
        {kEvaluationSchema, ParamSchema::parse_section(kEvaluationSchema, "evaluation")},
        {kScheduleSchema, ParamSchema::parse_section(kScheduleSchema, "schedule")},
    };
    return schemas.at(text);
}

std::string join(const std::string& path, const char* key) {
    return path.empty() ? key : path + "." + key;
}

PluginSlot read_slot(const Params& params) {
    PluginSlot slot;
    slot.plugin = params.get_string("plugin");
    slot.label = params.has("name") ? params.get_string("name") : slot.plugin;
    slot.params = params.get_object("params");
    slot.json_path = params.json_path();
    return slot;
}

std::string index_path(const std::string& path, size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

// Labels name rows of the results, so two slots of one list may not share one.
template <typename Item, typename Label>
void require_unique_labels(const std::vector<Item>& items, const Label& label_of,
                           const std::string& list_path) {
    std::set<std::string> seen;
    for (size_t i = 0; i < items.size(); ++i) {
        if (!seen.insert(label_of(items[i])).second) {
            throw ManifestError(index_path(list_path, i) + ": the label '" + label_of(items[i]) +
                                "' is used twice in " + list_path +
                                "; give one of them a different \"name\"");
        }
    }
}

PluginSlot parse_slot(const json::value& given, const std::string& path) {
    return read_slot(schema(kSlotSchema).validate(given, path));
}

OptimizerSpec parse_optimizer(const json::value& given, const std::string& path) {
    const Params params = schema(kOptimizerSchema).validate(given, path);
    OptimizerSpec spec;
    spec.type = params.get_string("type");
    spec.lr = params.get_float("lr");
    spec.weight_decay = params.get_float("weight_decay");
    spec.momentum = params.get_float("momentum");
    spec.nesterov = params.get_bool("nesterov");
    spec.beta1 = params.get_float("beta1");
    spec.beta2 = params.get_float("beta2");
    return spec;
}

AuxiliarySpec parse_auxiliary(const json::value& given, const std::string& path) {
    const Params params = schema(kAuxiliarySchema).validate(given, path);
    AuxiliarySpec spec;
    spec.slot = read_slot(params);
    spec.weight = params.get_float("weight");
    if (!(spec.weight > 0.0f)) {
        throw ManifestError(params.path_of("weight") +
                            ": 0 would add nothing; leave the auxiliary pretext out instead");
    }
    return spec;
}

LabelBudget parse_budget(const json::value& value, const std::string& path) {
    if (value.is_string() && value.get_string() == "all") return LabelBudget{0};
    if (value.is_int64() && value.get_int64() >= 1) return LabelBudget{value.get_int64()};
    throw ManifestError(path + ": a label budget is a positive count of images or \"all\", got " +
                        json::serialize(value));
}

LabelBudget parse_budget_key(const std::string& key, const std::string& path) {
    if (key == "all") return LabelBudget{0};
    size_t used = 0;
    int64_t count = 0;
    try {
        count = std::stoll(key, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != key.size() || count < 1) {
        throw ManifestError(path + ": schedules are keyed by a label budget (\"100\", \"all\"), "
                                   "got \"" + key + "\"");
    }
    return LabelBudget{count};
}

EvaluationSpec parse_evaluation(const json::value& given, const std::string& path) {
    const Params params = schema(kEvaluationSchema).validate(given, path);
    EvaluationSpec spec;
    spec.head = parse_slot(params.get_object("head"), join(path, "head"));
    const json::array& policies = params.get_array("freeze_policies");
    for (size_t i = 0; i < policies.size(); ++i) {
        spec.freeze_policies.push_back(
            parse_slot(policies[i], index_path(join(path, "freeze_policies"), i)));
    }
    const json::array& budgets = params.get_array("label_budgets");
    for (size_t i = 0; i < budgets.size(); ++i) {
        spec.label_budgets.push_back(
            parse_budget(budgets[i], index_path(join(path, "label_budgets"), i)));
    }
    spec.optimizer = parse_optimizer(params.get_object("optimizer"), join(path, "optimizer"));
    spec.epochs = static_cast<int>(params.get_int("epochs"));
    spec.batch_size = static_cast<int>(params.get_int("batch_size"));
    for (const auto& [key, value] : params.get_object("schedules")) {
        const std::string schedule_path = join(join(path, "schedules"), std::string(key).c_str());
        const Params schedule = schema(kScheduleSchema).validate(value, schedule_path);
        BudgetSchedule entry{parse_budget_key(std::string(key), schedule_path),
                             static_cast<int>(schedule.get_int("epochs")),
                             static_cast<int>(schedule.get_int("batch_size")),
                             {}};
        if (schedule.has("seeds")) {
            for (int64_t seed : schedule.get_int_list("seeds")) entry.seeds.push_back(seed);
        }
        spec.schedules.push_back(std::move(entry));
    }
    spec.baseline = params.get_bool("baseline");
    const json::array& protocols = params.get_array("protocols");
    for (const json::value& protocol : protocols) spec.protocols.emplace_back(protocol.as_string());
    require_unique_labels(spec.protocols, [](const std::string& name) { return name; },
                          join(path, "protocols"));
    spec.knn_k = static_cast<int>(params.get_int("knn_k"));
    spec.control = params.get_bool("control");
    for (size_t i = 0; i < spec.freeze_policies.size(); ++i) {
        const std::string& label = spec.freeze_policies[i].label;
        if (label == "knn" || label == "logistic" || label == "all trained") {
            throw ManifestError(index_path(join(path, "freeze_policies"), i) + ": the label '" +
                                label + "' is reserved for a protocol; give the policy a "
                                "different \"name\"");
        }
    }
    require_unique_labels(spec.freeze_policies, [](const PluginSlot& slot) { return slot.label; },
                          join(path, "freeze_policies"));
    require_unique_labels(spec.label_budgets, [](const LabelBudget& budget) { return budget.str(); },
                          join(path, "label_budgets"));
    return spec;
}

std::string stem_of(const std::string& source) {
    const std::string stem = std::filesystem::path(source).stem().string();
    return stem.empty() ? "experiment" : stem;
}

}  // namespace

const PluginSlot& Manifest::encoder_for(size_t index) const {
    const std::optional<PluginSlot>& own = pretexts.at(index).encoder;
    return own ? *own : encoder;
}

std::string LabelBudget::str() const { return all() ? "all" : std::to_string(count); }

BudgetSchedule EvaluationSpec::schedule_for(const LabelBudget& budget) const {
    for (const BudgetSchedule& schedule : schedules) {
        if (schedule.budget.count == budget.count) return schedule;
    }
    return {budget, epochs, batch_size, {}};
}

bool BudgetSchedule::runs_seed(uint64_t seed) const {
    return seeds.empty() || std::find(seeds.begin(), seeds.end(), seed) != seeds.end();
}

Manifest parse_manifest(const json::value& root, const std::string& source) {
    if (!root.is_object()) {
        throw ManifestError(source + ": the manifest must be a JSON object");
    }
    const Params top = schema(kTopSchema).validate(root, "");
    Manifest manifest;
    manifest.name = top.has("name") ? top.get_string("name") : stem_of(source);
    for (int64_t seed : top.get_int_list("seeds")) manifest.seeds.push_back(seed);
    manifest.threads = static_cast<int>(top.get_int("threads"));
    manifest.output = top.has("output") ? top.get_string("output") : "runs/" + manifest.name;
    for (const json::value& path : top.get_array("plugin_paths")) {
        manifest.plugin_paths.emplace_back(path.get_string());
    }
    manifest.dataset = parse_slot(top.get_object("dataset"), "dataset");
    manifest.encoder = parse_slot(top.get_object("encoder"), "encoder");
    const json::array& pretexts = top.get_array("pretexts");
    for (size_t i = 0; i < pretexts.size(); ++i) {
        const std::string path = index_path("pretexts", i);
        const Params params = schema(kPretextSchema).validate(pretexts[i], path);
        PretextSpec spec;
        spec.slot = read_slot(params);
        if (params.has("encoder")) spec.encoder = parse_slot(params.get_object("encoder"), path + ".encoder");
        spec.optimizer = parse_optimizer(params.get_object("optimizer"), path + ".optimizer");
        spec.epochs = static_cast<int>(params.get_int("epochs"));
        spec.batch_size = static_cast<int>(params.get_int("batch_size"));
        const json::array& auxiliary = params.get_array("auxiliary");
        for (size_t j = 0; j < auxiliary.size(); ++j) {
            spec.auxiliary.push_back(parse_auxiliary(auxiliary[j], index_path(path + ".auxiliary", j)));
        }
        manifest.pretexts.push_back(std::move(spec));
    }
    require_unique_labels(manifest.pretexts, [](const PretextSpec& spec) { return spec.slot.label; },
                          "pretexts");
    manifest.evaluation = parse_evaluation(top.get_object("evaluation"), "evaluation");
    return manifest;
}

}  // namespace selfsup

namespace selfsup {

namespace {

json::object slot_json(const PluginSlot& slot) {
    json::object object{{"plugin", slot.plugin}, {"params", slot.params}};
    if (slot.label != slot.plugin) object["name"] = slot.label;
    return object;
}

json::object optimizer_json(const OptimizerSpec& spec) {
    return {{"type", spec.type},           {"lr", spec.lr},
            {"weight_decay", spec.weight_decay}, {"momentum", spec.momentum},
            {"nesterov", spec.nesterov},   {"beta1", spec.beta1},
            {"beta2", spec.beta2}};
}

json::value budget_json(const LabelBudget& budget) {
    return budget.all() ? json::value("all") : json::value(budget.count);
}

}  // namespace

void keep_pretexts(Manifest& manifest, const std::vector<std::string>& labels) {
    std::vector<std::string> known;
    for (const PretextSpec& pretext : manifest.pretexts) known.push_back(pretext.slot.label);
    for (const std::string& label : labels) {
        if (std::find(known.begin(), known.end(), label) != known.end()) continue;
        const std::string suggestion = closest_match(label, known);
        throw ManifestError("--pretexts: the manifest has no pretext '" + label + "'; it has " +
                            fmt::format("{}", fmt::join(known, ", ")) +
                            (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
    }
    std::erase_if(manifest.pretexts, [&](const PretextSpec& pretext) {
        return std::find(labels.begin(), labels.end(), pretext.slot.label) == labels.end();
    });
}

json::value to_json(const Manifest& manifest) {
    json::array pretexts;
    for (const PretextSpec& spec : manifest.pretexts) {
        json::object pretext = slot_json(spec.slot);
        if (spec.encoder) pretext["encoder"] = slot_json(*spec.encoder);
        pretext["optimizer"] = optimizer_json(spec.optimizer);
        pretext["epochs"] = spec.epochs;
        pretext["batch_size"] = spec.batch_size;
        // Written only when there are some, so run folders from before the key
        // existed still match (selfsup run --pretrained-from compares them).
        json::array auxiliary;
        for (const AuxiliarySpec& extra : spec.auxiliary) {
            json::object entry{{"plugin", extra.slot.plugin}, {"params", extra.slot.params},
                               {"weight", extra.weight}};
            auxiliary.push_back(std::move(entry));
        }
        if (!auxiliary.empty()) pretext["auxiliary"] = std::move(auxiliary);
        pretexts.push_back(std::move(pretext));
    }
    const EvaluationSpec& evaluation = manifest.evaluation;
    json::array policies;
    for (const PluginSlot& slot : evaluation.freeze_policies) policies.push_back(slot_json(slot));
    json::array budgets;
    for (const LabelBudget& budget : evaluation.label_budgets) budgets.push_back(budget_json(budget));
    json::object schedules;
    for (const BudgetSchedule& schedule : evaluation.schedules) {
        json::object entry{{"epochs", schedule.epochs}, {"batch_size", schedule.batch_size}};
        if (!schedule.seeds.empty()) {
            entry["seeds"] = json::array(schedule.seeds.begin(), schedule.seeds.end());
        }
        schedules[schedule.budget.str()] = std::move(entry);
    }
    json::array seeds;
    for (uint64_t seed : manifest.seeds) seeds.push_back(seed);
    json::array plugin_paths;
    for (const std::string& path : manifest.plugin_paths) plugin_paths.push_back(json::value(path));
    return json::object{
        {"name", manifest.name},
        {"seeds", std::move(seeds)},
        {"threads", manifest.threads},
        {"output", manifest.output},
        {"plugin_paths", std::move(plugin_paths)},
        {"dataset", slot_json(manifest.dataset)},
        {"encoder", slot_json(manifest.encoder)},
        {"pretexts", std::move(pretexts)},
        {"evaluation",
         {{"head", slot_json(evaluation.head)},
          {"freeze_policies", std::move(policies)},
          {"label_budgets", std::move(budgets)},
          {"optimizer", optimizer_json(evaluation.optimizer)},
          {"epochs", evaluation.epochs},
          {"batch_size", evaluation.batch_size},
          {"schedules", std::move(schedules)},
          {"baseline", evaluation.baseline},
          {"protocols", json::array(evaluation.protocols.begin(), evaluation.protocols.end())},
          {"knn_k", evaluation.knn_k},
          {"control", evaluation.control}}},
    };
}

}  // namespace selfsup
