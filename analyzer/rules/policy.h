// Policies turn findings into a verdict with its reasons: rules/policies/*.yaml. A clause matches a
// rule id, a minimum severity (optionally on one axis), or an axis score; "reject" clauses are
// checked first, then "review"; otherwise the app is approved. Waivers are reviewed exceptions for
// one app (package + signer certificate) and one rule, with a justification and an expiry date.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "facts/evidence.h"
#include "rules/rule_set.h"

namespace apkvet::rules {

enum class Verdict { approve, review, reject };
const char* to_string(Verdict v);

struct PolicyClause {
  std::string rule;                   // a rule id (may end in '*' for a prefix)
  std::optional<Severity> severity_at_least;
  std::optional<Axis> axis;           // restricts severity_at_least, or names the scored axis
  std::optional<double> score_at_least;
  std::string reason;                 // shown to the reader; defaults to a description of the clause
  std::string source;
};

struct Policy {
  std::string id, title, description;
  std::vector<PolicyClause> reject, review;
  std::string source;
};

struct Waiver {
  std::string package, signer_sha256, rule, justification, approved_by;
  std::string expires;  // YYYY-MM-DD; the waiver applies up to and including that day
  std::string source;
};

Policy load_policy(const std::string& path);
Policy load_policy_from_string(const std::string& yaml, const std::string& file_name);
std::vector<Waiver> load_waivers(const std::string& path);
std::vector<Waiver> load_waivers_from_string(const std::string& yaml, const std::string& file_name);

}  // namespace apkvet::rules
