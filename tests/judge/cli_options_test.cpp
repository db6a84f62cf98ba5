// Command-line options that decide which reference data and policy a scan uses.
#include <doctest/doctest.h>

#include <set>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "test_support.h"

namespace {

std::string run(const std::string& args) {
  std::string cmd = std::string(APKVET_BINARY) + " " + args + " 2>/dev/null";
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
  auto rules_on = [](const std::string& date) {
    auto doc = nlohmann::json::parse(run("scan --format json --date " + date + " " + apkvet::test::fixture("risky.apk")));
    std::set<std::string> ids;
    for (const auto& f : doc["results"][0]["judgement"]["findings"]) ids.insert(f["rule"].get<std::string>());
    return ids;
  };
  std::set<std::string> in_2015 = rules_on("2015-06-01"), in_2026 = rules_on("2026-12-01");
  CHECK(in_2015.count("SIGN-CERTIFICATE-EXPIRED") == 0);
  CHECK(in_2015.count("EGRESS-PINS-EXPIRED") == 0);
  CHECK(in_2026.count("SIGN-CERTIFICATE-EXPIRED") == 1);
  CHECK(in_2026.count("EGRESS-PINS-EXPIRED") == 1);
  CHECK(in_2015.count("HYG-TEST-ONLY") == 1);  // the rest does not depend on the day
}
