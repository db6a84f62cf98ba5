#include "rules/rule_cache.h"

#include <simdjson.h>
#include <sys/stat.h>

#include <chrono>

#include "core/data_dir.h"
#include "core/digest.h"
#include "core/json_text.h"
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

// The cache is read with simdjson's DOM parser: nlohmann's parser took ~1 ms of every scan for
// these ~50 KB. Numbers come back with the types nlohmann's parser gives them (a non-negative
// integer is unsigned), so a cached rule set is the same value as a parsed one.
Json to_nlohmann(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      Json a = Json::array();
      for (simdjson::dom::element x : e.get_array()) a.push_back(to_nlohmann(x));
      return a;
    }
    case simdjson::dom::element_type::OBJECT: {
      Json o = Json::object();
      for (simdjson::dom::key_value_pair kv : e.get_object()) o[std::string(kv.key)] = to_nlohmann(kv.value);
      return o;
    }
    case simdjson::dom::element_type::INT64: {
      int64_t v = e.get_int64();
      return v >= 0 ? Json(static_cast<uint64_t>(v)) : Json(v);
    }
    case simdjson::dom::element_type::UINT64: return Json(uint64_t(e.get_uint64()));
    case simdjson::dom::element_type::DOUBLE: return Json(double(e.get_double()));
    case simdjson::dom::element_type::STRING: return Json(std::string(std::string_view(e.get_string())));
    case simdjson::dom::element_type::BOOL: return Json(bool(e.get_bool()));
    case simdjson::dom::element_type::NULL_VALUE: return Json(nullptr);
  }
  throw std::runtime_error("unknown JSON type in the rules cache");
}

std::string text_of(simdjson::dom::element e) { return std::string(std::string_view(e.get_string())); }

Condition condition_from_json(simdjson::dom::object j) {
  Condition c;
  c.kind = static_cast<Condition::Kind>(int64_t(j["k"]));
  c.op = static_cast<Condition::Op>(int64_t(j["o"]));
  c.path = text_of(j["p"]);
  c.operand = to_nlohmann(j["v"]);
  c.count_at_least = double(j["n"]);
  simdjson::dom::array children;
  if (j["c"].get(children) == simdjson::SUCCESS)
    for (simdjson::dom::element k : children) c.children.push_back(condition_from_json(k.get_object()));
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

namespace {

RuleSet rule_set_from_padded(simdjson::padded_string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::object j = parser.parse(text.data(), text.length(), false).get_object();
  if (std::string_view(j["format"]) != kFormat) throw std::runtime_error("other cache format");
  RuleSet set;
  set.version = text_of(j["version"]);
  for (simdjson::dom::element e : j["rules"].get_array()) {
    simdjson::dom::object r = e.get_object();
    Rule rule;
    rule.id = text_of(r["id"]);
    rule.title = text_of(r["title"]);
    rule.axis = static_cast<Axis>(int64_t(r["axis"]));
    rule.severity = static_cast<Severity>(int64_t(r["severity"]));
    rule.when = condition_from_json(r["when"].get_object());
    rule.rationale = text_of(r["rationale"]);
    for (simdjson::dom::element ref : r["references"].get_array()) rule.references.push_back(text_of(ref));
    rule.source = text_of(r["source"]);
    set.rules.push_back(std::move(rule));
  }
  return set;
}

// A cache entry parsed in place from its memory map; nullopt when it is missing or malformed
// (damaged or foreign: the YAML is parsed again).
std::optional<RuleSet> read_cached_rule_set(const std::string& name) {
  std::string path = cache_entry_path(name);
  if (path.empty()) return std::nullopt;
  try {
    JsonText text(path);
    return rule_set_from_padded(text.view());
  } catch (const std::exception&) {  // simdjson_error too
    return std::nullopt;
  }
}

}  // namespace

RuleSet rule_set_from_json_text(std::string_view text) { return rule_set_from_padded(simdjson::padded_string(text)); }

std::optional<RuleSet> load_cached_rules(const std::string& all_text) {
  return read_cached_rule_set(cache_entry_name(all_text));
}

void store_cached_rules(const std::string& all_text, const RuleSet& set) {
  write_cache_entry(cache_entry_name(all_text), rule_set_to_json(set).dump());
}

namespace {

constexpr int64_t kSettledNs = 2'000'000'000;  // files changed more recently are not trusted by identity

std::string identity_entry_name(const std::vector<RuleFileIdentity>& files) {
  std::string key = std::string(kFormat) + "\nidentity\n" + APKVET_VERSION + "\n";
  for (const auto& f : files)
    key += f.shown + "\n" + std::to_string(f.device) + " " + std::to_string(f.inode) + " " + std::to_string(f.size) +
           " " + std::to_string(f.modified_ns) + " " + std::to_string(f.changed_ns) + "\n";
  return "rules-files-" + sha256_hex(key) + ".txt";
}

}  // namespace

std::vector<RuleFileIdentity> rule_file_identities(const std::vector<std::pair<std::string, std::string>>& path_and_shown) {
  std::vector<RuleFileIdentity> out;
  for (const auto& [path, shown] : path_and_shown) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};  // no identity: the content key decides
    out.push_back({shown, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                   static_cast<uint64_t>(st.st_size), int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                   int64_t(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec});
  }
  return out;
}

std::optional<RuleSet> load_cached_rules_by_identity(const std::vector<RuleFileIdentity>& files) {
  if (files.empty()) return std::nullopt;
  std::optional<std::string> content_entry = read_cache_entry(identity_entry_name(files));
  if (!content_entry || content_entry->rfind("rules-", 0) != 0 || content_entry->find('/') != std::string::npos)
    return std::nullopt;
  return read_cached_rule_set(*content_entry);
}

void remember_rule_files(const std::vector<RuleFileIdentity>& files, const std::string& all_text) {
  if (files.empty()) return;
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& f : files)
    if (f.modified_ns > now - kSettledNs || f.changed_ns > now - kSettledNs) return;  // not settled yet
  write_cache_entry(identity_entry_name(files), cache_entry_name(all_text));
}

}  // namespace apkvet::rules
