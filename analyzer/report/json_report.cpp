#include "report/json_report.h"

#include <utility>

#include "version.h"

namespace apkvet {

Json app_report_json(const AppReport& r) {
  if (!r.ok) return Json{{"status", "error"}, {"error", r.error}, {"input", Json{{"path", r.input_path}}}};
  Json j = r.facts;
  j["status"] = "ok";
  j["judgement"] = r.judgement;
  return j;
}

Json app_report_json(AppReport&& r) {
  if (!r.ok) return app_report_json(std::as_const(r));
  Json j = std::move(r.facts);
  j["status"] = "ok";
  j["judgement"] = r.judgement;
  return j;
}

Json scan_report_json(const std::vector<AppReport>& reports, const ReportMeta& meta) {
  Json out{{"schema", kScanSchema},
           {"schema_version", kScanSchemaVersion},
           {"tool", Json{{"name", "apkvet"}, {"version", APKVET_VERSION}}},
           {"scan_date", meta.date},
           {"rules_version", meta.rules_version}};
  if (!meta.policy.empty()) out["policy"] = meta.policy;
  Json apps = Json::array();
  for (const auto& r : reports) apps.push_back(app_report_json(r));
  out["results"] = apps;
  return out;
}

std::string dump_json(const Json& j, int indent) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }

}  // namespace apkvet
