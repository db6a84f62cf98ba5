#include "rules/rule_cache.h"

#include <cstring>

#include "core/cache_form.h"
#include "core/data_dir.h"
#include "core/digest.h"
#include "version.h"

namespace apkvet::rules {
namespace {

// The cache's own binary form: every field in order, little-endian integers, length-prefixed
// strings. Read straight into a RuleSet: as JSON text it needed simdjson (a shared C++ library, so
// libstdc++ too, at every start), and through nlohmann's CBOR reader ~4 M instructions, as long as
// the rest of a small scan. Bump kFormat when the form changes; anything malformed reads as no cache.
constexpr std::string_view kFormat = "apkvet-rules-cache-4\n";
constexpr int kMaxDepth = 64;  // of nested conditions and operand values in a damaged entry

enum class ValueTag : uint8_t { null, boolean_false, boolean_true, unsigned_int, signed_int, real, string, array, object };

// The rule set's own parts (JSON operand values, condition trees) over the common form.
class RuleCacheWriter : public CacheWriter {
 public:
  void real(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    u64(bits);
  }
  void value(const Json& j) {
    switch (j.type()) {
      case Json::value_t::boolean: return u8(uint8_t(j.get<bool>() ? ValueTag::boolean_true : ValueTag::boolean_false));
      case Json::value_t::number_unsigned: return u8(uint8_t(ValueTag::unsigned_int)), u64(j.get<uint64_t>());
      case Json::value_t::number_integer:
        return u8(uint8_t(ValueTag::signed_int)), u64(static_cast<uint64_t>(j.get<int64_t>()));
      case Json::value_t::number_float: return u8(uint8_t(ValueTag::real)), real(j.get<double>());
      case Json::value_t::string: return u8(uint8_t(ValueTag::string)), text(j.get_ref<const std::string&>());
      case Json::value_t::array:
        u8(uint8_t(ValueTag::array));
        u32(static_cast<uint32_t>(j.size()));
        for (const Json& x : j) value(x);
        return;
      case Json::value_t::object:
        u8(uint8_t(ValueTag::object));
        u32(static_cast<uint32_t>(j.size()));
        for (const auto& [k, x] : j.items()) text(k), value(x);
        return;
      default: return u8(uint8_t(ValueTag::null));
    }
  }
  void condition(const Condition& c) {
    u8(static_cast<uint8_t>(c.kind));
    u8(static_cast<uint8_t>(c.op));
    text(c.path);
    value(c.operand);
    real(c.count_at_least);
    u32(static_cast<uint32_t>(c.children.size()));
    for (const auto& k : c.children) condition(k);
  }
};

class RuleCacheReader : public CacheReader {
 public:
  using CacheReader::CacheReader;
  double real() {
    uint64_t bits = u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  Json value(int depth = 0) {
    if (depth > kMaxDepth) throw std::runtime_error("rules cache: values nested too deep");
    switch (static_cast<ValueTag>(u8())) {
      case ValueTag::null: return nullptr;
      case ValueTag::boolean_false: return false;
      case ValueTag::boolean_true: return true;
      case ValueTag::unsigned_int: return u64();
      case ValueTag::signed_int: return static_cast<int64_t>(u64());
      case ValueTag::real: return real();
      case ValueTag::string: return text();
      case ValueTag::array: {
        Json a = Json::array();
        for (uint32_t n = count(); n; --n) a.push_back(value(depth + 1));
        return a;
      }
      case ValueTag::object: {
        Json o = Json::object();
        for (uint32_t n = count(); n; --n) {
          std::string key = text();
          o[key] = value(depth + 1);
        }
        return o;
      }
    }
    throw std::runtime_error("rules cache: unknown value tag");
  }
  Condition condition(int depth = 0) {
    if (depth > kMaxDepth) throw std::runtime_error("rules cache: conditions nested too deep");
    Condition c;
    c.kind = enumerator(Condition::Kind::count);
    c.op = enumerator(Condition::Op::contains);
    c.set_path(text());
    c.operand = value();
    c.count_at_least = real();
    for (uint32_t n = count(); n; --n) c.children.push_back(condition(depth + 1));
    // The shapes the YAML reader makes and evaluation relies on: "not" negates exactly one condition.
    if (c.kind == Condition::Kind::not_ && c.children.size() != 1)
      throw std::runtime_error("rules cache: a 'not' without exactly one condition");
    if (c.kind == Condition::Kind::predicate && c.op == Condition::Op::matches) {
      re2::RE2::Options options;
      options.set_log_errors(false);
      c.regex = std::make_shared<re2::RE2>(c.operand.get<std::string>(), options);
      if (!c.regex->ok()) throw std::runtime_error("cached rule has a bad regular expression");
    }
    return c;
  }
};

std::string rule_set_to_bytes(const RuleSet& set) {
  RuleCacheWriter w;
  w.text(kFormat);
  w.text(set.version);
  w.u32(static_cast<uint32_t>(set.rules.size()));
  for (const auto& r : set.rules) {
    w.text(r.id);
    w.text(r.title);
    w.u8(static_cast<uint8_t>(r.axis));
    w.u8(static_cast<uint8_t>(r.severity));
    w.flag(r.scored);
    w.condition(r.when);
    w.text(r.rationale);
    w.texts(r.references);
    w.text(r.source);
  }
  return w.take();
}

RuleSet rule_set_from_bytes(std::string_view bytes) {
  RuleCacheReader r(bytes);
  if (r.text() != kFormat) throw std::runtime_error("other cache format");
  RuleSet set;
  set.version = r.text();
  for (uint32_t n = r.count(); n; --n) {
    Rule rule;
    rule.id = r.text();
    rule.title = r.text();
    rule.axis = r.enumerator(Axis::hygiene);
    rule.severity = r.enumerator(Severity::critical);
    rule.scored = r.flag();
    rule.when = r.condition();
    rule.rationale = r.text();
    rule.references = r.texts();
    rule.source = r.text();
    set.rules.push_back(std::move(rule));
  }
  if (!r.at_end()) throw std::runtime_error("rules cache: bytes after the rule set");
  return set;
}

std::string cache_entry_name(const std::string& all_text) {
  return "rules-" + sha256_hex(std::string(kFormat) + APKVET_VERSION + "\n" + all_text) + ".bin";
}

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

// A cache entry read back; nullopt when it is missing or malformed (damaged or foreign: the YAML is
// parsed again).
std::optional<RuleSet> read_cached_rule_set(const std::string& name) {
  std::optional<std::string> bytes = read_cache_entry(name);
  if (!bytes) return std::nullopt;
  try {
    return rule_set_from_bytes(*bytes);
  } catch (const std::exception&) {  // ParseError too
    return std::nullopt;
  }
}

}  // namespace

Json rule_set_to_json(const RuleSet& set) {
  Json rules = Json::array();
  for (const auto& r : set.rules)
    rules.push_back({{"id", r.id}, {"title", r.title}, {"axis", static_cast<int>(r.axis)},
                     {"severity", static_cast<int>(r.severity)}, {"scored", r.scored}, {"when", condition_to_json(r.when)},
                     {"rationale", r.rationale}, {"references", r.references}, {"source", r.source}});
  return {{"version", set.version}, {"rules", rules}};
}

RuleSet rule_set_from_cache_bytes(std::string_view bytes) { return rule_set_from_bytes(bytes); }
std::string rule_set_to_cache_bytes(const RuleSet& set) { return rule_set_to_bytes(set); }

std::optional<RuleSet> load_cached_rules(const std::string& all_text) {
  return read_cached_rule_set(cache_entry_name(all_text));
}

void store_cached_rules(const std::string& all_text, const RuleSet& set) {
  write_cache_entry(cache_entry_name(all_text), rule_set_to_bytes(set));
}

namespace {

std::string identity_entry_name(const std::vector<RuleFileIdentity>& files) {
  std::string key = std::string(kFormat) + "identity\n" + APKVET_VERSION + "\n";
  for (const auto& f : files) key += f.shown + "\n" + to_string(f.id) + "\n";
  return "rules-files-" + sha256_hex(key) + ".txt";
}

}  // namespace

std::vector<RuleFileIdentity> rule_file_identities(const std::vector<std::pair<std::string, std::string>>& path_and_shown) {
  std::vector<RuleFileIdentity> out;
  for (const auto& [path, shown] : path_and_shown) {
    std::optional<FileIdentity> id = file_identity(path);
    if (!id) return {};  // no identity: the content key decides
    out.push_back({shown, *id});
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
  for (const auto& f : files)
    if (!settled(f.id)) return;
  write_cache_entry(identity_entry_name(files), cache_entry_name(all_text));
}

}  // namespace apkvet::rules
