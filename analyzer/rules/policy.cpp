#include "rules/policy.h"

#include "core/data_dir.h"
#include "rules/yaml_util.h"

namespace apkvet::rules {
namespace {

std::vector<PolicyClause> parse_clauses(const std::string& file, const YAML::Node& list) {
  std::vector<PolicyClause> out;
  if (!list) return out;
  if (!list.IsSequence()) fail(file, list, "expected a list of clauses");
  for (const auto& node : list) {
    check_keys(file, node, {"rule", "severity_at_least", "axis", "score_at_least", "reason"});
    PolicyClause c;
    c.source = where(file, node);
    c.rule = scalar(file, node, "rule", false);
    if (node["severity_at_least"]) c.severity_at_least = parse_severity(scalar(file, node, "severity_at_least"), c.source);
    if (node["axis"]) {
      std::string a = scalar(file, node, "axis");
      for (Axis x : kAxes)
        if (a == to_string(x)) c.axis = x;
      if (!c.axis) fail(file, node["axis"], "unknown axis '" + a + "'");
    }
    if (node["score_at_least"]) {
      Json v = to_json_value(node["score_at_least"]);
      if (!v.is_number()) fail(file, node["score_at_least"], "'score_at_least' takes a number");
      c.score_at_least = v.get<double>();
      if (!c.axis) fail(file, node, "'score_at_least' needs an 'axis'");
    }
    int kinds = !c.rule.empty() + c.severity_at_least.has_value() + c.score_at_least.has_value();
    if (kinds != 1) fail(file, node, "a clause needs exactly one of 'rule', 'severity_at_least', 'score_at_least'");
    c.reason = scalar(file, node, "reason", false);
    out.push_back(std::move(c));
  }
  return out;
}

YAML::Node load_yaml(const std::string& yaml, const std::string& file) {
  try {
    return YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw RuleFileError(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::approve: return "approve";
    case Verdict::review: return "review";
    case Verdict::reject: return "reject";
  }
  return "unknown";
}

Policy load_policy_from_string(const std::string& yaml, const std::string& file) {
  YAML::Node root = load_yaml(yaml, file);
  if (!root.IsMap() || !root["policy"]) throw RuleFileError(file + ":1: expected a top-level 'policy:' mapping");
  check_keys(file, root, {"policy"});
  YAML::Node p = root["policy"];
  check_keys(file, p, {"id", "title", "description", "reject", "review"});
  Policy policy;
  policy.id = scalar(file, p, "id");
  policy.title = scalar(file, p, "title");
  policy.description = scalar(file, p, "description", false);
  policy.reject = parse_clauses(file, p["reject"]);
  policy.review = parse_clauses(file, p["review"]);
  policy.source = file;
  return policy;
}

Policy load_policy(const std::string& path) { return load_policy_from_string(read_text_file(path), path); }

std::vector<Waiver> load_waivers_from_string(const std::string& yaml, const std::string& file) {
  YAML::Node root = load_yaml(yaml, file);
  if (!root.IsMap() || !root["waivers"] || !root["waivers"].IsSequence())
    throw RuleFileError(file + ":1: expected a top-level 'waivers:' list");
  std::vector<Waiver> out;
  for (const auto& node : root["waivers"]) {
    check_keys(file, node, {"package", "signer_sha256", "rule", "justification", "approved_by", "expires"});
    Waiver w{scalar(file, node, "package"),       scalar(file, node, "signer_sha256"), scalar(file, node, "rule"),
             scalar(file, node, "justification"), scalar(file, node, "approved_by", false),
             scalar(file, node, "expires"),       where(file, node)};
    if (w.expires.size() != 10 || w.expires[4] != '-' || w.expires[7] != '-')
      fail(file, node["expires"], "'expires' must be a date YYYY-MM-DD");
    if (w.justification.size() < 10) fail(file, node["justification"], "a waiver needs a real justification");
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<Waiver> load_waivers(const std::string& path) { return load_waivers_from_string(read_text_file(path), path); }

}  // namespace apkvet::rules
