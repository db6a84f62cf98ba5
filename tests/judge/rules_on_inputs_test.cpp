// Every shipped rule fires on a real input built or collected for it, the clean fixture raises
// nothing, the leaky fixture is rejected under the government policy for the expected reasons, and the
// risky fixture raises exactly the findings it plants.
// A rule added to rules/checks without an entry here fails the completeness case.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "report/app_report.h"
#include "scan/scan.h"
#include "test_support.h"

using namespace apkvet;

namespace {

const JudgeContext& context() {
  static const JudgeContext ctx = load_judge_context("", "government-device", "", "2026-12-01");
  return ctx;
}

AppReport report_of(const std::string& path) {
  ScanResult scan = scan_file(path, ScanOptions{});
  REQUIRE_MESSAGE(scan.ok, path << ": " << scan.error);
  return make_app_report(scan, context());
}

std::set<std::string> fired(const AppReport& r) {
  std::set<std::string> ids;
  for (const auto& f : r.judgement.findings) ids.insert(f.rule->id);
  return ids;
}

std::string corpus(const std::string& id) { return test::corpus_dir() + "/apks/" + id + ".apk"; }

// The rules fixtures/apps/risky plants (fixtures/README.md). Its dates lie years in the past (pin-set
// expiration 2020-01-01, certificate not after 2016-01-01): the scan judges them against the clock.
const char* const kRiskyRules[] = {"HYG-TEST-ONLY",       "HYG-LEGACY-STORAGE",          "HYG-SHARED-USER-ID",
                                   "EGRESS-PINS-EXPIRED", "DATA-PERM-LOCATION-BACKGROUND", "DATA-PERM-NOTIFICATIONS",
                                   "DATA-PERM-SENSORS",   "DATA-PERM-STORAGE-ALL",       "SIGN-CERTIFICATE-EXPIRED"};

// rule id -> a real input it must fire on: a fixture built by Android's tools (fixtures/) or a corpus APK.
const std::map<std::string, std::string>& inputs_for_rules() {
  static const std::map<std::string, std::string> m = [] {
    std::map<std::string, std::string> m;
    const std::string leaky = test::fixture("leaky.apk");
    for (const char* id :
         {"CODE-DYNAMIC-LOADING", "CODE-REFLECTION", "CODE-RUNTIME-EXEC", "CODE-WEAK-CRYPTO", "DATA-CODE-ACCOUNTS",
          "DATA-CODE-CALL-LOG", "DATA-CODE-CAMERA", "DATA-CODE-CLIPBOARD", "DATA-CODE-CONTACTS",
          "DATA-CODE-IDENTIFIERS", "DATA-CODE-INSTALLED-APPS", "DATA-CODE-LOCATION", "DATA-CODE-MICROPHONE",
          "DATA-CODE-SMS", "DATA-PERM-ACCOUNTS", "DATA-PERM-CALL-LOG", "DATA-PERM-CAMERA", "DATA-PERM-CONTACTS",
          "DATA-PERM-IDENTIFIERS", "DATA-PERM-INSTALLED-APPS", "DATA-PERM-LOCATION", "DATA-PERM-MICROPHONE",
          "DATA-PERM-SMS", "DATA-PERSONAL-TO-INTEL-JURISDICTION", "EGRESS-CLEARTEXT-ALLOWED",
          "EGRESS-INTEL-LAW-JURISDICTION", "EGRESS-THIRD-PARTY-ENDPOINT", "EGRESS-TRACKER", "EGRESS-TRACKER-PROFILING",
          "EGRESS-US-CLOUD-ACT", "HYG-BACKUP", "HYG-DEBUGGABLE", "HYG-EMBEDDED-SECRET", "HYG-EXPORTED-PROVIDER",
          "HYG-EXPORTED-UNPROTECTED"})
      m[id] = leaky;
    for (const char* id : {"NATIVE-ANTI-DEBUG", "NATIVE-CODE", "NATIVE-DYNAMIC-LOADING", "NATIVE-EXEC",
                           "NATIVE-NO-CANARY", "NATIVE-NO-NX", "NATIVE-NO-RELRO", "NATIVE-RPATH", "NATIVE-TEXTREL"})
      m[id] = test::fixture("native/native-weak.apk");
    m["NATIVE-HIDDEN-ELF"] = test::fixture("native/native-vet.apk");
    m["NATIVE-DECODED-STRINGS"] = test::fixture("native/native-emulated.apk");
    m["DATA-NATIVE-JNI-API"] = test::fixture("native/native-emulated.apk");
    m["NATIVE-UNANALYSABLE"] = test::fixture("native/native-vet.apk");
    m["CODE-PACKER"] = test::fixture("native/native-frameworks.apk");
    m["CODE-ARCHIVE-EVASION"] = test::fixture("tampered/badpack_local_method.apk");
    m["CODE-JANUS"] = test::fixture("tampered/janus_dex_prefix.apk");
    m["CODE-MANIFEST-EVASION"] = test::fixture("tampered/axml_header_type.apk");
    m["HYG-ZIP-BOMB"] = test::fixture("tampered/zip_bomb_declared.apk");
    // risky.apk: the manifest flags, permissions, expired pin-set and expired signing certificate leaky lacks.
    for (const char* id : kRiskyRules) m[id] = test::fixture("risky.apk");
    m["SIGN-DEBUG-CERTIFICATE"] = test::fixture("signing/debug.apk");
    m["SIGN-INVALID"] = test::fixture("signing/tampered_byte_v1_v2_v3.apk");
    m["SIGN-JANUS-V1-ONLY"] = test::fixture("signing/v1_only.apk");
    m["SIGN-STRIPPED"] = test::fixture("signing/stripped_v2_v3.apk");
    m["SIGN-UNSIGNED"] = test::fixture("signing/unsigned.apk");
    m["SIGN-WEAK"] = test::fixture("signing/v1_sha1.apk");
    m["EGRESS-USER-CA-TRUSTED"] = corpus("09161f0f22270c8c");  // targetSdk < 24 trusts user CAs by default
    m["EGRESS-CLEARTEXT-ENDPOINT"] = corpus("09161f0f22270c8c");
    m["CODE-STRING-ENCRYPTION"] = corpus("09161f0f22270c8c");
    m["NATIVE-UNBOUND-METHODS"] = corpus("2228c2f40f8b0c7c");  // DIVA: DivaJni's natives, no lib/ shipped
    m["CODE-DEVICE-ADMIN"] = corpus("09161f0f22270c8c");
    m["DATA-PERM-CALLS"] = corpus("09161f0f22270c8c");
    m["DATA-PERM-STORAGE"] = corpus("09161f0f22270c8c");
    m["CODE-OBFUSCATED"] = corpus("0b8ba0c6cebe5695");
    m["CODE-ACCESSIBILITY-SERVICE"] = corpus("18a5f723ff33fd18");
    m["CODE-OVERLAY"] = corpus("18a5f723ff33fd18");
    m["CODE-INSTALL-PACKAGES"] = corpus("2d258710afc74a67");
    m["DATA-CODE-CALENDAR"] = corpus("5bdbfa071cca4b8d");
    m["DATA-PERM-CALENDAR"] = corpus("0c2494c03f07f891");
    m["DATA-PERM-NEARBY"] = corpus("0c2494c03f07f891");
    m["HYG-OLD-TARGET-SDK"] = corpus("09161f0f22270c8c");
    return m;
  }();
  return m;
}

}  // namespace

TEST_CASE("the clean fixture raises no finding and is approved under the government policy") {
  AppReport r = report_of(test::fixture("clean.apk"));
  CHECK(fired(r).empty());
  CHECK(r.judgement.verdict == rules::Verdict::approve);
}

TEST_CASE("the leaky fixture is rejected under the government policy for the expected reasons") {
  AppReport r = report_of(test::fixture("leaky.apk"));
  CHECK(r.judgement.verdict == rules::Verdict::reject);
  std::set<std::string> reason_rules;
  for (const auto& reason : r.judgement.reasons) reason_rules.insert(reason.rules.begin(), reason.rules.end());
  for (const char* id : {"HYG-DEBUGGABLE", "DATA-PERSONAL-TO-INTEL-JURISDICTION", "DATA-CODE-CONTACTS",
                         "EGRESS-INTEL-LAW-JURISDICTION", "DATA-PERM-SMS"}) {
    INFO(id);
    CHECK(reason_rules.count(id) == 1);
  }
  // Evidence reaches the findings: the contacts finding names the class and method that reads them.
  bool cited_caller = false;
  for (const auto& f : r.judgement.findings)
    if (f.rule->id == "DATA-CODE-CONTACTS")
      for (const auto& c : f.citations)
        cited_caller |= c.value.is_string() && c.value.get<std::string>().find("Lgov/test/leaky/") == 0;
  CHECK(cited_caller);
}

TEST_CASE("each rule fires on the real input listed for it") {
  std::map<std::string, std::set<std::string>> fired_by_input;
  for (const auto& [rule, input] : inputs_for_rules()) {
    if (!fired_by_input.count(input)) fired_by_input[input] = fired(report_of(input));
    INFO(rule << " on " << input);
    CHECK(fired_by_input[input].count(rule) == 1);
  }
}

TEST_CASE("the risky fixture raises exactly what it plants and is rejected under the government policy") {
  ScanResult scan = scan_file(test::fixture("risky.apk"), ScanOptions{});
  REQUIRE_MESSAGE(scan.ok, scan.error);
  // A well-formed APK signed v1+v2+v3 (apksigner verifies it when the fixture is built) by the expired
  // key, whose certificate digest apksigner prints; its only anomaly is the expiry.
  const Json facts = scan.facts;  // the facts as the rules read them
  const Json& signing = facts["signing"];
  CHECK(signing["schemes_verified"] == Json::array({"v1", "v2", "v3"}));
  REQUIRE(signing["signer_certificates"].size() == 1);
  CHECK(signing["signer_certificates"][0]["sha256"] ==
        "0a6b8af15c1213355f3d1798aaab5fd5f64a37d0c0a26820d4b646159d627b69");
  CHECK(signing["signer_certificates"][0]["not_after"] == "2016-01-01T00:00:00Z");
  std::set<std::string> anomalies;
  for (const auto& a : facts["anomalies"]) anomalies.insert(a["id"].get<std::string>());
  CHECK(anomalies == std::set<std::string>{"signing.certificate_expired"});

  AppReport r = make_app_report(scan, context());
  std::set<std::string> expected(std::begin(kRiskyRules), std::end(kRiskyRules));
  expected.insert("DATA-PERM-LOCATION");  // ACCESS_FINE_LOCATION, which background location needs
  CHECK(fired(r) == expected);
  CHECK(r.judgement.verdict == rules::Verdict::reject);
}

TEST_CASE("every shipped rule is covered by a real input above") {
  std::set<std::string> covered;
  for (const auto& [rule, input] : inputs_for_rules()) covered.insert(rule);
  for (const auto& rule : context().rules.rules) {
    if (rule.id.rfind("TRAFFIC-", 0) == 0) continue;  // judged over captures: tests/traffic
    if (rule.id == "SCAN-INCOMPLETE") continue;       // needs a broken installation: incomplete_analysis_test.cpp
    INFO(rule.id << " (" << rule.source << ")");
    CHECK(covered.count(rule.id) == 1);
  }
}

TEST_CASE("a real notification listener service raises DATA-PERM-NOTIFICATIONS without the uses-permission") {
  // fb913cccb0957c5b declares a service guarded by BIND_NOTIFICATION_LISTENER_SERVICE (aapt badging:
  // provides-component:'notification-listener') and, like real apps, does not request the permission,
  // which only the system holds. The rule first looked only at uses-permission and missed it.
  AppReport r = report_of(corpus("fb913cccb0957c5b"));
  bool via_service = false;
  for (const auto& f : r.judgement.findings)
    if (f.rule->id == "DATA-PERM-NOTIFICATIONS")
      for (const auto& c : f.citations) via_service |= c.path == "manifest.components[]";
  CHECK(via_service);
}
