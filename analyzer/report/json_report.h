// The JSON report: a stable, sorted document with a schema name and version
// (docs/schema/scan-report.schema.json). Rendered from AppReports only.
#pragma once
#include <string>
#include <vector>

#include "report/app_report.h"

namespace apkvet {

struct ReportMeta {
  std::string date;           // the one time field: the scan date (YYYY-MM-DD)
  std::string rules_version;
  std::string policy;         // policy id, or empty
};

Json app_report_json(const AppReport& r);
// The same, taking the facts instead of copying them (a worker's report is dumped and then dropped).
Json app_report_json(AppReport&& r);
Json scan_report_json(const std::vector<AppReport>& reports, const ReportMeta& meta);
// The same, taking the apps' facts instead of copying them (0.5% of a corpus scan's instructions).
Json scan_report_json(std::vector<AppReport>&& reports, const ReportMeta& meta);
// Serialises without throwing on invalid UTF-8 from app data (replaced with U+FFFD).
std::string dump_json(const Json& j, int indent = 2);

}  // namespace apkvet
