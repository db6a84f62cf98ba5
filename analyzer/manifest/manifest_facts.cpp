// Typing of the decoded manifest with the platform's reading rules (ParsingPackageUtils and friends):
// android attributes by resource id through TypedArray semantics; action/category names and
// `package` by name as XmlPullParser.getAttributeValue reads them; the first <application> only.
#include "manifest/manifest_facts.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <tuple>


#include "core/data_dir.h"
#include "manifest/permission_catalog.h"

namespace apkvet {
namespace {

namespace attr {
constexpr uint32_t label = 0x01010001, name = 0x01010003, permission = 0x01010006, read_permission = 0x01010007,
                   write_permission = 0x01010008, protection_level = 0x01010009, permission_group = 0x0101000a,
                   shared_user_id = 0x0101000b, enabled = 0x0101000e, debuggable = 0x0101000f, exported = 0x01010010,
                   process = 0x01010011, authorities = 0x01010018, grant_uri_permissions = 0x0101001b,
                   priority = 0x0101001c, value = 0x01010024, resource = 0x01010025, mime_type = 0x01010026,
                   scheme = 0x01010027, host = 0x01010028, port = 0x01010029, path = 0x0101002a,
                   path_prefix = 0x0101002b, path_pattern = 0x0101002c, target_activity = 0x01010202,
                   min_sdk = 0x0101020c, version_code = 0x0101021b, version_name = 0x0101021c,
                   target_sdk = 0x01010270, max_sdk = 0x01010271, test_only = 0x01010272, allow_backup = 0x01010280,
                   gl_es_version = 0x01010281, required = 0x0101028e, full_backup_content = 0x010104eb,
                   extract_native_libs = 0x010104ea, uses_cleartext_traffic = 0x010104ec, auto_verify = 0x010104ee,
                   network_security_config = 0x01010527, compile_sdk = 0x01010572, version_code_major = 0x01010576,
                   request_legacy_external_storage = 0x01010603;
}  // namespace attr

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::optional<long long> parse_int(const std::string& s) {
  // XmlUtils.convertValueToInt: optional sign, then 0x hex, # hex, 0 octal, or decimal.
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  int base = 10;
  if (i < s.size() && s[i] == '#') base = 16, ++i;
  else if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) base = 16, i += 2;
  else if (i + 1 < s.size() && s[i] == '0') base = 8, ++i;
  if (i >= s.size()) return base == 8 ? std::optional<long long>(0) : std::nullopt;
  long long v = 0;
  for (; i < s.size(); ++i) {
    int d;
    char c = s[i];
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    v = v * base + d;
    if (v > 0xFFFFFFFFLL) return std::nullopt;
  }
  return neg ? -v : v;
}

std::string protection_text(uint32_t level) {
  static const char* kBase[] = {"normal", "dangerous", "signature", "signatureOrSystem", "internal"};
  static const std::pair<uint32_t, const char*> kFlags[] = {
      {0x10, "privileged"},  {0x20, "development"}, {0x40, "appop"},     {0x80, "pre23"},
      {0x100, "installer"},  {0x200, "verifier"},   {0x400, "preinstalled"}, {0x800, "setup"},
      {0x1000, "instant"},   {0x2000, "runtime"},   {0x4000, "oem"},     {0x8000, "vendorPrivileged"},
      {0x10000, "textClassifier"}};
  uint32_t base = level & 0xF;
  std::string out = base < 5 ? kBase[base] : "base" + std::to_string(base);
  uint32_t rest = level & ~0xFu;
  for (const auto& [bit, name] : kFlags)
    if (rest & bit) {
      out += "|";
      out += name;
      rest &= ~bit;
    }
  if (rest) out += "|" + hex32(rest);
  return out;
}

// Android's PackageParser.buildClassName.
std::string build_class_name(const std::string& pkg, const std::string& cls) {
  if (cls.empty()) return cls;
  if (cls[0] == '.') return pkg + cls;
  if (cls.find('.') == std::string::npos) return pkg + "." + cls;
  return cls;
}

class ManifestTyper {
 public:
  ManifestTyper(const AxmlDocument& doc, const std::string& file, const ResourceTable* res, AnomalySink& an,
                ManifestFacts& f)
      : doc_(doc), file_(file), res_(res), an_(an), f_(f) {}
  void run();

 private:
  const AxmlElement& el(size_t i) const { return doc_.elements[i]; }
  std::string path(size_t index) const;
  Evidence evidence(size_t index, std::string value = "") const { return {file_, path(index), std::move(value)}; }
  void anomaly(const std::string& id, Severity s, const std::string& msg, size_t index, std::string value = "") {
    an_.add("manifest." + id, s, msg, evidence(index, std::move(value)));
  }

  // TypedArray views of an android attribute (by resource id).
  const AxmlAttribute* a(size_t e, uint32_t id) const { return el(e).android_attr(id); }
  std::optional<std::string> non_resource_string(size_t e, uint32_t id) const {
    const AxmlAttribute* at = a(e, id);
    if (!at || at->type != kAxmlString) return std::nullopt;
    return at->string_data;
  }
  // getString / getNonConfigurationString: strings, references resolved through resources, others coerced.
  std::optional<std::string> string_of(const AxmlAttribute* at) const {
    if (!at || at->type == kAxmlNull) return std::nullopt;
    if (at->type == kAxmlString) return at->string_data;
    if ((at->type == kAxmlReference || at->type == kAxmlDynamicReference) && res_)
      if (auto s = res_->string_value(at->data)) return s;
    return format_typed_value(at->type, at->data);
  }
  std::optional<std::string> string(size_t e, uint32_t id) const { return string_of(a(e, id)); }
  std::optional<bool> boolean(size_t e, uint32_t id) const {
    const AxmlAttribute* at = a(e, id);
    if (!at) return std::nullopt;
    if (at->is_int()) return at->data != 0;
    if (at->type == kAxmlString && at->string_data) {
      const std::string& s = *at->string_data;
      if (s == "true" || s == "TRUE" || s == "True") return true;
      if (auto v = parse_int(s)) return *v != 0;
      return false;
    }
    // android:debuggable="@bool/x": the platform's TypedArray resolves the reference, so must we
    // (otherwise a flag hidden behind a resource reads as its default).
    if ((at->type == kAxmlReference || at->type == kAxmlDynamicReference) && res_)
      if (auto v = res_->integer_value(at->data)) return *v != 0;
    return std::nullopt;
  }
  std::optional<long long> integer(size_t e, uint32_t id) const {
    const AxmlAttribute* at = a(e, id);
    if (!at) return std::nullopt;
    if (at->is_int()) return static_cast<int32_t>(at->data);
    if (at->type == kAxmlString && at->string_data) return parse_int(*at->string_data);
    return std::nullopt;
  }
  // XmlPullParser.getAttributeValue(ns, name): by namespace and name strings; raw string, else coerced.
  std::optional<std::string> by_name(size_t e, std::string_view ns, std::string_view name) const {
    for (const auto& at : el(e).attributes) {
      if (!at.name || *at.name != name) continue;
      if (ns.empty() ? at.ns.has_value() : (!at.ns || *at.ns != ns)) continue;
      if (at.raw) return at.raw;
      if (at.type == kAxmlNull) return std::nullopt;
      return format_typed_value(at.type, at.data);
    }
    return std::nullopt;
  }

  void uses_sdk(size_t e);
  SdkLevel sdk_level(size_t e, uint32_t id) const;
  void uses_permission(size_t e, const std::string& tag);
  void declared_permission(size_t e, const std::string& tag);
  void application(size_t e);
  void component(size_t e, ComponentKind kind);
  // android:label as written, and its text: a string as is, a reference through the resource table
  // in the default configuration (what aapt dump badging prints).
  void read_label(size_t e, std::optional<std::string>& label, std::optional<std::string>& resolved) const {
    const AxmlAttribute* l = a(e, attr::label);
    if (!l) return;
    label = l->display_value();
    if (l->type == kAxmlString) resolved = l->string_data;
    else if (res_ && (l->type == kAxmlReference || l->type == kAxmlDynamicReference))
      resolved = res_->string_value(l->data);
  }
  IntentFilter intent_filter(size_t e);
  MetaData meta_data(size_t e);
  void queries(size_t e);
  void implied_permissions();

  const AxmlDocument& doc_;
  const std::string& file_;
  const ResourceTable* res_;
  AnomalySink& an_;
  ManifestFacts& f_;
  bool have_application_ = false;
  int uses_sdk_seen_ = 0;
  std::set<std::pair<std::string, std::string>> seen_permissions_;
  mutable std::vector<std::pair<uint32_t, uint32_t>> sibling_;  // (nth, total) among same-named siblings
};

std::string ManifestTyper::path(size_t index) const {
  if (sibling_.empty()) {
    // Position among same-named siblings, computed once: "activity[3]" when there are several.
    sibling_.assign(doc_.elements.size(), {1, 1});
    std::map<std::string_view, std::pair<uint32_t, uint32_t>> counts;
    auto number = [&](const std::vector<size_t>& children) {
      counts.clear();
      for (size_t c : children) sibling_[c].first = ++counts[el(c).name].first;
      for (size_t c : children) sibling_[c].second = counts[el(c).name].first;
    };
    for (const auto& e : doc_.elements) number(e.children);
  }
  std::vector<const AxmlElement*> chain;
  for (size_t i = index; i != SIZE_MAX && chain.size() < 64; i = el(i).parent) chain.push_back(&el(i));
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!out.empty()) out += "/";
    out += (*it)->name;
    size_t i = static_cast<size_t>(*it - doc_.elements.data());
    if ((*it)->parent != SIZE_MAX && sibling_[i].second > 1) out += "[" + std::to_string(sibling_[i].first) + "]";
  }
  return out;
}

SdkLevel ManifestTyper::sdk_level(size_t e, uint32_t id) const {
  SdkLevel l;
  const AxmlAttribute* at = a(e, id);
  if (!at) return l;
  // TypedArray.peekValue: a string is a codename; anything else is read as its integer data.
  if (at->type == kAxmlString) {
    l.codename = at->string_data.value_or("");
  } else if (at->type == kAxmlReference || at->type == kAxmlDynamicReference) {
    l.unresolved = "@" + hex32(at->data);
  } else if (at->type != kAxmlNull) {
    l.level = static_cast<int32_t>(at->data);
  }
  return l;
}

void ManifestTyper::uses_sdk(size_t e) {
  if (uses_sdk_seen_++)
    anomaly("multiple_uses_sdk", Severity::medium, "More than one <uses-sdk>; Android applies the last one", e);
  f_.min_sdk_declared = sdk_level(e, attr::min_sdk);
  f_.target_sdk_declared = sdk_level(e, attr::target_sdk);
  f_.max_sdk_declared = sdk_level(e, attr::max_sdk);
  for (const SdkLevel* l : {&f_.min_sdk_declared, &f_.target_sdk_declared})
    if (l->codename && parse_int(*l->codename))
      anomaly("sdk_version_string", Severity::medium,
              "SDK level '" + *l->codename + "' is written as a string: Android reads it as a pre-release codename "
              "and release builds refuse to install the app, while tools read a number",
              e, *l->codename);
}

void ManifestTyper::uses_permission(size_t e, const std::string& tag) {
  auto name = non_resource_string(e, attr::name);
  if (!name) {
    anomaly("unnamed_permission", Severity::low, "<" + tag + "> without a readable android:name; Android ignores it", e);
    return;
  }
  UsesPermission p;
  p.name = *name;
  p.tag = tag;
  p.namespaced_tag = el(e).ns.has_value();
  if (auto m = integer(e, attr::max_sdk)) p.max_sdk = static_cast<int>(*m);
  for (const auto& at : el(e).attributes)
    if (at.name && *at.name == "usesPermissionFlags" && at.visible_to_android) p.flags = at.display_value();
  p.info = lookup_permission(p.name);
  p.evidence = evidence(e, p.name);
  if (p.namespaced_tag)
    anomaly("namespaced_tag", Severity::medium,
            "<" + el(e).qualified_name + "> carries a namespace; Android reads it as <" + tag +
                "> (tag names are compared without namespace) while some tools skip it",
            e, p.name);
  if (!seen_permissions_.insert({p.name, p.tag}).second) return;
  f_.uses_permissions.push_back(std::move(p));
}

void ManifestTyper::declared_permission(size_t e, const std::string& tag) {
  auto name = non_resource_string(e, attr::name);
  if (!name) return;
  DeclaredPermission d;
  d.name = *name;
  d.kind = tag;
  if (tag == "permission") {
    d.protection_level_value = static_cast<uint32_t>(integer(e, attr::protection_level).value_or(0));
    d.protection_level = protection_text(d.protection_level_value);
  }
  d.group = string(e, attr::permission_group);
  d.evidence = evidence(e, d.name);
  f_.declared_permissions.push_back(std::move(d));
}

MetaData ManifestTyper::meta_data(size_t e) {
  MetaData m;
  m.name = string(e, attr::name).value_or("");
  if (const AxmlAttribute* r = a(e, attr::resource)) m.resource = "@" + hex32(r->data);
  if (const AxmlAttribute* v = a(e, attr::value)) m.value = v->display_value();
  m.evidence = evidence(e, m.name);
  return m;
}

IntentFilter ManifestTyper::intent_filter(size_t e) {
  IntentFilter f;
  if (auto p = integer(e, attr::priority)) f.priority = static_cast<int>(*p);
  f.auto_verify = boolean(e, attr::auto_verify).value_or(false);
  f.evidence = evidence(e);
  for (size_t c : el(e).children) {
    const std::string& tag = el(c).name;
    if (tag == "action" || tag == "category") {
      auto v = by_name(c, kAndroidNamespace, "name");
      if (!v) {
        anomaly("unnamed_" + tag, Severity::low, "<" + tag + "> without android:name; Android refuses the manifest", c);
        continue;
      }
      auto byid = non_resource_string(c, attr::name);
      if (byid != v)
        anomaly("intent_name_confusion", Severity::high,
                "<" + tag + "> name read by namespace and name (as Android does) is '" + *v +
                    "' but by resource id (as aapt does) is '" + byid.value_or("") + "'",
                c, *v);
      (tag == "action" ? f.actions : f.categories).push_back(*v);
    } else if (tag == "data") {
      IntentFilterData d;
      d.scheme = string(c, attr::scheme);
      d.host = string(c, attr::host);
      d.port = string(c, attr::port);
      d.path = string(c, attr::path);
      d.path_prefix = string(c, attr::path_prefix);
      d.path_pattern = string(c, attr::path_pattern);
      d.mime_type = string(c, attr::mime_type);
      f.data.push_back(std::move(d));
    }
  }
  return f;
}

void ManifestTyper::component(size_t e, ComponentKind kind) {
  ManifestComponent c;
  c.kind = kind;
  c.raw_name = string(e, attr::name).value_or("");
  c.name = build_class_name(f_.package, c.raw_name);
  c.evidence = evidence(e, c.raw_name);
  read_label(e, c.label, c.label_resolved);
  if (c.raw_name.empty())
    anomaly("unnamed_component", Severity::medium, "<" + el(e).name + "> without android:name; Android refuses the manifest", e);
  if (const AxmlAttribute* x = a(e, attr::exported)) {
    if (auto b = boolean(e, attr::exported)) c.exported_explicit = *b;
    else c.exported_raw = x->display_value();
  }
  c.permission = string(e, attr::permission);
  c.effective_permission = c.permission ? c.permission : f_.application.permission;
  if (a(e, attr::enabled)) {
    if (auto b = boolean(e, attr::enabled)) c.enabled = *b;
    else c.enabled_raw = a(e, attr::enabled)->display_value();
  }
  c.process = string(e, attr::process);
  if (kind == ComponentKind::activity_alias)
    if (auto t = string(e, attr::target_activity)) c.target_activity = build_class_name(f_.package, *t);
  if (kind == ComponentKind::provider) {
    if (auto au = string(e, attr::authorities)) {
      size_t start = 0;
      while (start <= au->size()) {
        size_t semi = au->find(';', start);
        std::string one = au->substr(start, semi == std::string::npos ? std::string::npos : semi - start);
        if (!one.empty()) c.authorities.push_back(one);
        if (semi == std::string::npos) break;
        start = semi + 1;
      }
    }
    c.grant_uri_permissions = boolean(e, attr::grant_uri_permissions).value_or(false);
    c.read_permission = string(e, attr::read_permission);
    c.write_permission = string(e, attr::write_permission);
    if (!c.read_permission) c.read_permission = c.effective_permission;
    if (!c.write_permission) c.write_permission = c.effective_permission;
  }
  for (size_t ch : el(e).children) {
    if (el(ch).name == "intent-filter") c.intent_filters.push_back(intent_filter(ch));
    else if (el(ch).name == "meta-data") c.meta_data.push_back(meta_data(ch));
  }
  // Effective exported (ParsedActivityUtils / ParsedServiceUtils / ParsedProviderUtils).
  if (c.exported_explicit) {
    c.exported = *c.exported_explicit;
    c.exported_reason = "explicit";
  } else if (c.exported_raw) {
    c.exported = true;
    c.exported_reason = "unresolved-reference";
  } else if (kind == ComponentKind::provider) {
    c.exported = f_.target_sdk < 17;
    c.exported_reason = c.exported ? "provider-default-target-below-17" : "provider-default";
  } else if (!c.intent_filters.empty()) {
    c.exported = true;
    c.exported_reason = "intent-filter";
    if (f_.target_sdk >= 31)
      anomaly("exported_required", Severity::high,
              "Component " + c.name + " has intent filters but no android:exported while targeting SDK " +
                  std::to_string(f_.target_sdk) + "; Android 12 and later refuse to install the app",
              e, c.name);
  } else {
    c.exported = false;
    c.exported_reason = "no-intent-filter";
  }
  f_.components.push_back(std::move(c));
}

void ManifestTyper::application(size_t e) {
  if (have_application_) {
    anomaly("multiple_application", Severity::high,
            "A second <application> element; Android ignores it and everything in it, some tools read it", e);
    return;
  }
  have_application_ = true;
  ApplicationFacts& app = f_.application;
  app.present = true;
  app.evidence = evidence(e);
  if (auto n = string(e, attr::name)) app.name = build_class_name(f_.package, *n);
  read_label(e, app.label, app.label_resolved);
  app.debuggable = boolean(e, attr::debuggable);
  app.allow_backup_explicit = boolean(e, attr::allow_backup);
  app.allow_backup = app.allow_backup_explicit.value_or(true);
  app.uses_cleartext_traffic_explicit = boolean(e, attr::uses_cleartext_traffic);
  app.uses_cleartext_traffic = app.uses_cleartext_traffic_explicit.value_or(f_.target_sdk < 28);
  if (const AxmlAttribute* n = a(e, attr::network_security_config)) {
    if (n->type == kAxmlReference || n->type == kAxmlDynamicReference) {
      app.network_security_config = n->data;
      if (res_) app.network_security_config_path = res_->file_path(n->data);
    }
  }
  app.extract_native_libs = boolean(e, attr::extract_native_libs);
  app.request_legacy_external_storage = boolean(e, attr::request_legacy_external_storage);
  app.test_only = boolean(e, attr::test_only);
  app.permission = string(e, attr::permission);
  app.full_backup_content = string(e, attr::full_backup_content);
  for (size_t c : el(e).children) {
    const std::string& tag = el(c).name;
    if (tag == "activity") component(c, ComponentKind::activity);
    else if (tag == "activity-alias") component(c, ComponentKind::activity_alias);
    else if (tag == "service") component(c, ComponentKind::service);
    else if (tag == "receiver") component(c, ComponentKind::receiver);
    else if (tag == "provider") component(c, ComponentKind::provider);
    else if (tag == "meta-data") f_.meta_data.push_back(meta_data(c));
    else if (tag == "uses-library" || tag == "uses-native-library") {
      UsesLibrary u;
      u.name = string(c, attr::name).value_or("");
      u.required = boolean(c, attr::required).value_or(true);
      u.tag = tag;
      u.evidence = evidence(c, u.name);
      f_.uses_libraries.push_back(std::move(u));
    }
  }
}

void ManifestTyper::queries(size_t e) {
  for (size_t c : el(e).children) {
    const std::string& tag = el(c).name;
    if (tag == "package") {
      if (auto n = string(c, attr::name)) f_.queries.packages.push_back(*n);
    } else if (tag == "intent") {
      f_.queries.intents.push_back(intent_filter(c));
    } else if (tag == "provider") {
      if (auto au = string(c, attr::authorities)) f_.queries.providers.push_back(*au);
    }
  }
}

void ManifestTyper::run() {
  const size_t root = doc_.roots.front();
  f_.evidence = {file_, "", ""};
  if (el(root).name != "manifest")
    anomaly("bad_root", Severity::high, "Root element is <" + el(root).name + ">, not <manifest>; Android refuses it",
            root, el(root).name);
  if (auto p = by_name(root, "", "package")) f_.package = *p;
  if (f_.package.empty())
    anomaly("no_package", Severity::high, "The manifest has no package name; Android refuses it", root);
  auto code = integer(root, attr::version_code);
  auto major = integer(root, attr::version_code_major);
  if (code || major)
    f_.version_code = (static_cast<int64_t>(major.value_or(0)) << 32) | (static_cast<uint32_t>(code.value_or(0)));
  f_.version_name = string(root, attr::version_name);
  f_.shared_user_id = string(root, attr::shared_user_id);
  if (auto c = integer(root, attr::compile_sdk)) f_.compile_sdk = static_cast<int>(*c);

  // uses-sdk first: the exported and cleartext defaults depend on the target SDK.
  for (size_t c : el(root).children)
    if (el(c).name == "uses-sdk") uses_sdk(c);
  f_.min_sdk = f_.min_sdk_declared.level.value_or(1);
  if (f_.target_sdk_declared.level) f_.target_sdk = *f_.target_sdk_declared.level;
  else if (f_.target_sdk_declared.codename) f_.target_sdk = 10000;  // CUR_DEVELOPMENT
  else f_.target_sdk = f_.min_sdk_declared.codename ? 10000 : f_.min_sdk;
  if (f_.min_sdk_declared.codename) f_.min_sdk = 10000;
  f_.max_sdk = f_.max_sdk_declared.level;

  for (size_t c : el(root).children) {
    const std::string& tag = el(c).name;
    if (tag == "uses-permission" || tag == "uses-permission-sdk-23" || tag == "uses-permission-sdk-m")
      uses_permission(c, tag);
    else if (tag == "permission" || tag == "permission-tree" || tag == "permission-group")
      declared_permission(c, tag);
    else if (tag == "application") {
      if (!have_application_) {
        // Components fall back to the application's permission: read it before them.
        f_.application.permission = string(c, attr::permission);
      }
      application(c);
    } else if (tag == "uses-feature") {
      UsesFeature u;
      u.name = non_resource_string(c, attr::name);
      u.required = boolean(c, attr::required).value_or(true);
      if (auto g = integer(c, attr::gl_es_version)) u.gl_es_version = static_cast<uint32_t>(*g);
      u.evidence = evidence(c, u.name.value_or(""));
      f_.uses_features.push_back(std::move(u));
    } else if (tag == "queries") {
      queries(c);
    }
  }
  implied_permissions();
  for (const auto& c : f_.components) {
    if (c.kind != ComponentKind::activity && c.kind != ComponentKind::activity_alias) continue;
    for (const auto& filter : c.intent_filters) {
      bool main = std::find(filter.actions.begin(), filter.actions.end(), "android.intent.action.MAIN") != filter.actions.end();
      bool launcher = std::find(filter.categories.begin(), filter.categories.end(),
                                "android.intent.category.LAUNCHER") != filter.categories.end();
      if (main && launcher) {
        f_.launchable_activities.push_back(c.name);
        break;
      }
    }
  }
  std::stable_sort(f_.uses_permissions.begin(), f_.uses_permissions.end(),
                   [](const UsesPermission& x, const UsesPermission& y) { return std::tie(x.name, x.tag) < std::tie(y.name, y.tag); });
  std::stable_sort(f_.declared_permissions.begin(), f_.declared_permissions.end(),
                   [](const DeclaredPermission& x, const DeclaredPermission& y) { return std::tie(x.kind, x.name) < std::tie(y.kind, y.name); });
  std::stable_sort(f_.components.begin(), f_.components.end(), [](const ManifestComponent& x, const ManifestComponent& y) {
    return std::tie(x.kind, x.name) < std::tie(y.kind, y.name);
  });
}

template <typename T>
void put(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

}  // namespace

void ManifestTyper::implied_permissions() {
  const std::string p = "android.permission.";
  std::set<std::string> have;
  for (const auto& u : f_.uses_permissions)
    if (u.tag == "uses-permission") have.insert(u.name);
  auto imply = [&](const std::string& name, const std::string& reason, bool aapt) {
    if (have.count(name)) return;
    have.insert(name);
    f_.implied_permissions.push_back({name, reason, aapt, lookup_permission(name)});
  };
  const int t = f_.target_sdk;
  if (t < 4) {
    imply(p + "WRITE_EXTERNAL_STORAGE", "targetSdkVersion < 4", true);
    imply(p + "READ_PHONE_STATE", "targetSdkVersion < 4", true);
  }
  if (have.count(p + "WRITE_EXTERNAL_STORAGE")) imply(p + "READ_EXTERNAL_STORAGE", "requested WRITE_EXTERNAL_STORAGE", true);
  if (t < 16) {
    if (have.count(p + "READ_CONTACTS")) imply(p + "READ_CALL_LOG", "targetSdkVersion < 16 and requested READ_CONTACTS", true);
    if (have.count(p + "WRITE_CONTACTS")) imply(p + "WRITE_CALL_LOG", "targetSdkVersion < 16 and requested WRITE_CONTACTS", true);
  }
  // Split permissions of later platforms (platform.xml), granted to apps targeting below the split.
  struct Split { const char* from; const char* to; int below; };
  static const Split kSplits[] = {
      {"ACCESS_FINE_LOCATION", "ACCESS_BACKGROUND_LOCATION", 29},
      {"ACCESS_COARSE_LOCATION", "ACCESS_BACKGROUND_LOCATION", 29},
      {"READ_EXTERNAL_STORAGE", "ACCESS_MEDIA_LOCATION", 29},
      {"BLUETOOTH", "BLUETOOTH_SCAN", 31}, {"BLUETOOTH", "BLUETOOTH_CONNECT", 31},
      {"BLUETOOTH", "BLUETOOTH_ADVERTISE", 31}, {"BLUETOOTH_ADMIN", "BLUETOOTH_SCAN", 31},
      {"BLUETOOTH_ADMIN", "BLUETOOTH_CONNECT", 31}, {"BLUETOOTH_ADMIN", "BLUETOOTH_ADVERTISE", 31},
      {"READ_EXTERNAL_STORAGE", "READ_MEDIA_AUDIO", 33}, {"READ_EXTERNAL_STORAGE", "READ_MEDIA_VIDEO", 33},
      {"READ_EXTERNAL_STORAGE", "READ_MEDIA_IMAGES", 33}, {"BODY_SENSORS", "BODY_SENSORS_BACKGROUND", 33},
  };
  for (const auto& s : kSplits)
    if (t < s.below && have.count(p + s.from))
      imply(p + s.to, "split from " + std::string(s.from) + " for targetSdkVersion < " + std::to_string(s.below), false);
  std::sort(f_.implied_permissions.begin(), f_.implied_permissions.end(),
            [](const ImpliedPermission& x, const ImpliedPermission& y) { return x.name < y.name; });
}

// ---- permission annotations (manifest/permission_catalog.h) ----

void to_json(Json& j, const PermissionInfo& p) {
  j = Json::object();
  j["known"] = p.known;
  if (!p.known) return;
  j["protection_level"] = p.protection_level;
  j["base_protection"] = p.base_protection;
  if (!p.runtime_group.empty()) j["runtime_group"] = p.runtime_group;
  if (p.added_api) j["added_api"] = *p.added_api;
  if (p.removed_api) j["removed_api"] = *p.removed_api;
  if (p.deprecated) j["deprecated"] = true;
}

void to_json(Json& j, const SdkLevel& l) {
  if (l.level) j = *l.level;
  else if (l.codename) j = *l.codename;
  else if (l.unresolved) j = *l.unresolved;
  else j = nullptr;
}

void to_json(Json& j, const IntentFilterData& d) {
  j = Json::object();
  put(j, "scheme", d.scheme);
  put(j, "host", d.host);
  put(j, "port", d.port);
  put(j, "path", d.path);
  put(j, "path_prefix", d.path_prefix);
  put(j, "path_pattern", d.path_pattern);
  put(j, "mime_type", d.mime_type);
}

void to_json(Json& j, const IntentFilter& f) {
  j = Json{{"actions", f.actions}, {"categories", f.categories}, {"data", f.data}, {"evidence", f.evidence}};
  put(j, "priority", f.priority);
  if (f.auto_verify) j["auto_verify"] = true;
}

void to_json(Json& j, const MetaData& m) {
  j = Json{{"name", m.name}, {"evidence", m.evidence}};
  put(j, "value", m.value);
  put(j, "resource", m.resource);
}

void to_json(Json& j, const ManifestComponent& c) {
  j = Json{{"kind", to_string(c.kind)},
           {"name", c.name},
           {"exported", c.exported},
           {"exported_reason", c.exported_reason},
           {"enabled", c.enabled},
           {"intent_filters", c.intent_filters},
           {"meta_data", c.meta_data},
           {"evidence", c.evidence}};
  if (c.raw_name != c.name) j["raw_name"] = c.raw_name;
  put(j, "label", c.label);
  put(j, "label_resolved", c.label_resolved);
  put(j, "exported_explicit", c.exported_explicit);
  put(j, "exported_raw", c.exported_raw);
  put(j, "permission", c.permission);
  put(j, "effective_permission", c.effective_permission);
  put(j, "enabled_raw", c.enabled_raw);
  put(j, "target_activity", c.target_activity);
  put(j, "process", c.process);
  if (c.kind == ComponentKind::provider) {
    j["authorities"] = c.authorities;
    j["grant_uri_permissions"] = c.grant_uri_permissions;
    put(j, "read_permission", c.read_permission);
    put(j, "write_permission", c.write_permission);
  }
}

void to_json(Json& j, const ApplicationFacts& a) {
  j = Json{{"present", a.present},
           {"allow_backup", a.allow_backup},
           {"uses_cleartext_traffic", a.uses_cleartext_traffic},
           {"evidence", a.evidence}};
  put(j, "name", a.name);
  put(j, "label", a.label);
  put(j, "label_resolved", a.label_resolved);
  put(j, "debuggable", a.debuggable);
  put(j, "allow_backup_explicit", a.allow_backup_explicit);
  put(j, "uses_cleartext_traffic_explicit", a.uses_cleartext_traffic_explicit);
  if (a.network_security_config) j["network_security_config"] = "@" + hex32(*a.network_security_config);
  put(j, "network_security_config_path", a.network_security_config_path);
  put(j, "extract_native_libs", a.extract_native_libs);
  put(j, "request_legacy_external_storage", a.request_legacy_external_storage);
  put(j, "test_only", a.test_only);
  put(j, "permission", a.permission);
  put(j, "full_backup_content", a.full_backup_content);
}

const char* to_string(ComponentKind k) {
  switch (k) {
    case ComponentKind::activity: return "activity";
    case ComponentKind::activity_alias: return "activity-alias";
    case ComponentKind::service: return "service";
    case ComponentKind::receiver: return "receiver";
    case ComponentKind::provider: return "provider";
  }
  return "unknown";
}

PermissionInfo lookup_permission(const std::string& name) { return shipped_permission_catalog().find(name); }

void to_json(Json& j, const ManifestFacts& f) {
  j = Json::object();
  j["decoded"] = f.decoded;
  j["readable_by_android"] = f.readable_by_android;
  j["package"] = f.package;
  put(j, "version_code", f.version_code);
  put(j, "version_name", f.version_name);
  put(j, "shared_user_id", f.shared_user_id);
  // The effective values are the defaults Android applies to what a manifest leaves out; without a
  // decoded manifest they describe no file, so they are null and no rule judges them.
  j["min_sdk"] = f.decoded ? Json(f.min_sdk) : Json();
  j["target_sdk"] = f.decoded ? Json(f.target_sdk) : Json();
  put(j, "max_sdk", f.max_sdk);
  put(j, "compile_sdk", f.compile_sdk);
  j["uses_sdk_declared"] = Json{{"min", f.min_sdk_declared}, {"target", f.target_sdk_declared}, {"max", f.max_sdk_declared}};
  Json perms = Json::array();
  for (const auto& p : f.uses_permissions) {
    Json x{{"name", p.name}, {"tag", p.tag}, {"info", p.info}, {"evidence", p.evidence}};
    if (p.namespaced_tag) x["namespaced_tag"] = true;
    put(x, "max_sdk", p.max_sdk);
    put(x, "flags", p.flags);
    perms.push_back(std::move(x));
  }
  j["uses_permissions"] = std::move(perms);
  Json implied = Json::array();
  for (const auto& p : f.implied_permissions)
    implied.push_back(Json{{"name", p.name}, {"reason", p.reason}, {"info", p.info}});
  j["implied_permissions"] = std::move(implied);
  Json declared = Json::array();
  for (const auto& d : f.declared_permissions) {
    Json x{{"name", d.name}, {"kind", d.kind}, {"evidence", d.evidence}};
    if (d.kind == "permission") x["protection_level"] = d.protection_level;
    put(x, "group", d.group);
    declared.push_back(std::move(x));
  }
  j["declared_permissions"] = std::move(declared);
  j["application"] = f.application;
  if (!f.decoded) j["application"]["allow_backup"] = j["application"]["uses_cleartext_traffic"] = nullptr;
  j["components"] = f.components;
  j["launchable_activities"] = f.launchable_activities;
  Json q = Json::object();
  q["packages"] = f.queries.packages;
  q["intents"] = f.queries.intents;
  q["providers"] = f.queries.providers;
  j["queries"] = std::move(q);
  Json features = Json::array();
  for (const auto& u : f.uses_features) {
    Json x{{"required", u.required}, {"evidence", u.evidence}};
    put(x, "name", u.name);
    if (u.gl_es_version) x["gl_es_version"] = hex32(*u.gl_es_version);
    features.push_back(std::move(x));
  }
  j["uses_features"] = std::move(features);
  Json libs = Json::array();
  for (const auto& u : f.uses_libraries)
    libs.push_back(Json{{"name", u.name}, {"required", u.required}, {"tag", u.tag}, {"evidence", u.evidence}});
  j["uses_libraries"] = std::move(libs);
  j["meta_data"] = f.meta_data;
}

ManifestFacts type_manifest(std::shared_ptr<const AxmlDocument> doc, const std::string& file,
                            const ResourceTable* resources, AnomalySink& anomalies) {
  ManifestFacts f;
  f.document = doc;
  if (!doc || doc->roots.empty()) return f;
  f.decoded = true;
  f.readable_by_android = doc->readable_by_android;
  f.xml = std::make_shared<pugi::xml_document>();
  to_pugixml(*doc, *f.xml);
  ManifestTyper(*doc, file, resources, anomalies, f).run();
  return f;
}

ManifestFacts analyze_manifest(const AppPackage& app, const ResourceTable* resources, AnomalySink& anomalies) {
  const ApkPart& base = app.base();
  const std::string file = base.evidence_path("AndroidManifest.xml");
  auto bytes = base.zip->read("AndroidManifest.xml");
  if (!bytes) {
    anomalies.add("manifest.missing", Severity::high, "The app has no readable AndroidManifest.xml", {file, "", ""});
    ManifestFacts f;
    f.evidence = {file, "", ""};
    return f;
  }
  auto doc = std::make_shared<AxmlDocument>();
  decode_axml(*bytes, file, anomalies, *doc);
  // aapt2's protobuf form is how an App Bundle stores its manifest; in an APK the installer, which
  // reads binary XML only, refuses it.
  if (doc->protobuf && app.container() != "aab") {
    doc->readable_by_android = false;
    doc->android_error = "the manifest is in aapt2's protobuf form (an App Bundle module's), not binary XML";
    anomalies.add("manifest.protobuf_in_apk", Severity::high,
                  "AndroidManifest.xml is in aapt2's protobuf form, which only App Bundles use: Android's installer reads "
                  "binary XML and refuses this APK",
                  {file, "", ""});
  }
  return type_manifest(std::move(doc), file, resources, anomalies);
}

}  // namespace apkvet
