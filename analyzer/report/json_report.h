// The JSON report: a stable, sorted document with a schema name and version (see docs/json-schema.md).
#pragma once
#include <string>
#include <vector>

#include "scan/app_facts.h"

namespace apkvet {

Json scan_report_json(const std::vector<ScanResult>& results);
// Serialises without throwing on invalid UTF-8 from app data (replaced with U+FFFD).
std::string dump_json(const Json& j, int indent = 2);

}  // namespace apkvet
