#include "resources/network_security.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "axml/axml_decoder.h"

namespace apkvet {
namespace {

constexpr int kApiM = 23, kApiP = 28;

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

// A boolean attribute as XmlPullParser.getAttributeBooleanValue reads a compiled one: booleans and
// integers (non-zero is true); anything else leaves the default.
std::optional<bool> parse_bool(const pugi::xml_attribute& a) {
  if (!a) return std::nullopt;
  std::string v = lower(trim(a.value()));
  if (v == "true") return true;
  if (v == "false") return false;
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 0);
  if (end && *end == 0) return n != 0;
  return std::nullopt;
}

// SimpleDateFormat("yyyy-MM-dd") with setLenient(false): parses a prefix, rejects impossible dates.
std::optional<std::string> parse_date(const std::string& s) {
  int y = 0, m = 0, d = 0, used = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d%n", &y, &m, &d, &used) != 3 || y < 0 || m < 1 || m > 12 || d < 1) return std::nullopt;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > days[m - 1] + (m == 2 && leap)) return std::nullopt;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return std::string(buf);
}

size_t base64_length(const std::string& s, bool& ok) {
  size_t n = 0, pad = 0;
  ok = true;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') {
      if (pad) ok = false;
      ++n;
    } else if (c == '=') {
      ++pad;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      ok = false;
    }
  }
  if ((n + pad) % 4 == 1 || pad > 2) ok = false;
  return n * 3 / 4;
}

std::optional<uint32_t> parse_reference(const std::string& v, const ResourceTable* table) {
  if (v.size() < 2 || v[0] != '@') return std::nullopt;
  if (v.rfind("@0x", 0) == 0 || std::isxdigit(static_cast<unsigned char>(v[1]))) {
    char* end = nullptr;
    unsigned long id = std::strtoul(v.c_str() + 1, &end, 16);
    if (end && *end == 0 && id <= 0xffffffffu) return uint32_t(id);
    return std::nullopt;
  }
  size_t slash = v.find('/');
  if (!table || slash == std::string::npos) return std::nullopt;
  return table->find_id(0x7f, v.substr(1, slash - 1), v.substr(slash + 1));
}

// A configuration as Android's NetworkSecurityConfig.Builder holds it before inheritance.
struct Builder {
  std::string kind, path;
  int parent = -1;
  std::optional<bool> cleartext;
  std::optional<std::vector<NscCertificates>> anchors;
  std::optional<NscPinSet> pins;
  std::vector<NscDomain> domains;
  Evidence evidence;
};

class Interpreter {
 public:
  Interpreter(const std::string& file, const NetworkSecurityInputs& in, AnomalySink& sink, const ResourceTable* table,
              NetworkSecurityFacts& f)
      : file_(file), in_(in), sink_(sink), table_(table), f_(f) {}

  void run(const pugi::xml_document& doc, const pugi::xml_document* debug_doc, const std::string& debug_file) {
    Builder platform;
    platform.kind = "platform-default";
    platform.cleartext = in_.target_sdk < kApiP;
    std::vector<NscCertificates> anchors{{"system", std::nullopt, false, false, {in_.manifest_file, "platform default", "system"}}};
    if (in_.target_sdk <= kApiM)
      anchors.push_back({"user", std::nullopt, false, false,
                         {in_.manifest_file, "platform default", "user (targetSdkVersion " + std::to_string(in_.target_sdk) + " <= 23)"}});
    platform.anchors = anchors;
    platform.evidence = {in_.manifest_file, "platform default", "targetSdkVersion " + std::to_string(in_.target_sdk)};
    builders_.push_back(platform);

    pugi::xml_node root = doc.first_child();
    while (root && root.type() != pugi::node_element) root = root.next_sibling();
    if (!root || std::string(root.name()) != "network-security-config") {
      error(std::string("root element is <") + (root ? root.name() : "") + ">, not <network-security-config>", "");
    } else {
      walk_root(root, file_, false);
    }
    if (in_.debuggable && !debug_seen_ && debug_doc) {
      pugi::xml_node droot = debug_doc->child("network-security-config");
      if (droot) walk_root(droot, debug_file, true);
    }
    finish();
  }

 private:
  void error(const std::string& message, const std::string& path, const std::string& file = "") {
    f_.config_valid = false;
    f_.config_errors.push_back(path.empty() ? message : path + ": " + message);
    sink_.add("nsc.invalid_config", Severity::medium,
              "network security config is invalid (Android's parser throws, the app fails to load it): " + message,
              {file.empty() ? file_ : file, path, ""});
  }

  static std::string child_path(const std::string& parent, const pugi::xml_node& n) {
    size_t index = 1;
    for (auto s = n.previous_sibling(n.name()); s; s = s.previous_sibling(n.name())) ++index;
    return (parent.empty() ? "" : parent + "/") + n.name() + "[" + std::to_string(index) + "]";
  }

  void walk_root(const pugi::xml_node& root, const std::string& file, bool debug_resource) {
    bool base_seen = false;
    std::string root_path = root.name();
    for (pugi::xml_node n : root.children()) {
      if (n.type() != pugi::node_element) continue;
      std::string name = n.name(), path = child_path(root_path, n);
      if (debug_resource) {  // only debug-overrides are read from the _debug resource
        if (name == "debug-overrides" && !debug_seen_) parse_entry(n, path, file, -1, "debug-overrides");
        if (name == "debug-overrides") debug_seen_ = true;
        continue;
      }
      if (name == "base-config") {
        if (base_seen) error("only one base-config allowed", path);
        else base_ = parse_entry(n, path, file, 0, "base-config");
        base_seen = true;
      } else if (name == "domain-config") {
        parse_entry(n, path, file, -1, "domain-config");
      } else if (name == "debug-overrides") {
        if (debug_seen_) error("only one debug-overrides allowed", path);
        else parse_entry(n, path, file, -1, "debug-overrides");
        debug_seen_ = true;
      }
    }
  }

  // Returns the builder index. `parent` -1: set later (base-config, or none for debug-overrides).
  int parse_entry(const pugi::xml_node& n, const std::string& path, const std::string& file, int parent,
                  const std::string& kind) {
    int self = int(builders_.size());
    builders_.push_back({});
    {
      Builder& b = builders_[self];
      b.kind = kind;
      b.path = path;
      b.parent = parent;
      b.evidence = {file, path, ""};
      if (kind != "debug-overrides") b.cleartext = parse_bool(n.attribute("cleartextTrafficPermitted"));
      if (b.cleartext) b.evidence.value = std::string("cleartextTrafficPermitted=") + (*b.cleartext ? "true" : "false");
    }
    if (kind == "debug-overrides") debug_ = self;
    bool anchors_seen = false, pins_seen = false;
    for (pugi::xml_node c : n.children()) {
      if (c.type() != pugi::node_element) continue;
      std::string name = c.name(), cpath = child_path(path, c);
      if (name == "domain") {
        if (kind != "domain-config") {
          error("domain element not allowed in " + kind, cpath);
          continue;
        }
        parse_domain(c, cpath, file, self);
      } else if (name == "trust-anchors") {
        if (anchors_seen) {
          error("multiple trust-anchors elements not allowed", cpath);
          continue;
        }
        anchors_seen = true;
        builders_[self].anchors = parse_anchors(c, cpath, file, kind == "debug-overrides");
      } else if (name == "pin-set") {
        if (kind != "domain-config") {
          error("pin-set element not allowed in " + kind, cpath);
          continue;
        }
        if (pins_seen) {
          error("multiple pin-set elements not allowed", cpath);
          continue;
        }
        pins_seen = true;
        builders_[self].pins = parse_pins(c, cpath, file);
      } else if (name == "domain-config") {
        if (kind != "domain-config") {
          error("nested domain-config not allowed in " + kind, cpath);
          continue;
        }
        parse_entry(c, cpath, file, self, "domain-config");
      }
      // Other elements are skipped, as XmlUtils.skipCurrentTag does.
    }
    if (kind == "domain-config" && builders_[self].domains.empty()) error("no domain elements in domain-config", path);
    return self;
  }

  void parse_domain(const pugi::xml_node& c, const std::string& path, const std::string& file, int self) {
    NscDomain d;
    d.include_subdomains = parse_bool(c.attribute("includeSubdomains")).value_or(false);
    for (pugi::xml_node ch : c.children())
      if (ch.type() == pugi::node_element) {
        error("domain contains additional elements", path);
        break;
      }
    pugi::xml_node text = c.first_child();
    if (!text || (text.type() != pugi::node_pcdata && text.type() != pugi::node_cdata)) {
      error("domain name missing", path);
      return;
    }
    d.name = lower(trim(text.value()));
    d.evidence = {file, path, d.name + (d.include_subdomains ? " (includeSubdomains)" : "")};
    if (!seen_domains_.insert(d.name).second) error("duplicate domain name " + d.name, path);
    builders_[self].domains.push_back(d);
  }

  std::vector<NscCertificates> parse_anchors(const pugi::xml_node& n, const std::string& path, const std::string& file,
                                             bool debug) {
    std::vector<NscCertificates> out;
    for (pugi::xml_node c : n.children("certificates")) {
      std::string cpath = child_path(path, c);
      NscCertificates cert;
      cert.override_pins = parse_bool(c.attribute("overridePins")).value_or(debug);
      cert.from_debug_overrides = debug;
      pugi::xml_attribute src = c.attribute("src");
      std::string value = trim(src.value());
      cert.evidence = {file, cpath, "src=" + value + (cert.override_pins ? " overridePins=true" : "")};
      if (!src) {
        error("certificates element missing src attribute", cpath);
        continue;
      }
      if (value.size() > 1 && value[0] == '@') {  // a certificate resource (@raw/..., or @0x7f.. compiled)
        cert.source = value;
        auto id = parse_reference(value, table_);
        if (id && table_) {
          cert.file = table_->file_path(*id);
          if (auto nm = table_->resource_name(*id)) cert.evidence.value += " (" + *nm + ")";
        }
      } else if (value == "system" || value == "user") {
        cert.source = value;
      } else {
        error("unknown certificates src " + value + " (should be system, user or a resource)", cpath);
        continue;
      }
      out.push_back(cert);
    }
    return out;
  }

  NscPinSet parse_pins(const pugi::xml_node& n, const std::string& path, const std::string& file) {
    NscPinSet set;
    set.evidence = {file, path, ""};
    if (pugi::xml_attribute e = n.attribute("expiration")) {
      auto date = parse_date(e.value());
      if (!date) {
        error(std::string("invalid expiration date in pin-set: ") + e.value(), path);
      } else {
        set.expiration = *date;
        set.expired = !in_.scan_date.empty() && in_.scan_date >= *date;
        set.evidence.value = "expiration=" + *date;
      }
    }
    for (pugi::xml_node p : n.children("pin")) {
      std::string ppath = child_path(path, p);
      std::string algorithm = p.attribute("digest").value();
      if (algorithm != "SHA-256") {
        error("unsupported pin digest algorithm: " + algorithm, ppath);
        continue;
      }
      std::string digest = trim(p.child_value());
      bool ok = false;
      size_t bytes = base64_length(digest, ok);
      if (digest.empty() || !ok || bytes != 32) {
        error("invalid SHA-256 pin digest " + digest, ppath);
        continue;
      }
      set.pins.push_back({algorithm, digest});
    }
    return set;
  }

  // Inheritance, as Builder.getEffective*: own value, else the parent's, else the platform's.
  template <typename Get>
  int owner_of(int b, Get get) const {
    for (int i = b; i >= 0; i = builders_[i].parent)
      if (get(builders_[i])) return i;
    return -1;
  }

  NscConfig effective(int b) const {
    const Builder& self = builders_[b];
    NscConfig c;
    c.kind = self.kind;
    c.path = self.path;
    c.domains = self.domains;
    c.cleartext_declared = self.cleartext;
    c.evidence = self.evidence;
    int cl = owner_of(b, [](const Builder& x) { return x.cleartext.has_value(); });
    c.cleartext_permitted = cl >= 0 ? *builders_[cl].cleartext : true;
    c.cleartext_source = cl > 0 ? builders_[cl].path : "platform default for " + builders_[0].evidence.value;
    int an = owner_of(b, [](const Builder& x) { return x.anchors.has_value(); });
    if (an >= 0) c.trust_anchors = *builders_[an].anchors;
    for (const auto& a : c.trust_anchors) c.trusts_user_cas |= a.source == "user";
    int pn = owner_of(b, [](const Builder& x) { return x.pins.has_value(); });
    if (pn >= 0) c.pin_set = builders_[pn].pins;
    return c;
  }

  void finish() {
    // Parents: the base-config (or the platform defaults) for top-level domain-configs and the base.
    int base = base_ >= 0 ? base_ : 0;
    for (size_t i = 1; i < builders_.size(); ++i) {
      Builder& b = builders_[i];
      if (b.kind == "base-config") b.parent = 0;
      else if (b.kind == "domain-config" && b.parent < 0) b.parent = base;
    }
    f_.base = effective(base);
    if (base_ < 0) f_.base.kind = "platform-default";
    for (size_t i = 1; i < builders_.size(); ++i)
      if (builders_[i].kind == "domain-config") f_.domain_configs.push_back(effective(int(i)));
    if (debug_ >= 0) {
      NscConfig d;
      d.kind = "debug-overrides";
      d.path = builders_[debug_].path;
      d.evidence = builders_[debug_].evidence;
      if (builders_[debug_].anchors) d.trust_anchors = *builders_[debug_].anchors;
      for (const auto& a : d.trust_anchors) d.trusts_user_cas |= a.source == "user";
      f_.debug_overrides = d;
      f_.debug_overrides_apply = in_.debuggable && !d.trust_anchors.empty();
    }
  }

  const std::string& file_;
  const NetworkSecurityInputs& in_;
  AnomalySink& sink_;
  const ResourceTable* table_;
  NetworkSecurityFacts& f_;
  std::vector<Builder> builders_;
  std::set<std::string> seen_domains_;
  int base_ = -1, debug_ = -1;
  bool debug_seen_ = false;
};

void derive(NetworkSecurityFacts& f) {
  f.cleartext_permitted_globally = f.base.cleartext_permitted;
  f.user_ca_trusted = f.base.trusts_user_cas;
  if (f.base.trusts_user_cas) f.user_ca_domains.push_back("*");
  for (const auto& c : f.domain_configs) {
    for (const auto& d : c.domains) (c.cleartext_permitted ? f.cleartext_domains : f.cleartext_denied_domains).push_back(d);
    if (c.trusts_user_cas) {
      f.user_ca_trusted = true;
      for (const auto& d : c.domains) f.user_ca_domains.push_back(d.name);
    }
    if (c.pin_set && !c.domains.empty()) {
      NscPinning p;
      for (const auto& d : c.domains) p.domains.push_back(d.name);
      p.expiration = c.pin_set->expiration;
      p.expired = c.pin_set->expired;
      p.pins = c.pin_set->pins.size();
      for (const auto& a : c.trust_anchors) p.overridable |= a.override_pins;
      p.evidence = c.pin_set->evidence;
      f.has_expired_pins |= p.expired;
      f.pins.push_back(p);
    }
  }
  f.user_ca_trusted_debug_only = !f.user_ca_trusted && f.debug_overrides && f.debug_overrides->trusts_user_cas;
  auto by_name = [](const NscDomain& a, const NscDomain& b) { return a.name < b.name; };
  std::sort(f.cleartext_domains.begin(), f.cleartext_domains.end(), by_name);
  std::sort(f.cleartext_denied_domains.begin(), f.cleartext_denied_domains.end(), by_name);
  std::sort(f.user_ca_domains.begin(), f.user_ca_domains.end());
  f.user_ca_domains.erase(std::unique(f.user_ca_domains.begin(), f.user_ca_domains.end()), f.user_ca_domains.end());
}

NetworkSecurityFacts start(const NetworkSecurityInputs& in) {
  NetworkSecurityFacts f;
  f.target_sdk = in.target_sdk;
  f.debuggable = in.debuggable;
  f.uses_cleartext_traffic = in.uses_cleartext_traffic;
  return f;
}

// Without a config: DefaultConfigSource, cleartext from usesCleartextTraffic (default: targetSdk < 28).
void apply_defaults(NetworkSecurityFacts& f, const NetworkSecurityInputs& in) {
  NscConfig& b = f.base;
  b.kind = "platform-default";
  b.path = "";
  bool declared = in.uses_cleartext_traffic.has_value();
  b.cleartext_permitted = in.uses_cleartext_traffic.value_or(in.target_sdk < kApiP);
  b.cleartext_source = declared ? "manifest/application android:usesCleartextTraffic"
                                : "platform default for targetSdkVersion " + std::to_string(in.target_sdk);
  b.evidence = {in.manifest_file, declared ? "manifest/application" : "manifest/uses-sdk",
                declared ? std::string("android:usesCleartextTraffic=") + (*in.uses_cleartext_traffic ? "true" : "false")
                         : "targetSdkVersion " + std::to_string(in.target_sdk)};
  b.trust_anchors = {{"system", std::nullopt, false, false, b.evidence}};
  if (in.target_sdk <= kApiM) b.trust_anchors.push_back({"user", std::nullopt, false, false, b.evidence});
  b.trusts_user_cas = in.target_sdk <= kApiM;
  derive(f);
}

}  // namespace

void to_json(Json& j, const NscDomain& d) {
  j = Json{{"name", d.name}, {"include_subdomains", d.include_subdomains}, {"evidence", d.evidence}};
}

void to_json(Json& j, const NscCertificates& c) {
  j = Json{{"source", c.source}, {"override_pins", c.override_pins}, {"evidence", c.evidence}};
  if (c.file) j["file"] = *c.file;
  if (c.from_debug_overrides) j["debug_overrides"] = true;
}

void to_json(Json& j, const NscConfig& c) {
  j = Json{{"kind", c.kind}, {"path", c.path}, {"cleartext_permitted", c.cleartext_permitted},
           {"cleartext_source", c.cleartext_source}, {"trust_anchors", c.trust_anchors},
           {"trusts_user_cas", c.trusts_user_cas}, {"evidence", c.evidence}};
  if (!c.domains.empty()) j["domains"] = c.domains;
  if (c.cleartext_declared) j["cleartext_declared"] = *c.cleartext_declared;
  if (c.pin_set) {
    Json pins = Json::array();
    for (const auto& p : c.pin_set->pins) pins.push_back({{"digest_algorithm", p.digest_algorithm}, {"digest", p.digest}});
    j["pin_set"] = {{"pins", pins}, {"expired", c.pin_set->expired}, {"evidence", c.pin_set->evidence}};
    if (c.pin_set->expiration) j["pin_set"]["expiration"] = *c.pin_set->expiration;
  }
}

void to_json(Json& j, const NetworkSecurityFacts& f) {
  Json pins = Json::array();
  for (const auto& p : f.pins) {
    Json o{{"domains", p.domains}, {"expired", p.expired}, {"pins", p.pins}, {"overridable", p.overridable},
           {"evidence", p.evidence}};
    if (p.expiration) o["expiration"] = *p.expiration;
    pins.push_back(o);
  }
  j = Json{{"source", f.source},
           {"target_sdk", f.target_sdk},
           {"debuggable", f.debuggable},
           {"config_valid", f.config_valid},
           {"base", f.base},
           {"domain_configs", f.domain_configs},
           {"debug_overrides_apply", f.debug_overrides_apply},
           {"cleartext_permitted_globally", f.cleartext_permitted_globally},
           {"cleartext_domains", f.cleartext_domains},
           {"cleartext_denied_domains", f.cleartext_denied_domains},
           {"user_ca_trusted", f.user_ca_trusted},
           {"user_ca_domains", f.user_ca_domains},
           {"user_ca_trusted_debug_only", f.user_ca_trusted_debug_only},
           {"pins", pins},
           {"has_expired_pins", f.has_expired_pins}};
  if (f.uses_cleartext_traffic) j["uses_cleartext_traffic"] = *f.uses_cleartext_traffic;
  if (f.config_resource) j["config_resource"] = *f.config_resource;
  if (!f.config.file.empty()) j["config"] = f.config;
  if (!f.config_errors.empty()) j["config_errors"] = f.config_errors;
  if (f.debug_overrides) j["debug_overrides"] = *f.debug_overrides;
}

NetworkSecurityFacts interpret_network_security_config(const pugi::xml_document& doc, const std::string& file,
                                                       const NetworkSecurityInputs& in, AnomalySink& anomalies,
                                                       const ResourceTable* table, const pugi::xml_document* debug_doc,
                                                       const std::string& debug_file) {
  NetworkSecurityFacts f = start(in);
  f.source = "network-security-config";
  f.config = {file, "network-security-config", ""};
  Interpreter(file, in, anomalies, table, f).run(doc, debug_doc, debug_file);
  derive(f);
  return f;
}

NetworkSecurityFacts analyze_network_security(const AppPackage& app, const ResourceTable* table,
                                              const NetworkSecurityInputs& in, AnomalySink& anomalies) {
  NetworkSecurityFacts f = start(in);
  if (!in.config_resource) {
    apply_defaults(f, in);
    return f;
  }
  char ref[16];
  std::snprintf(ref, sizeof ref, "@0x%08x", *in.config_resource);
  std::optional<std::string> name = table ? table->resource_name(*in.config_resource) : std::nullopt;
  std::string reference = ref + (name ? " (" + *name + ")" : std::string());
  auto invalid = [&](const char* id, const std::string& why) {
    anomalies.add(id, Severity::medium, why, {in.manifest_file, "manifest/application", "android:networkSecurityConfig=" + reference});
    apply_defaults(f, in);
    f.source = "network-security-config";
    f.config_resource = reference;
    f.config_valid = false;
    f.config_errors.push_back(why);
    return f;
  };
  std::optional<std::string> path = table ? table->file_path(*in.config_resource) : std::nullopt;
  if (!path) return invalid("nsc.unresolved", "networkSecurityConfig does not resolve to a file in resources.arsc");
  const ApkPart& base = app.base();
  auto bytes = base.zip->read(*path);
  if (!bytes) return invalid("nsc.missing_file", "networkSecurityConfig names " + *path + ", which the APK does not hold");
  std::string file = base.evidence_path(*path);
  pugi::xml_document doc;
  decode_axml(*bytes, file, anomalies, doc);

  // Debug builds also read debug-overrides from a resource named <config>_debug (XmlConfigSource).
  pugi::xml_document debug_doc;
  std::string debug_file;
  bool have_debug = false;
  if (in.debuggable && name) {
    std::string entry = name->substr(name->rfind('/') + 1);
    if (auto id = table->find_id(uint8_t(*in.config_resource >> 24), "xml", entry + "_debug"))
      if (auto dpath = table->file_path(*id))
        if (auto dbytes = base.zip->read(*dpath)) {
          debug_file = base.evidence_path(*dpath);
          have_debug = decode_axml(*dbytes, debug_file, anomalies, debug_doc);
        }
  }
  f = interpret_network_security_config(doc, file, in, anomalies, table, have_debug ? &debug_doc : nullptr, debug_file);
  f.config_resource = reference;
  return f;
}

std::string utc_date(int64_t unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace apkvet
