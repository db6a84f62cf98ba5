#include "rules/judgement.h"

#include <algorithm>

#include "rules/scoring.h"

namespace apkvet::rules {
namespace {

constexpr size_t kMaxCitations = 25;

bool clause_names_rule(const std::string& pattern, const std::string& id) {
  if (!pattern.empty() && pattern.back() == '*') return id.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0;
  return pattern == id;
}

// A short readable label for a cited value: its name/value/host when it is an object.
Json short_value(const Json& v) {
  if (v.is_object()) {
    for (const char* key : {"name", "url", "host", "value", "id", "api", "class"})
      if (auto it = v.find(key); it != v.end() && it->is_string()) return Evidence::truncate(it->get<std::string>());
    return Evidence::truncate(v.dump());
  }
  if (v.is_string()) return Evidence::truncate(v.get<std::string>());
  return v;
}

void apply_clauses(const std::vector<PolicyClause>& clauses, const Judgement& j, std::vector<VerdictReason>& out) {
  for (const auto& c : clauses) {
    VerdictReason r{c.reason, c.source, {}};
    if (c.score_at_least) {
      const AxisScore& s = j.scores[static_cast<size_t>(*c.axis)];
      if (s.score < *c.score_at_least) continue;
      r.rules = s.top_contributors;
      if (r.reason.empty())
        r.reason = std::string(to_string(*c.axis)) + " score " + std::to_string(static_cast<int>(s.score)) + " >= " +
                   std::to_string(static_cast<int>(*c.score_at_least));
    } else {
      for (const auto& f : j.findings) {
        if (f.waiver) continue;
        bool hit = !c.rule.empty() ? clause_names_rule(c.rule, f.rule->id)
                                   : f.rule->severity >= *c.severity_at_least && (!c.axis || f.rule->axis == *c.axis);
        if (hit) r.rules.push_back(f.rule->id);
      }
      if (r.rules.empty()) continue;
      if (r.reason.empty())
        r.reason = !c.rule.empty() ? "finding " + c.rule
                                   : std::string("a finding of severity ") + apkvet::to_string(*c.severity_at_least) +
                                         " or higher" + (c.axis ? std::string(" on ") + to_string(*c.axis) : "");
    }
    out.push_back(std::move(r));
  }
}

}  // namespace

AppIdentity identity_from_facts(const Json& facts) {
  AppIdentity id;
  for (const auto& m : resolve_path(facts, "manifest.package"))
    if (m.value->is_string()) id.package = m.value->get<std::string>();
  for (const char* path : {"signing.signer_certificates[].sha256"})
    for (const auto& m : resolve_path(facts, path))
      if (m.value->is_string()) id.signer_sha256.push_back(m.value->get<std::string>());
  std::sort(id.signer_sha256.begin(), id.signer_sha256.end());
  id.signer_sha256.erase(std::unique(id.signer_sha256.begin(), id.signer_sha256.end()), id.signer_sha256.end());
  return id;
}

Judgement judge(const Json& facts, const RuleSet& rules, const Policy* policy, const std::vector<Waiver>& waivers,
                const std::string& today) {
  Judgement j;
  j.rules_version = rules.version;
  AppIdentity id = identity_from_facts(facts);
  for (const auto& rule : rules.rules) {
    std::vector<CitedRef> cited;
    if (!rule.when.eval(facts, cited)) continue;
    Finding f;
    f.rule = &rule;
    f.citations_total = cited.size();
    for (size_t i = 0; i < cited.size() && f.citations.size() < kMaxCitations; ++i) {
      Citation c = cited[i].citation();
      c.value = short_value(c.value);
      f.citations.push_back(std::move(c));
    }
    for (const auto& w : waivers) {
      if (w.rule != rule.id || w.package != id.package) continue;
      if (std::find(id.signer_sha256.begin(), id.signer_sha256.end(), w.signer_sha256) == id.signer_sha256.end()) continue;
      if (w.expires < today) {
        j.notes.push_back("waiver for " + w.rule + " (" + w.source + ") expired on " + w.expires + " and was ignored");
        continue;
      }
      f.waiver = &w;
    }
    j.findings.push_back(std::move(f));
  }
  std::stable_sort(j.findings.begin(), j.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.rule->severity != b.rule->severity) return a.rule->severity > b.rule->severity;
    return a.rule->id < b.rule->id;
  });
  // Scores count every finding, waived or not: a waiver accepts a risk, it does not remove it.
  for (Axis axis : kAxes) {
    AxisScore& s = j.scores[static_cast<size_t>(axis)];
    s.axis = axis;
    std::vector<Severity> sev;
    for (const auto& f : j.findings) {
      if (f.rule->axis != axis || !f.rule->scored) continue;
      sev.push_back(f.rule->severity);
      if (f.rule->severity > Severity::info && s.top_contributors.size() < 5) s.top_contributors.push_back(f.rule->id);
    }
    s.score = axis_score(sev);
  }
  if (policy) {
    j.policy_id = policy->id;
    apply_clauses(policy->reject, j, j.reasons);
    if (!j.reasons.empty()) {
      j.verdict = Verdict::reject;
    } else {
      apply_clauses(policy->review, j, j.reasons);
      j.verdict = j.reasons.empty() ? Verdict::approve : Verdict::review;
    }
  }
  return j;
}

void to_json(Json& out, const Judgement& j) {
  out = Json::object();
  out["rules_version"] = j.rules_version;
  if (!j.policy_id.empty()) {
    out["policy"] = j.policy_id;
    out["verdict"] = to_string(j.verdict);
    Json reasons = Json::array();
    for (const auto& r : j.reasons) reasons.push_back({{"reason", r.reason}, {"clause", r.clause}, {"rules", r.rules}});
    out["reasons"] = std::move(reasons);
  }
  Json scores = Json::object();
  for (const auto& s : j.scores)
    scores[to_string(s.axis)] = {{"score", static_cast<int>(s.score)}, {"top_contributors", s.top_contributors}};
  out["scores"] = std::move(scores);
  Json findings = Json::array();
  for (const auto& f : j.findings) {
    Json cites = Json::array();
    for (const auto& c : f.citations) {
      Json e{{"path", c.path}, {"value", c.value}};
      if (!c.evidence.is_null()) e["evidence"] = c.evidence;
      cites.push_back(std::move(e));
    }
    Json fj{{"rule", f.rule->id},
            {"title", f.rule->title},
            {"axis", to_string(f.rule->axis)},
            {"severity", apkvet::to_string(f.rule->severity)},
            {"rationale", f.rule->rationale},
            {"references", f.rule->references},
            {"evidence", cites},
            {"evidence_total", f.citations_total}};
    if (f.waiver)
      fj["waiver"] = {{"justification", f.waiver->justification}, {"expires", f.waiver->expires},
                      {"approved_by", f.waiver->approved_by}, {"source", f.waiver->source}};
    findings.push_back(std::move(fj));
  }
  out["findings"] = std::move(findings);
  if (!j.notes.empty()) out["notes"] = j.notes;
}

}  // namespace apkvet::rules
