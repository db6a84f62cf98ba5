#include "report/json_report.h"

#include "version.h"

namespace apkvet {

Json scan_report_json(const std::vector<ScanResult>& results) {
  Json out{{"schema", kScanSchema}, {"schema_version", kScanSchemaVersion},
           {"tool", Json{{"name", "apkvet"}, {"version", APKVET_VERSION}}}};
  Json apps = Json::array();
  for (const auto& r : results) apps.push_back(r);
  out["results"] = apps;
  return out;
}

std::string dump_json(const Json& j, int indent) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }

}  // namespace apkvet
