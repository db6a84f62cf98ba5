// Command-line options that decide which reference data and policy a scan uses.
#include <doctest/doctest.h>
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
