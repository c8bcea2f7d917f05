// The conformance report as text for people and as JSON for machines.

#include <boost/json.hpp>
#include <fmt/format.h>

#include "conformance/conformance.hpp"

namespace selfsup {

namespace {

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::kPass:
            return "PASS";
        case Outcome::kFail:
            return "FAIL";
        case Outcome::kSkip:
            break;
    }
    return "SKIP";
}

std::string title(const ConformanceReport& report) {
    if (report.name.empty()) return report.file.filename().string();
    return fmt::format("{} ({}) {}", report.name, report.kind, report.version);
}

}  // namespace

std::string summary_line(const ConformanceReport& report) {
    std::string verdict = "conforms";
    if (!report.conforms()) {
        verdict = "does not conform";
        for (const Check& check : report.checks) {
            if (check.mandatory && check.outcome == Outcome::kFail) {
                verdict += fmt::format(" (first mandatory failure: {})", check.name);
                break;
            }
        }
    }
    return fmt::format("{}: {} passed, {} failed, {} skipped; {}", title(report),
                       report.count(Outcome::kPass), report.count(Outcome::kFail),
                       report.count(Outcome::kSkip), verdict);
}

std::string report_text(const ConformanceReport& report) {
    std::string text = fmt::format("conformance of {}\n", report.file.string());
    for (const Check& check : report.checks) {
        std::string result = outcome_name(check.outcome);
        if (!check.reason.empty()) {
            result += (check.outcome == Outcome::kPass ? " (" : ": ") + check.reason +
                      (check.outcome == Outcome::kPass ? ")" : "");
        }
        text += fmt::format("  {:<9} {:<54} {}\n", check.mandatory ? "mandatory" : "optional",
                            check.name, result);
    }
    return text + summary_line(report) + "\n";
}

std::string report_json(const ConformanceReport& report) {
    boost::json::array checks;
    for (const Check& check : report.checks) {
        std::string outcome = outcome_name(check.outcome);
        for (char& c : outcome) c = static_cast<char>(c - 'A' + 'a');
        checks.push_back({{"name", check.name},
                          {"mandatory", check.mandatory},
                          {"outcome", outcome},
                          {"reason", check.reason}});
    }
    const boost::json::object document{{"file", report.file.string()},
                                       {"name", report.name},
                                       {"kind", report.kind},
                                       {"version", report.version},
                                       {"passed", report.count(Outcome::kPass)},
                                       {"failed", report.count(Outcome::kFail)},
                                       {"skipped", report.count(Outcome::kSkip)},
                                       {"conforms", report.conforms()},
                                       {"summary", summary_line(report)},
                                       {"checks", checks}};
    return boost::json::serialize(document);
}

}  // namespace selfsup
