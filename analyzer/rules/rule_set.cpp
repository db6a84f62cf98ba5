#include "rules/rule_set.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/data_dir.h"
#include "core/digest.h"
#include "rules/rule_cache.h"
#include "rules/yaml_util.h"

namespace apkvet::rules {
namespace {

Axis parse_axis(const std::string& s, const std::string& file, const YAML::Node& node) {
  for (Axis a : kAxes)
    if (s == to_string(a)) return a;
  fail(file, node, "unknown axis '" + s + "' (data_access, egress, code_integrity, hygiene)");
}

void add_rules(RuleSet& set, const std::string& yaml, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw RuleFileError(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap() || !root["rules"]) throw RuleFileError(file + ":1: expected a top-level 'rules:' list");
  check_keys(file, root, {"rules", "about"});
  if (!root["rules"].IsSequence()) fail(file, root["rules"], "'rules' must be a list");
  for (const auto& node : root["rules"]) {
    check_keys(file, node, {"id", "title", "axis", "severity", "scored", "when", "rationale", "references"});
    Rule r;
    r.id = scalar(file, node, "id");
    r.title = scalar(file, node, "title");
    r.axis = parse_axis(scalar(file, node, "axis"), file, node["axis"]);
    r.severity = parse_severity(scalar(file, node, "severity"), where(file, node["severity"]));
    if (node["scored"]) {
      std::string v = scalar(file, node, "scored");
      if (v != "true" && v != "false") fail(file, node["scored"], "'scored' must be true or false");
      r.scored = v == "true";
    }
    if (!node["when"]) fail(file, node, "missing 'when'");
    r.when = parse_condition(file, node["when"]);
    r.rationale = scalar(file, node, "rationale");
    if (node["references"]) {
      if (!node["references"].IsSequence()) fail(file, node["references"], "'references' must be a list");
      for (const auto& ref : node["references"]) r.references.push_back(ref.as<std::string>());
    }
    r.source = where(file, node);
    set.rules.push_back(std::move(r));
  }
}

std::string sha256_prefix(const std::string& s) { return sha256_hex(s).substr(0, 16); }

void finish(RuleSet& set, const std::string& all_text) {
  std::sort(set.rules.begin(), set.rules.end(), [](const Rule& a, const Rule& b) { return a.id < b.id; });
  for (size_t i = 1; i < set.rules.size(); ++i)
    if (set.rules[i].id == set.rules[i - 1].id)
      throw RuleFileError(set.rules[i].source + ": duplicate rule id '" + set.rules[i].id + "' (also " +
                          set.rules[i - 1].source + ")");
  set.version = sha256_prefix(all_text);
}

}  // namespace

const char* to_string(Axis a) {
  switch (a) {
    case Axis::data_access: return "data_access";
    case Axis::egress: return "egress";
    case Axis::code_integrity: return "code_integrity";
    case Axis::hygiene: return "hygiene";
  }
  return "unknown";
}

Severity parse_severity(const std::string& s, const std::string& where) {
  for (Severity v : {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical})
    if (s == apkvet::to_string(v)) return v;
  throw RuleFileError(where + ": unknown severity '" + s + "' (info, low, medium, high, critical)");
}

const Rule* RuleSet::find(const std::string& id) const {
  auto it = std::lower_bound(rules.begin(), rules.end(), id, [](const Rule& r, const std::string& k) { return r.id < k; });
  return it != rules.end() && it->id == id ? &*it : nullptr;
}

RuleSet load_rules(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
  if (ec) throw RuleFileError(dir + ": cannot list rule files: " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<std::pair<std::string, std::string>> path_and_shown;
  for (const auto& f : files) {
    // The files were listed under `dir`, so the relative name is lexical (fs::relative resolved
    // every component of both paths on disk, a dozen system calls per file).
    std::string shown = f.lexically_relative(fs::path(dir).parent_path()).string();
    path_and_shown.emplace_back(f.string(), shown.empty() ? f.string() : shown);
  }
  // Unchanged files (by identity) name their parsed rule set without being read.
  std::vector<RuleFileIdentity> identities = rule_file_identities(path_and_shown);
  if (auto cached = load_cached_rules_by_identity(identities)) return std::move(*cached);
  // Read every file: their names and contents are the rule set's version and the cache key.
  std::vector<std::pair<std::string, std::string>> shown_and_text;
  std::string all_text;
  for (const auto& [path, shown] : path_and_shown) {
    std::string text = read_text_file(path);
    all_text += shown + "\n" + text;
    shown_and_text.emplace_back(shown, std::move(text));
  }
  if (auto cached = load_cached_rules(all_text)) {
    remember_rule_files(identities, all_text);
    return std::move(*cached);
  }
  RuleSet set;
  for (const auto& [shown, text] : shown_and_text) add_rules(set, text, shown);
  finish(set, all_text);
  store_cached_rules(all_text, set);
  remember_rule_files(identities, all_text);
  return set;
}

RuleSet load_rules_from_string(const std::string& yaml, const std::string& file_name) {
  RuleSet set;
  add_rules(set, yaml, file_name);
  finish(set, yaml);
  return set;
}

}  // namespace apkvet::rules
