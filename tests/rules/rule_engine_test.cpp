// The rule language, rule-file errors (file:line: reason), policies and waivers.
#include <doctest/doctest.h>

#include "rules/judgement.h"
#include "rules/policy.h"
#include "rules/rule_cache.h"
#include "rules/rule_set.h"

using namespace apkvet;
using namespace apkvet::rules;

namespace {

const char* kRules = R"(
rules:
  - id: T-DEBUG
    title: Debuggable
    axis: hygiene
    severity: high
    when: {path: manifest.application.debuggable, equals: true}
    rationale: debuggers attach
  - id: T-CONTACTS
    title: Reads contacts
    axis: data_access
    severity: medium
    when:
      some: manifest.permissions[]
      where: {path: name, in: [android.permission.READ_CONTACTS]}
    rationale: contacts
  - id: T-COMBO
    title: Contacts and a Chinese endpoint
    axis: egress
    severity: critical
    when:
      all:
        - {path: "manifest.permissions[].name", equals: android.permission.READ_CONTACTS}
        - some: endpoints[]
          where: {all: [{path: jurisdiction, equals: CN}, {path: party, equals: third}]}
    rationale: combination
  - id: T-MANY
    title: Many permissions
    axis: data_access
    severity: low
    when: {count: "manifest.permissions[]", at_least: 3}
    rationale: many
  - id: T-NOT
    title: No backup flag
    axis: hygiene
    severity: info
    when: {not: {path: manifest.application.allow_backup, equals: false}}
    rationale: default allows backup
)";

Json leaky_facts() {
  return Json::parse(R"({
    "manifest": {"package": "gov.test.leaky",
      "application": {"debuggable": true},
      "permissions": [
        {"name": "android.permission.READ_CONTACTS", "evidence": {"file": "AndroidManifest.xml", "location": "manifest/uses-permission[1]"}},
        {"name": "android.permission.INTERNET"}]},
    "signing": {"signer_certificates": [{"sha256": "aa"}]},
    "endpoints": [
      {"host": "api.tiktokv.com", "jurisdiction": "CN", "party": "third", "evidence": {"file": "classes.dex", "location": "Lcom/a/B;->c()V"}},
      {"host": "example.gov", "jurisdiction": "US", "party": "first"}]
  })");
}

}  // namespace

TEST_CASE("rules fire on the facts they describe and cite the facts' evidence") {
  RuleSet set = load_rules_from_string(kRules, "test.yaml");
  Judgement j = judge(leaky_facts(), set, nullptr, {}, "2026-11-23");
  std::vector<std::string> fired;
  for (const auto& f : j.findings) fired.push_back(f.rule->id);
  CHECK(fired == std::vector<std::string>{"T-COMBO", "T-DEBUG", "T-CONTACTS", "T-NOT"});  // gravest first
  const Finding& combo = j.findings[0];
  bool cites_endpoint = false;
  for (const auto& c : combo.citations)
    if (c.value == "api.tiktokv.com") cites_endpoint = c.evidence["location"] == "Lcom/a/B;->c()V";
  CHECK(cites_endpoint);
  CHECK(j.scores[static_cast<size_t>(Axis::egress)].score >= 75);
}

TEST_CASE("rules stay silent on a clean app") {
  RuleSet set = load_rules_from_string(kRules, "test.yaml");
  Json clean = Json::parse(R"({"manifest": {"package": "x", "application": {"debuggable": false, "allow_backup": false}, "permissions": []}})");
  Judgement j = judge(clean, set, nullptr, {}, "2026-11-23");
  CHECK(j.findings.empty());
  for (const auto& s : j.scores) CHECK(s.score == 0);
}

TEST_CASE("a malformed rule file is refused with file, line and reason") {
  auto error_of = [](const char* yaml) {
    try {
      load_rules_from_string(yaml, "bad.yaml");
    } catch (const RuleFileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("rules:\n  - id: A\n    title: t\n    axis: nowhere\n    severity: low\n    when: {path: a, exists: true}\n    rationale: r\n") ==
        "bad.yaml:4: unknown axis 'nowhere' (data_access, egress, code_integrity, hygiene)");
  CHECK(error_of("rules:\n  - id: A\n    title: t\n    axis: egress\n    severity: low\n    when: {path: a, equal: 1}\n    rationale: r\n")
            .rfind("bad.yaml:6: unknown key 'equal'", 0) == 0);
  CHECK(error_of("rules:\n  - id: A\n    titel: t\n").rfind("bad.yaml:3: unknown key 'titel'", 0) == 0);
  CHECK(error_of("rules: [\n").rfind("bad.yaml:", 0) == 0);
  CHECK(error_of("rules:\n  - id: A\n    title: t\n    axis: egress\n    severity: low\n    when: {path: a, matches: '('}\n    rationale: r\n")
            .find("bad regular expression") != std::string::npos);
}

TEST_CASE("policy verdicts: reject beats review, reasons name the rules") {
  RuleSet set = load_rules_from_string(kRules, "test.yaml");
  Policy p = load_policy_from_string(R"(
policy:
  id: gov
  title: Government device
  reject:
    - {severity_at_least: critical, reason: grave risk}
    - {axis: hygiene, score_at_least: 90}
  review:
    - {severity_at_least: medium}
)", "gov.yaml");
  Judgement j = judge(leaky_facts(), set, &p, {}, "2026-11-23");
  CHECK(j.verdict == Verdict::reject);
  REQUIRE(j.reasons.size() == 1);
  CHECK(j.reasons[0].reason == "grave risk");
  CHECK(j.reasons[0].rules == std::vector<std::string>{"T-COMBO"});
  CHECK(j.reasons[0].clause == "gov.yaml:6");

  Json facts = leaky_facts();
  facts["endpoints"] = Json::array();
  j = judge(facts, set, &p, {}, "2026-11-23");
  CHECK(j.verdict == Verdict::review);
}

TEST_CASE("waivers apply to one app and signer, until they expire") {
  RuleSet set = load_rules_from_string(kRules, "test.yaml");
  Policy p = load_policy_from_string("policy:\n  id: gov\n  title: t\n  reject:\n    - {rule: T-COMBO}\n", "gov.yaml");
  auto waivers = load_waivers_from_string(R"(
waivers:
  - package: gov.test.leaky
    signer_sha256: aa
    rule: T-COMBO
    justification: endpoint contractually bound, reviewed by the board
    approved_by: CISO
    expires: 2026-12-31
)", "w.yaml");
  CHECK(judge(leaky_facts(), set, &p, waivers, "2026-11-23").verdict == Verdict::approve);
  Judgement expired = judge(leaky_facts(), set, &p, waivers, "2027-01-01");
  CHECK(expired.verdict == Verdict::reject);
  CHECK(expired.notes.size() == 1);
  Json other_signer = leaky_facts();
  other_signer["signing"]["signer_certificates"][0]["sha256"] = "bb";
  CHECK(judge(other_signer, set, &p, waivers, "2026-11-23").verdict == Verdict::reject);
}

TEST_CASE("matches runs in linear time on hostile app strings") {
  // A pattern that backtracks exponentially under std::regex (and overflows its recursion on long
  // input), against a 1 MB app-controlled string: RE2 answers at once.
  auto set = load_rules_from_string(
      "rules:\n  - id: T-RE\n    title: t\n    axis: egress\n    severity: low\n"
      "    when: {some: \"endpoints[]\", where: {path: host, matches: '^(a|aa)*b$'}}\n    rationale: r\n",
      "re.yaml");
  Json facts = {{"endpoints", Json::array({{{"host", std::string(1 << 20, 'a')}}, {{"host", "aaab"}}})}};
  auto j = judge(facts, set, nullptr, {}, "2026-12-01");
  REQUIRE(j.findings.size() == 1);
  CHECK(j.findings[0].citations.size() == 1);
  CHECK(j.findings[0].citations[0].value == "aaab");
}

TEST_CASE("a rule with 'scored: false' is a finding policies see, and adds nothing to its axis score") {
  const char* yaml = R"(rules:
  - id: GAP
    title: part of the evidence could not be read
    axis: egress
    severity: high
    scored: false
    when: {path: gap, equals: true}
    rationale: r
  - id: LEAK
    title: a leak
    axis: egress
    severity: medium
    when: {path: leak, equals: true}
    rationale: r
)";
  RuleSet set = load_rules_from_string(yaml, "scored.yaml");
  REQUIRE(set.find("GAP") != nullptr);
  CHECK(!set.find("GAP")->scored);
  CHECK(set.find("LEAK")->scored);
  // The flag survives the binary rules cache.
  RuleSet cached = rule_set_from_cache_bytes(rule_set_to_cache_bytes(set));
  CHECK(!cached.find("GAP")->scored);
  CHECK(cached.find("LEAK")->scored);

  auto egress = [](const Judgement& j) { return j.scores[static_cast<size_t>(Axis::egress)]; };
  Judgement gap_only = judge(Json::parse(R"({"gap": true})"), set, nullptr, {}, "2026-12-05");
  REQUIRE(gap_only.findings.size() == 1);
  CHECK(egress(gap_only).score == 0);
  CHECK(egress(gap_only).top_contributors.empty());
  Judgement leak = judge(Json::parse(R"({"leak": true})"), set, nullptr, {}, "2026-12-05");
  Judgement both = judge(Json::parse(R"({"gap": true, "leak": true})"), set, nullptr, {}, "2026-12-05");
  CHECK(both.findings.size() == 2);
  CHECK(egress(both).score == doctest::Approx(egress(leak).score));
  CHECK(egress(both).top_contributors == std::vector<std::string>{"LEAK"});

  auto error_of = [](const std::string& text) {
    try {
      load_rules_from_string(text, "bad.yaml");
    } catch (const RuleFileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("rules:\n  - id: A\n    title: t\n    axis: egress\n    severity: low\n    scored: maybe\n"
                 "    when: {path: a, exists: true}\n    rationale: r\n") == "bad.yaml:6: 'scored' must be true or false");
}

TEST_CASE("a cited code-use category is named by its first caller and cites its first examples' evidence") {
  auto set = load_rules_from_string(
      "rules:\n  - id: T-LOC\n    title: t\n    axis: data_access\n    severity: low\n"
      "    when: {some: \"code.sensitive_api_use[]\", where: {path: category, equals: location}}\n    rationale: r\n",
      "code.yaml");
  Json examples = Json::array();
  for (int i = 0; i < 7; ++i)
    examples.push_back({{"caller_method", "Lcom/a/B;->m" + std::to_string(i) + "()V"},
                        {"evidence", {{"file", "classes.dex"}, {"location", "pc " + std::to_string(i)}}}});
  Json facts = {{"code", {{"evidence", {{"file", "outer"}}},
                          {"sensitive_api_use", Json::array({{{"category", "location"}, {"examples", examples}},
                                                             {{"category", "location"}, {"examples", Json::array()}},
                                                             {{"category", "camera"}}})}}}};
  auto j = judge(facts, set, nullptr, {}, "2026-12-01");
  REQUIRE(j.findings.size() == 1);
  const auto& cited = j.findings[0].citations;
  REQUIRE(cited.size() == 2);
  CHECK(j.findings[0].citations_total == 2);
  CHECK(cited[0].path == "code.sensitive_api_use[]");
  CHECK(cited[0].value == "Lcom/a/B;->m0()V");
  REQUIRE(cited[0].evidence.is_array());
  CHECK(cited[0].evidence.size() == 5);
  CHECK(cited[0].evidence[4]["location"] == "pc 4");
  // No example with evidence: the category's label, and the evidence of the object around it.
  CHECK(cited[1].value == "location");
  CHECK(cited[1].evidence == Json{{"file", "outer"}});
}
