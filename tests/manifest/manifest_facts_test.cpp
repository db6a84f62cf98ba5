// The typed manifest on real inputs: the leaky fixture (built by aapt from fixtures/apps/leaky) and
// corpus manifests that exercise the platform's reading rules.
#include <doctest/doctest.h>

#include <algorithm>

#include "archive/app_package.h"
#include "core/data_dir.h"
#include "manifest/manifest_facts.h"
#include "resources/resource_table.h"
#include "test_support.h"

using namespace apkvet;

namespace {

struct Read {
  std::unique_ptr<AppPackage> app;
  ManifestFacts m;
};

Read read(const std::string& path) {
  Read r;
  r.app = std::make_unique<AppPackage>(path);
  r.m = analyze_manifest(*r.app, nullptr, r.app->anomalies());
  return r;
}

std::string corpus(const char* name) { return test::corpus_dir() + "/apks/" + name; }

const ManifestComponent* component(const ManifestFacts& m, const std::string& name) {
  for (const auto& c : m.components)
    if (c.name == name) return &c;
  return nullptr;
}

const UsesPermission* permission(const ManifestFacts& m, const std::string& name) {
  for (const auto& p : m.uses_permissions)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace

TEST_CASE("leaky fixture: package, SDKs, permissions with protection levels, application flags") {
  auto r = read(test::fixture("leaky.apk"));
  const ManifestFacts& m = r.m;
  REQUIRE(m.decoded);
  CHECK(m.readable_by_android);
  CHECK(m.package == "gov.test.leaky");
  CHECK(m.version_code == 3);
  CHECK(m.version_name == std::optional<std::string>("1.2.3"));
  CHECK(m.min_sdk == 21);
  CHECK(m.target_sdk == 30);
  CHECK(m.uses_permissions.size() == 11);
  const UsesPermission* contacts = permission(m, "android.permission.READ_CONTACTS");
  REQUIRE(contacts);
  CHECK(contacts->info.known);
  CHECK(contacts->info.protection_level == "dangerous");
  CHECK(contacts->info.runtime_group == "android.permission-group.CONTACTS");
  CHECK(contacts->evidence.file == "AndroidManifest.xml");
  CHECK(contacts->evidence.location.rfind("manifest/uses-permission[", 0) == 0);
  const UsesPermission* internet = permission(m, "android.permission.INTERNET");
  REQUIRE(internet);
  CHECK(internet->info.base_protection == "normal");
  CHECK(internet->info.protection_level == "normal|instant");
  CHECK(std::is_sorted(m.uses_permissions.begin(), m.uses_permissions.end(),
                       [](const UsesPermission& a, const UsesPermission& b) { return a.name < b.name; }));
  // targetSdk 30: background location is split from fine location for apps below 29 only.
  CHECK(std::none_of(m.implied_permissions.begin(), m.implied_permissions.end(),
                     [](const ImpliedPermission& p) { return p.name == "android.permission.ACCESS_BACKGROUND_LOCATION"; }));

  const ApplicationFacts& app = m.application;
  CHECK(app.present);
  CHECK(app.name == std::optional<std::string>("gov.test.leaky.LeakyApp"));
  CHECK(app.debuggable == std::optional<bool>(true));
  CHECK(app.allow_backup);
  CHECK(app.uses_cleartext_traffic);
  CHECK(app.uses_cleartext_traffic_explicit == std::optional<bool>(true));
  REQUIRE(app.network_security_config);
  CHECK((*app.network_security_config >> 24) == 0x7f);
  REQUIRE(app.label);
  CHECK(app.label->rfind("@0x7f", 0) == 0);
  REQUIRE(m.meta_data.size() == 1);
  CHECK(m.meta_data[0].name == "com.facebook.sdk.ApplicationId");
  CHECK(m.meta_data[0].value == std::optional<std::string>("fb000000000000000"));
}

TEST_CASE("leaky fixture: effective exported, permissions and intent filters of every component") {
  auto r = read(test::fixture("leaky.apk"));
  const ManifestFacts& m = r.m;
  CHECK(m.components.size() == 8);
  struct Expect {
    const char* name;
    bool exported;
    const char* reason;
  };
  for (const Expect& e : {Expect{"gov.test.leaky.MainActivity", true, "intent-filter"},
                          Expect{"gov.test.leaky.DeepLinkActivity", true, "explicit"},
                          Expect{"gov.test.leaky.SettingsActivity", false, "no-intent-filter"},
                          Expect{"gov.test.leaky.SyncService", true, "intent-filter"},
                          Expect{"gov.test.leaky.PrivateService", false, "explicit"},
                          Expect{"gov.test.leaky.BootReceiver", true, "explicit"},
                          Expect{"gov.test.leaky.SmsReceiver", true, "intent-filter"},
                          Expect{"gov.test.leaky.DataProvider", true, "explicit"}}) {
    const ManifestComponent* c = component(m, e.name);
    REQUIRE_MESSAGE(c, e.name);
    CHECK_MESSAGE(c->exported == e.exported, e.name);
    CHECK_MESSAGE(c->exported_reason == e.reason, e.name);
  }
  const ManifestComponent* boot = component(m, "gov.test.leaky.BootReceiver");
  CHECK(boot->permission == std::optional<std::string>("android.permission.RECEIVE_BOOT_COMPLETED"));
  const ManifestComponent* deep = component(m, "gov.test.leaky.DeepLinkActivity");
  REQUIRE(deep->intent_filters.size() == 1);
  const IntentFilter& f = deep->intent_filters[0];
  CHECK(f.actions == std::vector<std::string>{"android.intent.action.VIEW"});
  CHECK(f.categories == std::vector<std::string>{"android.intent.category.DEFAULT", "android.intent.category.BROWSABLE"});
  REQUIRE(f.data.size() == 1);
  CHECK(f.data[0].scheme == std::optional<std::string>("leaky"));
  CHECK(f.data[0].host == std::optional<std::string>("open"));
  CHECK(f.data[0].path_prefix == std::optional<std::string>("/item"));
  const ManifestComponent* sms = component(m, "gov.test.leaky.SmsReceiver");
  REQUIRE(sms->intent_filters.size() == 1);
  CHECK(sms->intent_filters[0].priority == std::optional<int>(999));
  const ManifestComponent* provider = component(m, "gov.test.leaky.DataProvider");
  CHECK(provider->authorities == std::vector<std::string>{"gov.test.leaky.data"});
  CHECK_FALSE(provider->read_permission);
  CHECK(m.launchable_activities == std::vector<std::string>{"gov.test.leaky.MainActivity"});
  CHECK(component(m, "gov.test.leaky.MainActivity")->evidence.location == "manifest/application/activity[1]");
}

TEST_CASE("JSON is deterministic and complete") {
  auto r1 = read(test::fixture("leaky.apk"));
  auto r2 = read(test::fixture("leaky.apk"));
  Json a, b;
  to_json(a, r1.m);
  to_json(b, r2.m);
  CHECK(a.dump() == b.dump());
  CHECK(a["package"] == "gov.test.leaky");
  CHECK(a["components"].size() == 8);
  CHECK(a["uses_permissions"][0]["info"].contains("protection_level"));
  CHECK(a["application"]["network_security_config"].get<std::string>().rfind("@0x7f", 0) == 0);
}

TEST_CASE("obfuscated manifest (Dendroid, empty attribute names): read by resource id as Android does") {
  auto r = read(corpus("0b8ba0c6cebe5695.apk"));
  CHECK(r.m.package == "com.parental.control.v4");
  CHECK(r.m.version_name == std::optional<std::string>("2.0"));
  CHECK(r.m.version_code == 2);
  CHECK(r.m.min_sdk_declared.level.has_value());
  CHECK(r.m.uses_permissions.size() >= 10);
  CHECK(r.app->anomalies().has("axml.attribute_name_mismatch"));
}

TEST_CASE("permissions after <application> count (fdroidserver messed-up namespaces test)") {
  auto r = read(corpus("020f3070fecb2252.apk"));
  CHECK(permission(r.m, "android.permission.VIBRATE"));
  CHECK(permission(r.m, "android.permission.WRITE_USER_DICTIONARY"));
  CHECK(r.app->anomalies().has("axml.attribute_namespace_mismatch"));
}

TEST_CASE("a launcher activity-alias makes the app launchable (aapt's launchable-activity ignores aliases)") {
  auto r = read(corpus("0c2494c03f07f891.apk"));
  CHECK(r.m.launchable_activities == std::vector<std::string>{"com.hulkapp.chatlite.Splash"});
  bool alias = false;
  for (const auto& c : r.m.components)
    if (c.kind == ComponentKind::activity_alias) {
      alias = true;
      CHECK(c.target_activity == std::optional<std::string>("com.hulkapp.chatlite.Splash"));
      CHECK(c.exported);
    }
  CHECK(alias);
}

TEST_CASE("codename SDK levels and old-target implied permissions") {
  auto r = read(corpus("3a926a0dc91283c2.apk"));
  CHECK(r.m.min_sdk_declared.codename == std::optional<std::string>("VanillaIceCream"));
  CHECK(r.m.target_sdk == 10000);
  CHECK(r.m.implied_permissions.empty());
  auto old = read(corpus("30b06c1be93040a0.apk"));  // no <uses-sdk>: min 1, target = min
  CHECK(old.m.min_sdk == 1);
  CHECK(old.m.target_sdk == 1);
  std::vector<std::string> implied;
  for (const auto& p : old.m.implied_permissions)
    if (p.aapt_rule) implied.push_back(p.name);
  CHECK(implied == std::vector<std::string>{"android.permission.READ_EXTERNAL_STORAGE",
                                            "android.permission.READ_PHONE_STATE",
                                            "android.permission.WRITE_EXTERNAL_STORAGE"});
}

TEST_CASE("providers default to exported below targetSdk 17, other components follow their intent filters") {
  size_t providers_checked = 0;
  for (const auto& p : test::corpus_apks()) {
    std::unique_ptr<AppPackage> app;
    try {
      app = std::make_unique<AppPackage>(p.string());
    } catch (const std::exception&) {
      continue;
    }
    ManifestFacts m = analyze_manifest(*app, nullptr, app->anomalies());
    for (const auto& c : m.components) {
      if (c.exported_explicit) {
        CHECK(c.exported == *c.exported_explicit);
      } else if (c.exported_raw) {
        CHECK(c.exported);
      } else if (c.kind == ComponentKind::provider) {
        CHECK(c.exported == (m.target_sdk < 17));
        ++providers_checked;
      } else {
        CHECK(c.exported == !c.intent_filters.empty());
      }
    }
  }
  MESSAGE(providers_checked << " corpus providers without android:exported");
}

namespace {

// A manifest document built by hand: <manifest package><uses-sdk target/><application><provider|service>.
std::shared_ptr<AxmlDocument> tiny_manifest(int target_sdk, const char* component_tag, bool with_filter) {
  auto doc = std::make_shared<AxmlDocument>();
  auto add = [&](const char* name, size_t parent) {
    AxmlElement e;
    e.name = e.qualified_name = name;
    e.parent = parent;
    doc->elements.push_back(e);
    size_t i = doc->elements.size() - 1;
    if (parent != SIZE_MAX) doc->elements[parent].children.push_back(i);
    return i;
  };
  auto attr = [&](size_t e, uint32_t id, uint8_t type, uint32_t data, const char* s) {
    AxmlAttribute a;
    a.resource_id = id;
    a.type = type;
    a.data = data;
    if (s) a.string_data = a.raw = s;
    doc->elements[e].attributes.push_back(a);
  };
  size_t m = add("manifest", SIZE_MAX);
  doc->roots.push_back(m);
  AxmlAttribute pkg;
  pkg.name = "package";
  pkg.raw = "gov.test.tiny";
  pkg.type = kAxmlString;
  doc->elements[m].attributes.push_back(pkg);
  size_t sdk = add("uses-sdk", m);
  attr(sdk, 0x01010270, kAxmlIntDec, static_cast<uint32_t>(target_sdk), nullptr);
  size_t app = add("application", m);
  size_t c = add(component_tag, app);
  attr(c, 0x01010003, kAxmlString, 0, ".Thing");
  if (with_filter) {
    size_t f = add("intent-filter", c);
    size_t a = add("action", f);
    AxmlAttribute n;
    n.ns = std::string(kAndroidNamespace);
    n.name = "name";
    n.resource_id = 0x01010003;
    n.type = kAxmlString;
    n.raw = n.string_data = "gov.test.ACTION";
    doc->elements[a].attributes.push_back(n);
  }
  return doc;
}

}  // namespace

TEST_CASE("implied exported: providers below targetSdk 17, intent filters, Android 12 refuses implicit") {
  AnomalySink sink;
  CHECK(type_manifest(tiny_manifest(16, "provider", false), "AndroidManifest.xml", nullptr, sink).components[0].exported);
  CHECK_FALSE(type_manifest(tiny_manifest(17, "provider", false), "AndroidManifest.xml", nullptr, sink).components[0].exported);
  auto svc = type_manifest(tiny_manifest(30, "service", true), "AndroidManifest.xml", nullptr, sink);
  CHECK(svc.components[0].name == "gov.test.tiny.Thing");
  CHECK(svc.components[0].exported);
  CHECK(svc.components[0].intent_filters[0].actions == std::vector<std::string>{"gov.test.ACTION"});
  CHECK_FALSE(sink.has("manifest.exported_required"));
  auto s31 = type_manifest(tiny_manifest(31, "receiver", true), "AndroidManifest.xml", nullptr, sink);
  CHECK(s31.components[0].exported);
  CHECK(sink.has("manifest.exported_required"));
  CHECK_FALSE(type_manifest(tiny_manifest(31, "activity", false), "AndroidManifest.xml", nullptr, sink).components[0].exported);
}

TEST_CASE("apkvet manifest FILE prints the same tree as aapt dump xmltree") {
  for (const char* name : {"00030955c0d359b3.apk", "020f3070fecb2252.apk", "0b8ba0c6cebe5695.apk", "1dbd8024bfc1bb66.apk"}) {
    std::string apk = corpus(name);
    auto run = [](const std::string& cmd) {
      std::string out;
      FILE* p = popen(cmd.c_str(), "r");
      REQUIRE(p);
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      pclose(p);
      return out;
    };
    std::string ours = run(std::string(APKVET_BINARY) + " manifest '" + apk + "' 2>/dev/null");
    std::string aapt = run("aapt dump xmltree '" + apk + "' AndroidManifest.xml 2>/dev/null");
    CHECK_MESSAGE(ours == aapt, name);
    CHECK(!ours.empty());
  }
}

TEST_CASE("the permission catalogue holds every entry of the shipped file, as written") {
  // The catalogue is read through its binary index (manifest/permission_catalog.h); compare it with
  // nlohmann's document of the JSON.
  Json j = Json::parse(read_text_file(rules_path("permissions/android_permissions.json")));
  size_t checked = 0;
  for (const auto& [name, p] : j.at("permissions").items()) {
    CAPTURE(name);
    PermissionInfo info = lookup_permission(name);
    REQUIRE(info.known);
    CHECK(info.protection_level == p.value("protection_level", ""));
    CHECK(info.base_protection == p.value("base_protection", ""));
    CHECK(info.runtime_group == p.value("runtime_group", ""));
    CHECK(info.added_api == (p.contains("added_api") ? std::optional<int>(p["added_api"].get<int>()) : std::nullopt));
    CHECK(info.removed_api == (p.contains("removed_api") ? std::optional<int>(p["removed_api"].get<int>()) : std::nullopt));
    CHECK(info.deprecated == p.value("deprecated", false));
    ++checked;
  }
  for (const auto& [name, p] : j.at("non_platform_permissions").items()) {
    CAPTURE(name);
    if (j["permissions"].contains(name)) continue;  // the platform's entry wins
    PermissionInfo info = lookup_permission(name);
    REQUIRE(info.known);
    CHECK(info.protection_level == p.value("protection_level", ""));
    CHECK(info.base_protection == info.protection_level);
    CHECK(info.runtime_group.empty());
    ++checked;
  }
  CHECK(checked > 1000);
  CHECK(lookup_permission("android.permission.READ_CONTACTS").protection_level == "dangerous");
  CHECK(lookup_permission("android.permission.READ_CONTACTS").runtime_group == "android.permission-group.CONTACTS");
  CHECK_FALSE(lookup_permission("com.example.NOT_A_PERMISSION").known);
}

TEST_CASE("flags written as resource references (@bool/...) read as the platform resolves them") {
  // fixtures/apps/refflags: debuggable, allowBackup, usesCleartextTraffic and a service's exported are
  // all "@bool/..." resources that are true. aapt dump badging resolves debuggable too.
  AppPackage app(test::fixture("refflags.apk"));
  std::shared_ptr<const ResourceTable> table;
  analyze_resources(app, app.anomalies(), table);
  REQUIRE(table);
  ManifestFacts m = analyze_manifest(app, table.get(), app.anomalies());
  CHECK(m.application.debuggable == std::optional<bool>(true));
  CHECK(m.application.allow_backup_explicit == std::optional<bool>(true));
  CHECK(m.application.uses_cleartext_traffic_explicit == std::optional<bool>(true));
  const ManifestComponent* sync = component(m, "gov.test.refflags.SyncService");
  REQUIRE(sync);
  CHECK(sync->exported);
  CHECK(sync->exported_reason == "explicit");
  // Without the resource table the references cannot be read: the literal-only view, as before.
  ManifestFacts literal = analyze_manifest(app, nullptr, app.anomalies());
  CHECK_FALSE(literal.application.debuggable.value_or(false));
}
