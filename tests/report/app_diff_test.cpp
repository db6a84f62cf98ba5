// apkvet diff and diff_app_reports(): real outcomes on the fixtures. clean.apk -> leaky.apk is a
// worse app in every way; an APK against itself is no change; the same app signed with another key
// is flagged as a grave change.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "report/app_diff.h"
#include "report_test_util.h"

using namespace apkvet::test;
using nlohmann::json;

namespace {

json diff_json(const std::string& old_apk, const std::string& new_apk, const std::string& name) {
  auto out = scratch_dir() / name;
  REQUIRE(apkvet_to("diff --format json --policy " + sh_quote(policy()) + " " + sh_quote(old_apk) + " " +
                        sh_quote(new_apk),
                    out) == 0);
  return json::parse(read_all(out));
}

bool has(const json& list, const std::string& value) {
  return std::any_of(list.begin(), list.end(), [&](const json& v) {
    return v.is_string() ? v == value : (v.value("name", "") == value || v.value("rule", "") == value);
  });
}

}  // namespace

TEST_CASE("diff clean to leaky shows dangerous permissions and trackers and endpoints and the verdict change") {
  json d = diff_json(fixture("clean.apk"), fixture("leaky.apk"), "clean-leaky.json");
  CHECK(d["changed"] == true);
  CHECK(d["package"]["old"] == "gov.test.clean");
  CHECK(d["package"]["new"] == "gov.test.leaky");
  const json& perms = d["permissions"]["added"];
  CHECK(has(perms, "android.permission.READ_SMS"));
  CHECK(has(perms, "android.permission.READ_CALL_LOG"));
  for (const auto& p : perms)
    if (p["name"] == "android.permission.RECORD_AUDIO") CHECK(p["dangerous"] == true);
  CHECK(d["permissions"]["removed"].empty());
  CHECK(has(d["data_categories"]["added"], "location (by permission)"));
  CHECK(has(d["data_categories"]["added"], "sms_mms (by code)"));
  CHECK(has(d["trackers"]["added"], "AppsFlyer"));
  CHECK(has(d["owners"]["added"], "ByteDance Ltd. (TikTok, Douyin, Toutiao, Pangle, CapCut, Lark, BytePlus/Volcengine)"));
  CHECK(has(d["jurisdictions"]["added"], "CN"));
  CHECK(d["endpoints"]["added"].size() >= 5);
  CHECK(has(d["findings"]["added"], "HYG-DEBUGGABLE"));
  CHECK(d["verdict"]["old"] == "approve");
  CHECK(d["verdict"]["new"] == "reject");
  CHECK(d["scores"]["data_access"]["delta"].get<int>() > 0);
  // Same fixture key on both: no signer change.
  CHECK_FALSE(d.contains("signer_changed"));

  // The text rendering says the same, one line per change.
  auto text = scratch_dir() / "clean-leaky.txt";
  REQUIRE(apkvet_to("diff --policy " + sh_quote(policy()) + " " + sh_quote(fixture("clean.apk")) + " " +
                        sh_quote(fixture("leaky.apk")),
                    text) == 0);
  std::string t = read_all(text);
  CHECK(t.find("verdict    approve -> reject") != std::string::npos);
  CHECK(t.find("+ permissions  android.permission.READ_SMS [dangerous]") != std::string::npos);
  CHECK(t.find("SIGNER") == std::string::npos);
}

TEST_CASE("diff of an APK with itself is empty") {
  json d = diff_json(fixture("leaky.apk"), fixture("leaky.apk"), "self.json");
  CHECK(d["changed"] == false);
  // Only the two summaries remain.
  CHECK(d.size() == 3);
  CHECK(d["old"] == d["new"]);
}

TEST_CASE("diff flags a signer certificate change between two builds of the same package") {
  // fixtures/built/signing: the same tiny app signed with the fixture key and with a debug key.
  json d = diff_json(fixture("signing/v1_v2_v3.apk"), fixture("signing/debug.apk"), "signer.json");
  CHECK(d["old"]["package"] == d["new"]["package"]);
  REQUIRE(d.contains("signer_changed"));
  CHECK(d["signer_changed"]["grave"] == true);
  CHECK(d["signer_changed"]["old"] != d["signer_changed"]["new"]);
  CHECK(d["signer_changed"]["new"].size() == 1);
  auto text = scratch_dir() / "signer.txt";
  REQUIRE(apkvet_to("diff " + sh_quote(fixture("signing/v1_v2_v3.apk")) + " " + sh_quote(fixture("signing/debug.apk")),
                    text) == 0);
  CHECK(read_all(text).find("SIGNER CERTIFICATE CHANGED") != std::string::npos);
  auto html = scratch_dir() / "signer.html";
  REQUIRE(apkvet_to("diff --format html " + sh_quote(fixture("signing/v1_v2_v3.apk")) + " " +
                        sh_quote(fixture("signing/debug.apk")),
                    html) == 0);
  CHECK(read_all(html).find("<h3 class=\"warn\">Signer certificate changed</h3>") != std::string::npos);
}

TEST_CASE("diff HTML escapes the app's strings (xss.apk's versionName carries a script tag)") {
  auto html = scratch_dir() / "clean-xss.html";
  REQUIRE(apkvet_to("diff --format html " + sh_quote(fixture("clean.apk")) + " " + sh_quote(fixture("xss.apk")), html) == 0);
  std::string h = read_all(html);
  CHECK(h.find("1.0&quot;&gt;&lt;script&gt;alert(5)&lt;/script&gt;") != std::string::npos);
  CHECK(h.find("<script") == std::string::npos);
  CHECK(h.find("<h3>Permissions</h3>") != std::string::npos);
}

TEST_CASE("diff_app_reports on stored reports - an unreadable side is a status change and not a list of removals") {
  json ok = {{"status", "ok"}, {"manifest", {{"package", "a.b"}}}};
  json err = {{"status", "error"}, {"error", "not an APK"}, {"input", {{"path", "x.apk"}}}};
  json d = apkvet::diff_app_reports(ok, err);
  CHECK(d["changed"] == true);
  CHECK(d["status"]["new"] == "error");
  CHECK_FALSE(d.contains("permissions"));
  CHECK(apkvet::diff_app_reports(err, err)["changed"] == false);
}
