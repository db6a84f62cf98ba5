// SARIF 2.1.0 output (OASIS Static Analysis Results Interchange Format), for code-scanning dashboards
// and tools that already read SARIF. One run; tool.driver lists the rules; one result per finding,
// located in the APK (artifactLocation) and inside it (logicalLocations: file in the APK and class/
// method or element; offsets and other details SARIF has no field for go in `properties`).
// Validated against the published schema in tests/report/sarif-schema-2.1.0.json.
#pragma once
#include "facts/evidence.h"
#include "rules/rule_set.h"

namespace apkvet {

// `scan_report` is scan_report_json()'s output. `rules` (optional) lists every rule in tool.driver,
// not only those that fired; without it the driver lists the rules of the findings.
Json sarif_report(const Json& scan_report, const rules::RuleSet* rules);

// SARIF level for an apkvet severity: critical/high -> error, medium -> warning, low/info -> note.
const char* sarif_level(const std::string& severity);

}  // namespace apkvet
