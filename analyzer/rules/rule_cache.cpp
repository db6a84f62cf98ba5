#include "rules/rule_cache.h"

#include "core/data_dir.h"
#include "core/digest.h"
#include "version.h"

namespace apkvet::rules {
namespace {

// Bump when the JSON form below changes.
constexpr const char* kFormat = "apkvet-rules-cache-1";

Json condition_to_json(const Condition& c) {
  Json j{{"k", static_cast<int>(c.kind)}, {"o", static_cast<int>(c.op)}, {"p", c.path},
         {"v", c.operand}, {"n", c.count_at_least}};
  if (!c.children.empty()) {
    Json kids = Json::array();
    for (const auto& k : c.children) kids.push_back(condition_to_json(k));
    j["c"] = std::move(kids);
  }
  return j;
}

Condition condition_from_json(const Json& j) {
  Condition c;
  c.kind = static_cast<Condition::Kind>(j.at("k").get<int>());
  c.op = static_cast<Condition::Op>(j.at("o").get<int>());
  c.path = j.at("p").get<std::string>();
  c.operand = j.at("v");
  c.count_at_least = j.at("n").get<double>();
  if (j.contains("c"))
    for (const auto& k : j["c"]) c.children.push_back(condition_from_json(k));
  if (c.kind == Condition::Kind::predicate && c.op == Condition::Op::matches) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    c.regex = std::make_shared<re2::RE2>(c.operand.get<std::string>(), options);
    if (!c.regex->ok()) throw std::runtime_error("cached rule has a bad regular expression");
  }
  return c;
}

std::string cache_entry_name(const std::string& all_text) {
  return "rules-" + sha256_hex(std::string(kFormat) + "\n" + APKVET_VERSION + "\n" + all_text) + ".json";
}

}  // namespace

Json rule_set_to_json(const RuleSet& set) {
  Json rules = Json::array();
  for (const auto& r : set.rules)
    rules.push_back({{"id", r.id}, {"title", r.title}, {"axis", static_cast<int>(r.axis)},
                     {"severity", static_cast<int>(r.severity)}, {"when", condition_to_json(r.when)},
                     {"rationale", r.rationale}, {"references", r.references}, {"source", r.source}});
  return {{"format", kFormat}, {"version", set.version}, {"rules", rules}};
}

RuleSet rule_set_from_json(const Json& j) {
  if (j.at("format") != kFormat) throw std::runtime_error("other cache format");
  RuleSet set;
  set.version = j.at("version").get<std::string>();
  for (const auto& r : j.at("rules")) {
    Rule rule;
    rule.id = r.at("id").get<std::string>();
    rule.title = r.at("title").get<std::string>();
    rule.axis = static_cast<Axis>(r.at("axis").get<int>());
    rule.severity = static_cast<Severity>(r.at("severity").get<int>());
    rule.when = condition_from_json(r.at("when"));
    rule.rationale = r.at("rationale").get<std::string>();
    rule.references = r.at("references").get<std::vector<std::string>>();
    rule.source = r.at("source").get<std::string>();
    set.rules.push_back(std::move(rule));
  }
  return set;
}

std::optional<RuleSet> load_cached_rules(const std::string& all_text) {
  std::optional<std::string> text = read_cache_entry(cache_entry_name(all_text));
  if (!text) return std::nullopt;
  try {
    return rule_set_from_json(Json::parse(*text));
  } catch (const std::exception&) {
    return std::nullopt;  // damaged or foreign: parse the YAML again
  }
}

void store_cached_rules(const std::string& all_text, const RuleSet& set) {
  write_cache_entry(cache_entry_name(all_text), rule_set_to_json(set).dump());
}

}  // namespace apkvet::rules
