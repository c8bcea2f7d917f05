#include "experiment/results.hpp"

#include <fstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "selfsup/errors.hpp"

namespace selfsup {

namespace json = boost::json;

void write_results_json(const RunResults& results, const std::filesystem::path& path) {
    json::array rows;
    for (const DownstreamResult& row : results.rows) {
        json::array frozen;
        for (const std::string& block : row.frozen_blocks) frozen.push_back(json::value(block));
        json::array losses(row.epoch_losses.begin(), row.epoch_losses.end());
        rows.push_back(json::object{
            {"method", row.method},
            {"baseline", row.baseline},
            {"control", row.control},
            {"freeze_policy", row.policy},
            {"label_budget", row.budget.str()},
            {"seed", row.seed},
            {"test_accuracy", row.test_accuracy},
            {"encoder_parameters", row.encoder_parameters},
            {"head_parameters", row.head_parameters},
            {"total_parameters", row.encoder_parameters + row.head_parameters},
            {"wall_seconds", row.seconds},
            {"frozen_blocks", std::move(frozen)},
            {"frozen_fingerprint_before", fmt::format("{:016x}", row.frozen_before)},
            {"frozen_fingerprint_after", fmt::format("{:016x}", row.frozen_after)},
            {"freeze_audit_passed", row.audit_passed()},
            {"epoch_losses", std::move(losses)},
        });
    }
    json::array pretraining;
    for (const PretrainSummary& summary : results.pretraining) {
        pretraining.push_back(json::object{
            {"pretext", summary.label},
            {"seed", summary.seed},
            {"epoch_losses", json::array(summary.epoch_losses.begin(), summary.epoch_losses.end())},
            {"loss_curve", json::array(summary.curve.begin(), summary.curve.end())},
            {"loss_curve_window", kCurveWindow},
            {"pretext_parameters", summary.pretext_parameters},
            {"wall_seconds", summary.seconds},
            {"preview_image", summary.preview_image},
            {"loss_curve_image", summary.curve_image},
            {"pretrained_from", summary.pretrained_from},
        });
    }
    json::array projections;
    for (const ProjectionSummary& projection : results.projections) {
        projections.push_back(json::object{
            {"method", projection.label},
            {"image", projection.image},
            {"explained_variance", json::array{projection.explained_x, projection.explained_y}},
        });
    }
    std::ofstream out(path);
    out << json::serialize(json::object{{"experiment", results.experiment},
                                        {"wall_seconds", results.seconds},
                                        {"pretraining", std::move(pretraining)},
                                        {"projections", std::move(projections)},
                                        {"rows", std::move(rows)}})
        << "\n";
    if (!out) throw DataError("cannot write " + path.string());
}

void write_results_csv(const RunResults& results, const std::filesystem::path& path) {
    std::ofstream out(path);
    out << "method,baseline,control,freeze_policy,label_budget,seed,test_accuracy,encoder_parameters,"
           "head_parameters,total_parameters,wall_seconds,frozen_blocks,freeze_audit_passed\n";
    for (const DownstreamResult& row : results.rows) {
        std::string frozen;
        for (const std::string& block : row.frozen_blocks) frozen += (frozen.empty() ? "" : " ") + block;
        out << fmt::format("{},{},{},{},{},{},{:.4f},{},{},{},{:.1f},{},{}\n", row.method,
                           row.baseline, row.control, row.policy,
                           row.budget.str(), row.seed, row.test_accuracy, row.encoder_parameters,
                           row.head_parameters, row.encoder_parameters + row.head_parameters,
                           row.seconds, frozen, row.audit_passed() ? "true" : "false");
    }
    if (!out) throw DataError("cannot write " + path.string());
}

}  // namespace selfsup
