// One app's report: its facts (as the JSON contract) and the judgement of the rules and policy over
// them. Every renderer (text, JSON, HTML, SARIF) and the catalogue consume this, so they cannot
// disagree, and a stored report can be re-rendered without the APK.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "rules/judgement.h"
#include "scan/app_facts.h"

namespace apkvet {

struct JudgeContext {
  rules::RuleSet rules;
  std::optional<rules::Policy> policy;  // none: findings and scores, no verdict
  std::vector<rules::Waiver> waivers;
  std::string today;  // YYYY-MM-DD, for waiver expiry; also the report's date
};

// "government-device" -> <rules>/policies/government-device.yaml; a path is returned as given.
std::string resolve_policy_path(const std::string& policy);

// Loads rules (default: rules/checks), a policy file and a waivers file; throws with file:line reasons.
JudgeContext load_judge_context(const std::string& rules_dir, const std::string& policy_path,
                                const std::string& waivers_path, const std::string& today);

struct AppReport {
  std::string input_path;
  bool ok = false;
  std::string error;
  Json facts;  // the facts JSON (what rules were evaluated over)
  rules::Judgement judgement;
};

AppReport make_app_report(const ScanResult& scan, const JudgeContext& ctx);

// The report date when the caller fixed it: `given` (--date) when not empty, else the day of
// SOURCE_DATE_EPOCH (reproducible builds of reports); nullopt when neither is set.
std::optional<std::string> fixed_report_date(const std::string& given);
// Today's date as YYYY-MM-DD, honouring SOURCE_DATE_EPOCH for reproducible reports.
std::string today_utc();

}  // namespace apkvet
