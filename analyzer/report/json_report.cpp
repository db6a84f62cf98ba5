#include "report/json_report.h"

#include <utility>

#include "version.h"

namespace apkvet {

namespace {
// An analysed app's report: its facts, with the status and the judgement added.
Json ok_report(Json facts, const AppReport& r) {
  facts["status"] = "ok";
  facts["judgement"] = r.judgement;
  return facts;
}
Json error_report(const AppReport& r) {
  return Json{{"status", "error"}, {"error", r.error}, {"input", Json{{"path", r.input_path}}}};
}
}  // namespace

Json app_report_json(const AppReport& r) { return r.ok ? ok_report(r.facts, r) : error_report(r); }

Json app_report_json(AppReport&& r) { return r.ok ? ok_report(std::move(r.facts), r) : error_report(r); }

Json scan_report_json(const std::vector<AppReport>& reports, const ReportMeta& meta) {
  Json out{{"schema", kScanSchema},
           {"schema_version", kScanSchemaVersion},
           {"tool", Json{{"name", "apkvet"}, {"version", APKVET_VERSION}}},
           {"scan_date", meta.date},
           {"rules_version", meta.rules_version}};
  if (!meta.policy.empty()) out["policy"] = meta.policy;
  Json apps = Json::array();
  for (const auto& r : reports) apps.push_back(app_report_json(r));
  out["results"] = std::move(apps);
  return out;
}

std::string dump_json(const Json& j, int indent) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }

}  // namespace apkvet
