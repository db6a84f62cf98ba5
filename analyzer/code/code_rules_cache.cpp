#include "code/code_rules_cache.h"

#include <algorithm>

#include "core/cache_form.h"
#include "core/data_dir.h"
#include "core/digest.h"
#include "core/file_identity.h"
#include "version.h"

namespace apkvet::code {
namespace {

// Bump when the form changes (a field added to CodeRules must be added here, or a cached load would
// lose it: tests/code/code_rules_cache_test.cpp compares scans with and without the cache).
constexpr std::string_view kFormat = "apkvet-code-rules-cache-1\n";

void write_conditions(CacheWriter& w, const std::vector<StringCondition>& v) {
  w.u32(static_cast<uint32_t>(v.size()));
  for (const auto& c : v) {
    w.u8(static_cast<uint8_t>(c.op));
    w.text(c.value);
  }
}

std::vector<StringCondition> read_conditions(CacheReader& r) {
  std::vector<StringCondition> out(r.count());
  for (auto& c : out) {
    c.op = r.enumerator(StringCondition::Op::contains_ci);
    c.value = r.text();
  }
  return out;
}

// A hash map's entries by key: the same rules are the same bytes, whatever order the map was filled in.
template <typename Map>
std::vector<const typename Map::value_type*> by_key(const Map& m) {
  std::vector<const typename Map::value_type*> out;
  out.reserve(m.size());
  for (const auto& e : m) out.push_back(&e);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  return out;
}

// A map from text to indices of one table, as the lookups keep them.
template <typename Map>
void write_index_map(CacheWriter& w, const Map& m) {
  w.u32(static_cast<uint32_t>(m.size()));
  for (const auto* e : by_key(m)) {
    w.text(e->first);
    w.indices(e->second);
  }
}

template <typename Map>
Map read_index_map(CacheReader& r, size_t limit) {
  Map m;
  for (uint32_t n = r.count(); n; --n) {
    std::string key = r.text();
    m[std::move(key)] = r.indices(limit);
  }
  return m;
}

std::optional<std::string> identity_key(const std::vector<std::pair<std::string, std::string>>& files,
                                        bool require_settled) {
  std::string key = std::string(kFormat) + APKVET_VERSION + "\n";
  for (const auto& [path, shown] : files) {
    std::optional<FileIdentity> id = file_identity(path);
    if (!id || (require_settled && !settled(*id))) return std::nullopt;
    key += shown + "\n" + to_string(*id) + "\n";
  }
  return "code-rules-" + sha256_hex(key) + ".bin";
}

}  // namespace

std::string code_rules_to_cache_bytes(const CodeRules& r) {
  CacheWriter w;
  w.text(kFormat);
  w.u32(static_cast<uint32_t>(r.apis.size()));
  for (const auto& a : r.apis) {
    for (const std::string* s : {&a.id, &a.category, &a.subcategory, &a.scope, &a.why}) w.text(*s);
    w.texts(a.permissions);
    w.text(a.package_prefix);
    write_conditions(w, a.requires_string);
    w.text(a.provenance_source);
    w.text(a.provenance_licence);
  }
  w.u32(static_cast<uint32_t>(r.members.size()));
  for (const auto& m : r.members) {
    w.u32(m.rule);
    w.text(m.descriptor);
    w.text(m.subcategory);
    w.flag(m.field);
    write_conditions(w, m.requires_string);
    w.texts(m.sdk36_all_of);
    w.texts(m.sdk36_any_of);
    w.flag(m.sdk36_conditional);
    w.text(m.constant_value);
  }
  w.u32(static_cast<uint32_t>(r.mappings.size()));
  for (const auto& m : r.mappings) {
    w.text(m.descriptor);
    w.texts(m.all_of);
    w.texts(m.any_of);
    w.flag(m.conditional);
    w.flag(m.low_confidence);
    w.text(m.source);
  }
  w.u32(static_cast<uint32_t>(r.permissions.size()));
  for (const auto* e : by_key(r.permissions)) {
    const PermissionInfo& p = e->second;
    for (const std::string* s : {&e->first, &p.protection, &p.group, &p.label}) w.text(*s);
    w.flag(p.grantable);
    w.u32(static_cast<uint32_t>(p.added_api));
  }
  w.u32(static_cast<uint32_t>(r.providers.size()));
  for (const auto& p : r.providers)
    for (const std::string* s : {&p.authority, &p.category, &p.read_permission, &p.write_permission, &p.note}) w.text(*s);
  w.u32(static_cast<uint32_t>(r.category_labels.size()));
  for (const auto* e : by_key(r.category_labels)) {
    w.text(e->first);
    w.text(e->second);
  }
  w.u32(static_cast<uint32_t>(r.trackers.size()));
  for (const auto& t : r.trackers) {
    w.u32(static_cast<uint32_t>(t.id));
    for (const std::string* s : {&t.name, &t.website, &t.code_signature, &t.network_signature, &t.documentation}) w.text(*s);
    w.texts(t.categories);
    for (const std::string* s : {&t.owner, &t.country, &t.owner_source, &t.owner_licence, &t.provenance}) w.text(*s);
  }
  w.u32(static_cast<uint32_t>(r.packers.size()));
  for (const auto& p : r.packers) {
    for (const std::string* s : {&p.id, &p.name, &p.vendor_country}) w.text(*s);
    w.texts(p.classes);
    w.texts(p.libraries);
  }
  // The lookups, as built, so that a cached load only reads (they are built by the JSON parse alone).
  w.u32(static_cast<uint32_t>(r.classes.size()));
  for (const auto* c : by_key(r.classes)) {
    w.text(c->first);
    w.u32(static_cast<uint32_t>(c->second.by_member.size()));
    for (const auto* m : by_key(c->second.by_member)) {
      w.text(m->first);
      w.indices(m->second.api_members);
      w.indices(m->second.permission_mappings);
    }
    write_index_map(w, c->second.any_overload);
  }
  w.u32(static_cast<uint32_t>(r.framework_supertypes.size()));
  for (const auto* e : by_key(r.framework_supertypes)) {
    w.text(e->first);
    w.texts(e->second);
  }
  write_index_map(w, r.constant_strings);
  w.u32(static_cast<uint32_t>(r.provider_by_authority.size()));
  for (const auto* e : by_key(r.provider_by_authority)) {
    w.text(e->first);
    w.u32(e->second);
  }
  w.indices(r.prefix_rules);
  return w.take();
}

CodeRules code_rules_from_cache_bytes(std::string_view bytes) {
  CacheReader r(bytes);
  if (r.text() != kFormat) throw std::runtime_error("other cache format");
  CodeRules out;
  out.apis.resize(r.count());
  for (auto& a : out.apis) {
    for (std::string* s : {&a.id, &a.category, &a.subcategory, &a.scope, &a.why}) *s = r.text();
    a.permissions = r.texts();
    a.package_prefix = r.text();
    a.requires_string = read_conditions(r);
    a.provenance_source = r.text();
    a.provenance_licence = r.text();
  }
  out.members.resize(r.count());
  for (auto& m : out.members) {
    m.rule = r.index(out.apis.size());
    m.descriptor = r.text();
    m.subcategory = r.text();
    m.field = r.flag();
    m.requires_string = read_conditions(r);
    m.sdk36_all_of = r.texts();
    m.sdk36_any_of = r.texts();
    m.sdk36_conditional = r.flag();
    m.constant_value = r.text();
  }
  out.mappings.resize(r.count());
  for (auto& m : out.mappings) {
    m.descriptor = r.text();
    m.all_of = r.texts();
    m.any_of = r.texts();
    m.conditional = r.flag();
    m.low_confidence = r.flag();
    m.source = r.text();
  }
  for (uint32_t n = r.count(); n; --n) {
    std::string name = r.text();
    PermissionInfo p;
    for (std::string* s : {&p.protection, &p.group, &p.label}) *s = r.text();
    p.grantable = r.flag();
    p.added_api = static_cast<int>(r.u32());
    out.permissions[std::move(name)] = std::move(p);
  }
  out.providers.resize(r.count());
  for (auto& p : out.providers)
    for (std::string* s : {&p.authority, &p.category, &p.read_permission, &p.write_permission, &p.note}) *s = r.text();
  for (uint32_t n = r.count(); n; --n) {
    std::string category = r.text();
    out.category_labels[std::move(category)] = r.text();
  }
  out.trackers.resize(r.count());
  for (auto& t : out.trackers) {
    t.id = static_cast<int>(r.u32());
    for (std::string* s : {&t.name, &t.website, &t.code_signature, &t.network_signature, &t.documentation}) *s = r.text();
    t.categories = r.texts();
    for (std::string* s : {&t.owner, &t.country, &t.owner_source, &t.owner_licence, &t.provenance}) *s = r.text();
  }
  out.packers.resize(r.count());
  for (auto& p : out.packers) {
    for (std::string* s : {&p.id, &p.name, &p.vendor_country}) *s = r.text();
    p.classes = r.texts();
    p.libraries = r.texts();
  }
  for (uint32_t n = r.count(); n; --n) {
    ClassRules& rules = out.classes[r.text()];
    for (uint32_t k = r.count(); k; --k) {
      MemberTargets& targets = rules.by_member[r.text()];
      targets.api_members = r.indices(out.members.size());
      targets.permission_mappings = r.indices(out.mappings.size());
    }
    rules.any_overload = read_index_map<decltype(rules.any_overload)>(r, out.apis.size());
  }
  for (uint32_t n = r.count(); n; --n) {
    std::string type = r.text();
    out.framework_supertypes[std::move(type)] = r.texts();
  }
  out.constant_strings = read_index_map<decltype(out.constant_strings)>(r, out.members.size());
  for (uint32_t n = r.count(); n; --n) {
    std::string authority = r.text();
    out.provider_by_authority[std::move(authority)] = r.index(out.providers.size());
  }
  out.prefix_rules = r.indices(out.apis.size());
  if (!r.at_end()) throw std::runtime_error("code rules cache: bytes after the rules");
  return out;
}

std::optional<CodeRules> load_cached_code_rules(const std::vector<std::pair<std::string, std::string>>& files) {
  std::optional<std::string> name = identity_key(files, false);
  if (!name) return std::nullopt;
  std::optional<std::string> bytes = read_cache_entry(*name);
  if (!bytes) return std::nullopt;
  try {
    return code_rules_from_cache_bytes(*bytes);
  } catch (const std::exception&) {  // damaged or foreign: the JSON is parsed again
    return std::nullopt;
  }
}

void store_cached_code_rules(const std::vector<std::pair<std::string, std::string>>& files, const CodeRules& rules) {
  if (std::optional<std::string> name = identity_key(files, true)) write_cache_entry(*name, code_rules_to_cache_bytes(rules));
}

}  // namespace apkvet::code
