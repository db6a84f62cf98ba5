// Command-line options that decide which reference data and policy a scan uses.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

#include "test_support.h"

namespace {

// stdout of `apkvet ARGS`, with `env` (e.g. "SOURCE_DATE_EPOCH=...") in its environment.
std::string run(const std::string& args, const std::string& env = "") {
  std::string cmd = (env.empty() ? "" : "env " + env + " ") + std::string(APKVET_BINARY) + " " + args + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  return out;
}

}  // namespace

TEST_CASE("--geoip-db names the database in the report, and a bad one falls back with the reason") {
  auto doc = nlohmann::json::parse(run("scan --format json --only manifest,strings --geoip-db /nonexistent/countries.mmdb " +
                                       apkvet::test::fixture("leaky.apk")));
  const auto& geoip = doc["results"][0]["strings"]["data_sources"]["geoip"];
  CHECK(geoip["error"].get<std::string>().find("/nonexistent/countries.mmdb") == 0);
  CHECK(geoip["kind"] == "legacy-geoip");
}

TEST_CASE("--policy by name finds the shipped policy and reports its clauses by relative path") {
  auto doc = nlohmann::json::parse(run("scan --format json --policy government-device " + apkvet::test::fixture("leaky.apk")));
  const auto& j = doc["results"][0]["judgement"];
  CHECK(j["verdict"] == "reject");
  REQUIRE(!j["reasons"].empty());
  CHECK(j["reasons"][0]["clause"].get<std::string>().rfind("policies/government-device.yaml:", 0) == 0);
}

TEST_CASE("--date is also the day certificate validity and pin-set expiry are judged on") {
  // fixtures/apps/risky: certificate valid 2015-01-01..2016-01-01, pin-set expired 2020-01-01.
  auto rules_on = [](const std::string& options, const std::string& env = "") {
    auto doc = nlohmann::json::parse(run("scan --format json " + options + " " + apkvet::test::fixture("risky.apk"), env));
    std::set<std::string> ids;
    for (const auto& f : doc["results"][0]["judgement"]["findings"]) ids.insert(f["rule"].get<std::string>());
    return ids;
  };
  std::set<std::string> in_2015 = rules_on("--date 2015-06-01"), in_2026 = rules_on("--date 2026-12-01");
  CHECK(in_2015.count("SIGN-CERTIFICATE-EXPIRED") == 0);
  CHECK(in_2015.count("EGRESS-PINS-EXPIRED") == 0);
  CHECK(in_2026.count("SIGN-CERTIFICATE-EXPIRED") == 1);
  CHECK(in_2026.count("EGRESS-PINS-EXPIRED") == 1);
  CHECK(in_2015.count("HYG-TEST-ONLY") == 1);  // the rest does not depend on the day
  // SOURCE_DATE_EPOCH fixes the report's date, and so the expiry day too (1433116800: 2015-06-01).
  std::set<std::string> in_2015_by_epoch = rules_on("", "SOURCE_DATE_EPOCH=1433116800");
  CHECK(in_2015_by_epoch.count("SIGN-CERTIFICATE-EXPIRED") == 0);
  CHECK(in_2015_by_epoch.count("HYG-TEST-ONLY") == 1);
  // apkvet traffic --apk judges the app's facts on the same day.
  auto traffic_on = [](const std::string& date) {
    return run("traffic --format json --device " + apkvet::test::fixtures_dir() + "/traffic/device.json --apk " +
               apkvet::test::fixture("risky.apk") + " --date " + date + " " + apkvet::test::fixtures_dir() +
               "/traffic/clean.pcap");
  };
  CHECK(traffic_on("2015-06-01").find("SIGN-CERTIFICATE-EXPIRED") == std::string::npos);
  CHECK(traffic_on("2026-12-01").find("SIGN-CERTIFICATE-EXPIRED") != std::string::npos);
}

TEST_CASE("--date that is not a real day YYYY-MM-DD is a usage error, before any input is read") {
  for (const char* date : {"bogus", "2026-02-30", "2026-2-1", "2026-02-01x"}) {
    INFO(date);
    std::string cmd = std::string(APKVET_BINARY) + " scan --date " + date + " " + apkvet::test::fixture("clean.apk") +
                      " >/dev/null 2>&1";
    int rc = std::system(cmd.c_str());
    CHECK(WIFEXITED(rc));
    CHECK(WEXITSTATUS(rc) == 64);
  }
  std::string ok = std::string(APKVET_BINARY) + " scan --date 2024-02-29 " + apkvet::test::fixture("clean.apk") +
                   " >/dev/null 2>&1";
  int rc = std::system(ok.c_str());
  CHECK(WEXITSTATUS(rc) == 0);
}

TEST_CASE("--only with an area apkvet does not have is a usage error, not a scan of nothing") {
  std::string bad = std::string(APKVET_BINARY) + " scan --only manifest,permisions " +
                    apkvet::test::fixture("clean.apk") + " >/dev/null 2>&1";
  int rc = std::system(bad.c_str());
  CHECK(WIFEXITED(rc));
  CHECK(WEXITSTATUS(rc) == 64);
  auto doc = nlohmann::json::parse(run("scan --format json --only archive,manifest " + apkvet::test::fixture("clean.apk")));
  CHECK(doc["results"][0]["input"]["checked_with_libzip"] == true);
  doc = nlohmann::json::parse(run("scan --format json --only manifest " + apkvet::test::fixture("clean.apk")));
  CHECK(doc["results"][0]["input"]["checked_with_libzip"] == false);
}
