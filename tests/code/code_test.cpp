// Code facts on real inputs: the leaky fixture plants every data category in known methods (one of
// them unreachable, DeadCode.readCalendar); the clean fixture must give none.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "code/code_model.h"
#include "code/code_rules.h"
#include "code/obfuscation.h"
#include "code/tracker_matcher.h"
#include "code_support.h"
#include "test_support.h"

using namespace apkvet;
using apkvet::test::use_by;

namespace {

const CodeFacts& leaky() {
  static auto run = test::run_code(test::fixture("leaky.apk"));
  return run->facts;
}

const TrackerFinding* tracker(const CodeFacts& f, const std::string& name) {
  for (const auto& t : f.trackers)
    if (t.name == name) return &t;
  return nullptr;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("rules load with provenance and every category labelled") {
  auto rules = code::load_code_rules(test::fixtures_dir() + "/../rules");
  CHECK(rules->apis.size() >= 78);
  CHECK(rules->members.size() >= 300);
  CHECK(rules->mappings.size() >= 1200);
  CHECK(rules->trackers.size() == 432);
  CHECK(rules->packers.size() >= 10);
  for (const auto& a : rules->apis) {
    CHECK_MESSAGE(!a.provenance_source.empty(), a.id);
    CHECK_MESSAGE(rules->category_labels.count(a.category) == 1, a.category);
  }
  for (const auto& t : rules->trackers) CHECK_MESSAGE(!t.provenance.empty(), t.name);
}

TEST_CASE("tracker matcher: Exodus semantics, package-boundary strength, packer stubs") {
  auto rules = code::load_code_rules(test::fixtures_dir() + "/../rules");
  code::TrackerMatcher m(*rules);
  code::TrackerMatcher::Scanner s(m);
  auto names = [&](const std::string& cls) {
    std::vector<code::ClassMatch> out;
    s.scan(cls, out);
    std::vector<std::pair<std::string, bool>> r;
    for (const auto& c : out)
      r.emplace_back(c.kind == code::ClassMatch::Kind::tracker ? rules->trackers[c.index].name : rules->packers[c.index].id,
                     c.boundary);
    return r;
  };
  auto fb = names("com.facebook.ads.AdView");
  REQUIRE(std::count_if(fb.begin(), fb.end(), [](auto& p) { return p.first == "Facebook Ads" && p.second; }) == 1);
  // Exodus's '.' is any character: "com.crashlytics." also matches "xcom.crashlyticsY" but not at a boundary.
  auto loose = names("xcom.crashlytics.Foo");
  REQUIRE(std::count_if(loose.begin(), loose.end(), [](auto& p) { return p.first == "Google CrashLytics"; }) == 1);
  CHECK(std::none_of(loose.begin(), loose.end(), [](auto& p) { return p.first == "Google CrashLytics" && p.second; }));
  CHECK(names("gov.test.clean.MainActivity").empty());
  auto jiagu = names("com.stub.StubApp");
  CHECK(std::count_if(jiagu.begin(), jiagu.end(), [](auto& p) { return p.first == "jiagu_360"; }) == 1);
  CHECK(names("com.stub.StubAppX").empty());
  CHECK(code::dotted_class_name("Lcom/a/B$C;") == "com.a.B$C");
}

TEST_CASE("leaky fixture: each planted category with its caller, reachable from the manifest") {
  const CodeFacts& f = leaky();
  REQUIRE(f.analyzed);
  CHECK(f.entry_points.resolved_components >= 8);
  struct Expect {
    const char* category;
    const char* caller;
    const char* sub;
  };
  const Expect planted[] = {
      {"contacts", "Lgov/test/leaky/ContactsReader;->readContacts(", ""},
      {"contacts", "Lgov/test/leaky/ContactsReader;->readContacts(", "content_uri:com.android.contacts"},
      {"accounts_email", "Lgov/test/leaky/AccountsReader;->readAccounts(", ""},
      {"device_identifiers", "Lgov/test/leaky/DeviceIds;->imei(", "imei_meid"},
      {"device_identifiers", "Lgov/test/leaky/DeviceIds;->imsi(", "imsi"},
      {"device_identifiers", "Lgov/test/leaky/DeviceIds;->simSerial(", "sim_serial"},
      {"device_identifiers", "Lgov/test/leaky/DeviceIds;->phoneNumber(", "phone_number"},
      {"device_identifiers", "Lgov/test/leaky/DeviceIds;->androidId(", "android_id"},
      {"device_identifiers", "Lgov/test/leaky/DeviceIds;->macAddress(", "mac_address"},
      {"device_identifiers", "Lgov/test/leaky/DeviceIds;->advertisingId(", "advertising_id"},
      {"location", "Lgov/test/leaky/LocationTracker;->lastKnown(", ""},
      {"location", "Lgov/test/leaky/LocationTracker;->subscribe(", ""},
      {"camera", "Lgov/test/leaky/MediaSpy;->openCamera(", ""},
      {"microphone", "Lgov/test/leaky/MediaSpy;->recordAudio(", ""},
      {"sms_mms", "Lgov/test/leaky/SmsSpy;->send(", "send_sms"},
      {"sms_mms", "Lgov/test/leaky/SmsSpy;->readInbox(", "content_uri:sms"},
      {"call_log", "Lgov/test/leaky/CallLogReader;->readCalls(", ""},
      {"clipboard", "Lgov/test/leaky/ClipboardSpy;->readClip(", ""},
      {"installed_apps", "Lgov/test/leaky/AppLister;->listApps(", ""},
      {"dynamic_code_loading", "Lgov/test/leaky/CodeLoader;->loadDex(", ""},
      {"native_code", "Lgov/test/leaky/CodeLoader;->loadNative(", ""},
      {"runtime_exec", "Lgov/test/leaky/ShellRunner;->runSu(", ""},
      {"reflection", "Lgov/test/leaky/ReflectionUser;->callHidden(", ""},
      {"weak_crypto", "Lgov/test/leaky/WeakCrypto;->desCipher(", "weak_cipher"},
      {"network", "Lgov/test/leaky/NetClient;->httpGet(", "http_urlconnection"},
      {"network", "Lgov/test/leaky/NetClient;->okhttpPost(", "okhttp"},
      {"network", "Lgov/test/leaky/WebViewLoader;->load(", "webview"},
  };
  for (const auto& e : planted) {
    const std::string what = std::string(e.category) + " " + e.caller + " " + e.sub;
    CAPTURE(what);
    const ApiUse* u = use_by(f, e.category, e.caller, e.sub);
    REQUIRE(u != nullptr);
    CHECK(u->reach == Reach::reachable);
    CHECK(u->evidence.file.find("classes.dex") != std::string::npos);
    CHECK(u->evidence.location.rfind(e.caller, 0) == 0);
    // The example path starts at a manifest entry point and ends in the caller.
    REQUIRE(!u->path.methods.empty());
    CHECK(u->path.entry_reason.find("manifest") == 0);
    CHECK(u->path.methods.back().rfind(e.caller, 0) == 0);
  }
  // MainActivity.onCreate is the entry of the planted calls.
  const ApiUse* imei = use_by(f, "device_identifiers", "Lgov/test/leaky/DeviceIds;->imei(", "imei_meid");
  REQUIRE(imei);
  CHECK(imei->path.entry_reason == "manifest activity gov.test.leaky.MainActivity");
  CHECK(imei->path.methods.front() == "Lgov/test/leaky/MainActivity;->onCreate(Landroid/os/Bundle;)V");
  CHECK(imei->target == "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;");
}

TEST_CASE("leaky fixture: the dead calendar read is found and unreachable") {
  const CodeFacts& f = leaky();
  const ApiUse* cal = use_by(f, "calendar", "Lgov/test/leaky/DeadCode;->readCalendar(");
  REQUIRE(cal != nullptr);
  CHECK(cal->reach == Reach::unreachable);
  CHECK(cal->path.methods.empty());
  const CategoryUse* c = test::category(f, "calendar");
  REQUIRE(c);
  CHECK(c->reachable_uses == 0);
}

TEST_CASE("leaky fixture: permissions requested vs used") {
  const PermissionFacts& p = leaky().permissions;
  CHECK(p.requested_from == "manifest");
  auto used = [&](const std::string& perm) -> const PermissionUse* {
    for (const auto& u : p.used)
      if (u.permission == perm) return &u;
    return nullptr;
  };
  for (const char* perm : {"android.permission.READ_CONTACTS", "android.permission.GET_ACCOUNTS",
                           "android.permission.READ_PHONE_STATE", "android.permission.ACCESS_FINE_LOCATION",
                           "android.permission.RECORD_AUDIO", "android.permission.CAMERA",
                           "android.permission.READ_SMS", "android.permission.INTERNET",
                           "android.permission.QUERY_ALL_PACKAGES", "android.permission.READ_CALL_LOG"}) {
    CAPTURE(perm);
    const PermissionUse* u = used(perm);
    REQUIRE(u);
    CHECK(u->requested);
    CHECK(u->reachable_uses > 0);
  }
  // Requested but no code writes contacts: over-privilege.
  std::set<std::string> unused;
  for (const auto& u : p.requested_unused) unused.insert(u.permission);
  CHECK(unused.count("android.permission.WRITE_CONTACTS") == 1);
  CHECK(unused.count("android.permission.READ_CONTACTS") == 0);
  // Used but not requested: SEND_SMS (reachable) and READ_CALENDAR (dead code).
  auto missing = [&](const std::string& perm) -> const MissingPermission* {
    for (const auto& m : p.used_not_requested)
      if (contains(m.needs, perm)) return &m;
    return nullptr;
  };
  const MissingPermission* sms = missing("android.permission.SEND_SMS");
  REQUIRE(sms);
  CHECK(sms->reach == Reach::reachable);
  CHECK(sms->example.location.rfind("Lgov/test/leaky/SmsSpy;->send(", 0) == 0);
  const MissingPermission* cal = missing("android.permission.READ_CALENDAR");
  REQUIRE(cal);
  CHECK(cal->reach == Reach::unreachable);
  // Dangerous permissions grouped by the data they open.
  bool contacts_group = false;
  for (const auto& g : p.dangerous_groups)
    if (g.group == "android.permission-group.CONTACTS") {
      contacts_group = true;
      CHECK(contains(g.requested, "android.permission.READ_CONTACTS"));
      CHECK(contains(g.used, "android.permission.READ_CONTACTS"));
      CHECK(contains(g.categories, "contacts"));
    }
  CHECK(contacts_group);
}

TEST_CASE("leaky fixture: tracker SDKs with defined classes, reachable from the Application") {
  const CodeFacts& f = leaky();
  for (const char* name : {"Facebook Ads", "AppsFlyer", "Google Firebase Analytics"}) {
    CAPTURE(name);
    const TrackerFinding* t = tracker(f, name);
    REQUIRE(t);
    CHECK(t->defined_classes >= 1);
    CHECK(t->boundary_match);
    CHECK(!t->categories.empty());
    CHECK(t->reach == Reach::reachable);
    REQUIRE(!t->path.methods.empty());
    CHECK(t->path.entry_reason == "manifest application gov.test.leaky.LeakyApp");
  }
  const TrackerFinding* fb = tracker(f, "Facebook Ads");
  REQUIRE(fb);
  CHECK(contains(fb->sample_classes, "com.facebook.ads.AdView"));
  CHECK(fb->country == "US");
}

TEST_CASE("clean fixture: no sensitive use, no tracker, no permission finding") {
  auto run = test::run_code(test::fixture("clean.apk"));
  const CodeFacts& f = run->facts;
  REQUIRE(f.analyzed);
  CHECK(f.categories.empty());
  CHECK(f.trackers.empty());
  CHECK(f.packers.empty());
  CHECK(f.permissions.requested.empty());
  CHECK(f.permissions.used.empty());
  CHECK(f.permissions.used_not_requested.empty());
  CHECK(!f.obfuscation.renamed);
  CHECK(!f.obfuscation.string_encryption_suspected);
  CHECK(f.entry_points.resolved_components == 1);
  CHECK(f.entry_points.reachable_methods >= 2);
}

TEST_CASE("obfuscation heuristics") {
  CHECK(code::meaningless_name("a", true));
  CHECK(code::meaningless_name("ab", false));
  CHECK(code::meaningless_name("abc", true));
  CHECK(!code::meaningless_name("Foo", true));
  CHECK(!code::meaningless_name("1", true));  // anonymous class
  CHECK(!code::meaningless_name("onCreate", false));
  CHECK(code::shannon_entropy("aaaa") == doctest::Approx(0.0));
  CHECK(code::shannon_entropy("abcd") == doctest::Approx(2.0));
}

TEST_CASE("every corpus APK: code analysis completes and its JSON is deterministic") {
  size_t analyzed = 0;
  for (const auto& path : test::corpus_apks()) {
    CAPTURE(path.string());
    std::unique_ptr<test::CodeRun> a, b;
    try {
      a = test::run_code(path.string());
      b = test::run_code(path.string());
    } catch (const std::runtime_error&) {
      continue;  // the input cannot be opened as an app at all (covered by the archive tests)
    }
    Json ja = a->facts, jb = b->facts;
    CHECK(ja.dump() == jb.dump());
    ++analyzed;
    for (const auto& c : a->facts.categories) {
      CHECK(c.uses >= c.reachable_uses);
      CHECK(c.examples.size() <= 25);
      for (const auto& u : c.examples) {
        CHECK(!u.evidence.file.empty());
        CHECK(!u.caller_method.empty());
        if (u.reach == Reach::reachable) CHECK(!u.path.methods.empty());
      }
    }
  }
  CHECK(analyzed >= 100);
}

TEST_CASE("code model: a method key is its name and proto descriptor, the same in every DEX file") {
  // Protos are interned by their types' ids, not by their descriptor strings: the keys must still
  // be a function of (name, descriptor) and tell apart what the strings tell apart. Multidex corpus
  // APKs share most protos across their files.
  size_t multidex = 0;
  for (const char* name : {"27fbecf7aeb68bef.apk", "2d84fb767564798f.apk", "3a15c9d58c0dc91d.apk"}) {
    CAPTURE(name);
    auto run = test::run_code(test::corpus_dir() + "/apks/" + name);
    code::CodeModel model(*run->corpus);
    if (model.file_count() > 1) ++multidex;
    std::map<std::string, uint32_t> key_of;
    std::map<uint32_t, std::string> signature_of;
    size_t checked = 0;
    for (uint32_t f = 0; f < model.file_count(); ++f) {
      const auto& df = model.file(f);
      auto mids = df.method_ids();
      for (uint32_t i = 0; i < mids.size(); ++i) {
        uint32_t key = model.method_key(f, i);
        if (key == code::kNone) continue;
        std::string proto = df.method_descriptor(mids[i].proto_idx);
        std::string sig = std::string(df.method_name(i)) + proto;
        auto [k, new_sig] = key_of.try_emplace(sig, key);
        auto [s, new_key] = signature_of.try_emplace(key, sig);
        CHECK(k->second == key);
        CHECK(s->second == sig);
        if (new_sig) CHECK(model.key_for(df.method_name(i), proto) == key);
        ++checked;
      }
    }
    CHECK(checked > 1000);
  }
  CHECK(multidex == 3);
}
