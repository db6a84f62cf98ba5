#include "code/code_rules.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <stdexcept>

#include "code/code_rules_cache.h"
#include "code/tracker_matcher.h"
#include "core/data_dir.h"

namespace apkvet::code {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::vector<StringCondition> conditions(const Json& j) {
  std::vector<StringCondition> out;
  auto it = j.find("requires_string");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& c : *it) {
    StringCondition sc;
    if (c.contains("equals")) {
      sc.op = StringCondition::Op::equals;
      sc.value = c["equals"].get<std::string>();
    } else if (c.contains("equals_ci")) {
      sc.op = StringCondition::Op::equals_ci;
      sc.value = lower(c["equals_ci"].get<std::string>());
    } else if (c.contains("prefix_ci")) {
      sc.op = StringCondition::Op::prefix_ci;
      sc.value = lower(c["prefix_ci"].get<std::string>());
    } else if (c.contains("contains_ci")) {
      sc.op = StringCondition::Op::contains_ci;
      sc.value = lower(c["contains_ci"].get<std::string>());
    } else {
      continue;
    }
    out.push_back(std::move(sc));
  }
  return out;
}

Json parse_file(const std::string& path) {
  std::string text = read_text_file(path);
  try {
    return Json::parse(text);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
}

// "Lc;->name(P)R" -> ("Lc;", "name(P)R"); "Lc;->F:T" -> ("Lc;", "F:T").
bool split_descriptor(const std::string& d, std::string& cls, std::string& member) {
  auto arrow = d.find(";->");
  if (arrow == std::string::npos) return false;
  cls = d.substr(0, arrow + 1);
  member = d.substr(arrow + 3);
  return !member.empty();
}

void load_sensitive(CodeRules& r, const std::string& path) {
  Json j = parse_file(path);
  for (const auto& [k, v] : j.at("categories").items()) r.category_labels[k] = v.get<std::string>();
  for (const auto& [k, v] : j.at("framework_supertypes").items())
    r.framework_supertypes[k] = v.get<std::vector<std::string>>();
  for (const auto& e : j.at("apis")) {
    ApiRule rule;
    rule.id = str(e, "id");
    rule.category = str(e, "category");
    rule.subcategory = str(e, "subcategory");
    rule.scope = str(e, "scope");
    rule.why = str(e, "why");
    rule.permissions = strings(e, "permissions");
    rule.package_prefix = str(e, "package_prefix");
    rule.requires_string = conditions(e);
    if (e.contains("provenance")) {
      rule.provenance_source = str(e["provenance"], "source");
      rule.provenance_licence = str(e["provenance"], "licence");
    }
    const uint32_t rule_index = static_cast<uint32_t>(r.apis.size());
    r.apis.push_back(rule);
    if (!rule.package_prefix.empty()) r.prefix_rules.push_back(rule_index);
    if (e.contains("class")) {
      auto& cr = r.classes[str(e, "class")];
      for (const auto& name : strings(e, "method_names")) cr.any_overload[name].push_back(rule_index);
    }
    if (!e.contains("members")) continue;
    const Json* sdk36 = e.contains("sdk36_annotated_permissions") ? &e["sdk36_annotated_permissions"] : nullptr;
    for (const auto& m : e["members"]) {
      ApiMember mem;
      mem.rule = rule_index;
      mem.descriptor = str(m, "descriptor");
      mem.subcategory = str(m, "subcategory");
      mem.field = str(m, "kind") == "field";
      mem.requires_string = conditions(m);
      mem.constant_value = str(m, "constant_value");
      if (sdk36 && sdk36->contains(mem.descriptor)) {
        const Json& a = (*sdk36)[mem.descriptor];
        mem.sdk36_all_of = strings(a, "all_of");
        mem.sdk36_any_of = strings(a, "any_of");
        mem.sdk36_conditional = a.value("conditional", false);
      }
      std::string cls, member;
      if (!split_descriptor(mem.descriptor, cls, member))
        throw std::runtime_error(path + ": bad descriptor " + mem.descriptor);
      const uint32_t mi = static_cast<uint32_t>(r.members.size());
      if (!mem.constant_value.empty()) r.constant_strings[mem.constant_value].push_back(mi);
      r.members.push_back(std::move(mem));
      r.classes[cls].by_member[member].api_members.push_back(mi);
    }
  }
  for (const auto& p : j.at("content_providers")) {
    ContentProviderRule cp;
    cp.authority = str(p, "authority");
    cp.category = str(p, "category");
    cp.read_permission = str(p, "read_permission");
    cp.write_permission = str(p, "write_permission");
    cp.note = str(p, "note");
    if (r.provider_by_authority.count(cp.authority)) continue;
    r.provider_by_authority[cp.authority] = static_cast<uint32_t>(r.providers.size());
    r.providers.push_back(std::move(cp));
  }
}

void load_permissions(CodeRules& r, const std::string& path) {
  Json j = parse_file(path);
  for (const auto& m : j.at("mappings")) {
    PermissionMapping pm;
    pm.descriptor = str(m, "descriptor");
    pm.all_of = strings(m, "all_of");
    pm.any_of = strings(m, "any_of");
    pm.conditional = m.value("conditional", false);
    pm.low_confidence = m.value("low_confidence", false);
    pm.source = str(m, "source");
    std::string cls, member;
    if (!split_descriptor(pm.descriptor, cls, member)) continue;
    r.classes[cls].by_member[member].permission_mappings.push_back(static_cast<uint32_t>(r.mappings.size()));
    r.mappings.push_back(std::move(pm));
  }
  for (const auto& [name, p] : j.at("permissions").items()) {
    PermissionInfo info;
    info.protection = str(p, "protection");
    info.group = str(p, "group");
    info.label = str(p, "label");
    info.grantable = p.value("grantable", false);
    info.added_api = p.value("added_api", 0);
    r.permissions[name] = std::move(info);
  }
}

void load_trackers(CodeRules& r, const std::string& path) {
  Json j = parse_file(path);
  for (const auto& t : j.at("trackers")) {
    TrackerRule tr;
    tr.id = t.value("id", 0);
    tr.name = str(t, "name");
    tr.website = str(t, "website");
    tr.code_signature = str(t, "code_signature");
    tr.network_signature = str(t, "network_signature");
    tr.documentation = t.contains("documentation") && t["documentation"].is_array() && !t["documentation"].empty()
                           ? t["documentation"][0].get<std::string>()
                           : str(t, "documentation");
    tr.categories = strings(t, "categories");
    if (t.contains("owner") && t["owner"].is_object()) {
      tr.owner = str(t["owner"], "name");
      tr.country = str(t["owner"], "country");
      tr.owner_source = str(t["owner"], "source");
      tr.owner_licence = str(t["owner"], "licence");
    }
    if (t.contains("provenance")) tr.provenance = str(t["provenance"], "source") + "; " + str(t["provenance"], "licence");
    r.trackers.push_back(std::move(tr));
  }
}

void load_packers(CodeRules& r, const std::string& path) {
  Json j = parse_file(path);
  for (const auto& p : j.at("packers")) {
    PackerRule pr;
    pr.id = str(p, "id");
    pr.name = str(p, "name");
    pr.vendor_country = str(p, "vendor_country");
    pr.classes = strings(p, "classes");
    pr.libraries = strings(p, "libraries");
    r.packers.push_back(std::move(pr));
  }
}

}  // namespace

bool StringCondition::matches(std::string_view s) const {
  if (op == Op::equals) return s == value;
  if (s.size() < value.size()) return false;
  auto eq = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; };
  switch (op) {
    case Op::equals_ci:
      return s.size() == value.size() && std::equal(s.begin(), s.end(), value.begin(), eq);
    case Op::prefix_ci:
      return std::equal(value.begin(), value.end(), s.begin(), [&](char v, char c) { return eq(c, v); });
    case Op::contains_ci:
      return std::search(s.begin(), s.end(), value.begin(), value.end(), [&](char c, char v) { return eq(c, v); }) !=
             s.end();
    default:
      return false;
  }
}

const std::string& CodeRules::label(const std::string& category) const {
  auto it = category_labels.find(category);
  return it != category_labels.end() ? it->second : category;
}

const PermissionInfo* CodeRules::permission(const std::string& name) const {
  auto it = permissions.find(name);
  return it != permissions.end() ? &it->second : nullptr;
}

std::shared_ptr<const CodeRules> load_code_rules(const std::string& rules_root) {
  auto path = [&](const std::string& rel) { return rules_root.empty() ? rules_path(rel) : rules_root + "/" + rel; };
  const std::vector<std::pair<std::string, std::string>> files = {
      {path("apis/sensitive_apis.json"), "apis/sensitive_apis.json"},
      {path("apis/api_permissions.json"), "apis/api_permissions.json"},
      {path("trackers/exodus_trackers.json"), "trackers/exodus_trackers.json"},
      {path("trackers/packers.json"), "trackers/packers.json"}};
  std::shared_ptr<CodeRules> r;
  if (std::optional<CodeRules> cached = load_cached_code_rules(files)) {
    r = std::make_shared<CodeRules>(std::move(*cached));
  } else {
    r = std::make_shared<CodeRules>();
    load_sensitive(*r, files[0].first);
    load_permissions(*r, files[1].first);
    load_trackers(*r, files[2].first);
    load_packers(*r, files[3].first);
    store_cached_code_rules(files, *r);
  }
  r->matcher = std::make_shared<const TrackerMatcher>(*r);
  return r;
}

std::shared_ptr<const CodeRules> default_code_rules() {
  static std::mutex mutex;
  static std::shared_ptr<const CodeRules> rules;
  std::lock_guard<std::mutex> lock(mutex);
  if (!rules) rules = load_code_rules();
  return rules;
}

}  // namespace apkvet::code
