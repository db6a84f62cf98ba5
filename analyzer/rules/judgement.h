// Facts -> findings -> scores -> verdict. Everything a report shows about risk comes from here.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "facts/evidence.h"
#include "rules/policy.h"
#include "rules/rule_set.h"

namespace apkvet::rules {

struct Finding {
  const Rule* rule = nullptr;
  std::vector<Citation> citations;  // what made the rule fire, with the facts' evidence (bounded)
  size_t citations_total = 0;
  const Waiver* waiver = nullptr;   // set when a valid waiver covers this finding
};

struct AxisScore {
  Axis axis;
  double score = 0;
  std::vector<std::string> top_contributors;  // rule ids, gravest first
};

struct VerdictReason {
  std::string reason;
  std::string clause;               // policy file:line
  std::vector<std::string> rules;   // the findings that triggered the clause
};

// Who the app is, for waivers and the catalogue's allowlist.
struct AppIdentity {
  std::string package;
  std::vector<std::string> signer_sha256;
};
AppIdentity identity_from_facts(const Json& facts);

struct Judgement {
  std::string rules_version;
  std::string policy_id;  // empty when no policy was applied
  Verdict verdict = Verdict::approve;
  std::vector<VerdictReason> reasons;
  std::vector<Finding> findings;  // gravest first, then by rule id
  std::array<AxisScore, 4> scores{};
  std::vector<std::string> notes;  // e.g. expired waivers that were ignored
};

// `today` is YYYY-MM-DD (for waiver expiry); passed in so the same input always gives the same output.
Judgement judge(const Json& facts, const RuleSet& rules, const Policy* policy, const std::vector<Waiver>& waivers,
                const std::string& today);

void to_json(Json& j, const Judgement& judgement);

}  // namespace apkvet::rules
