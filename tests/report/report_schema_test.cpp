// The JSON and SARIF reports validate against their published schemas (docs/schema/scan-report.schema.json
// and the official SARIF 2.1.0 schema in tests/report/) on the fixtures and a corpus sample that
// includes malformed and unopenable files. Truth tool: python3-jsonschema.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "report/sarif_report.h"
#include "report_test_util.h"

using namespace apkvet::test;

namespace {

std::string inputs() {
  std::string args;
  for (const char* f : {"leaky.apk", "clean.apk", "xss.apk"}) args += " " + sh_quote(fixture(f));
  for (const auto& f : corpus_sample()) args += " " + sh_quote(f);
  return args;
}

int validate(const std::string& schema, const std::filesystem::path& doc) {
  auto log = doc.string() + ".validation";
  int rc = run("python3 " + sh_quote(report_dir() + "/validate_json.py") + " " + sh_quote(schema) + " " +
               sh_quote(doc.string()) + " > " + sh_quote(log) + " 2>&1");
  MESSAGE(read_all(log));
  return rc;
}

}  // namespace

TEST_CASE("scan JSON of fixtures and corpus sample validates against docs/schema/scan-report.schema.json") {
  for (const auto& f : corpus_sample()) REQUIRE_MESSAGE(std::filesystem::exists(f), f);
  auto out = scratch_dir() / "sample.json";
  // Exit 2: one input (1e332dc0b473de5f) cannot be read; the others are still reported.
  CHECK(apkvet_to("scan --format json --policy " + sh_quote(policy()) + inputs(), out) == 2);
  auto doc = nlohmann::json::parse(read_all(out));
  REQUIRE(doc["results"].size() == 14);
  CHECK(doc["results"][13]["status"] == "error");
  CHECK(doc["results"][0]["judgement"]["verdict"] == "reject");
  CHECK(validate(fixtures_dir() + "/../docs/schema/scan-report.schema.json", out) == 0);
}

TEST_CASE("the scan schema accepts an --only report and rejects it once its judgement is broken") {
  // A schema that accepts anything would make the test above worthless.
  // --only: the areas not run are still there, with "analyzed": false.
  auto out = scratch_dir() / "broken.json";
  REQUIRE(apkvet_to("scan --format json --only manifest " + sh_quote(fixture("clean.apk")), out) == 0);
  REQUIRE(validate(fixtures_dir() + "/../docs/schema/scan-report.schema.json", out) == 0);
  auto doc = nlohmann::json::parse(read_all(out));
  doc["results"][0]["judgement"]["scores"]["egress"]["score"] = 250;
  doc["results"][0]["judgement"].erase("findings");
  std::ofstream(out, std::ios::trunc) << doc.dump();
  CHECK(validate(fixtures_dir() + "/../docs/schema/scan-report.schema.json", out) == 1);
}

TEST_CASE("SARIF of fixtures and corpus sample validates against the official SARIF 2.1.0 schema") {
  auto out = scratch_dir() / "sample.sarif";
  CHECK(apkvet_to("scan --format sarif --policy " + sh_quote(policy()) + inputs(), out) == 2);
  auto sarif = nlohmann::json::parse(read_all(out));
  REQUIRE(sarif["runs"].size() == 1);
  const auto& run = sarif["runs"][0];
  CHECK(run["tool"]["driver"]["name"] == "apkvet");
  CHECK(run["artifacts"].size() == 14);
  CHECK(run["invocations"][0]["executionSuccessful"] == false);  // the unreadable corpus file
  // Every leaky finding is a result with its rule in the driver, located in leaky.apk and inside it.
  bool call_log = false;
  for (const auto& r : run["results"]) {
    const auto& rule = run["tool"]["driver"]["rules"][r["ruleIndex"].get<size_t>()];
    CHECK(rule["id"] == r["ruleId"]);
    if (r["ruleId"] == "DATA-PERM-CALL-LOG" &&
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == fixture("leaky.apk")) {
      call_log = true;
      CHECK(r["level"] == "error");
      CHECK(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] ==
            "AndroidManifest.xml!manifest/uses-permission[11]");
    }
  }
  CHECK(call_log);
  CHECK(validate(report_dir() + "/sarif-schema-2.1.0.json", out) == 0);
}

TEST_CASE("apkvet traffic JSON validates with and without --apk, and its HTML shows the leaks escaped") {
  const std::string capture = sh_quote(fixtures_dir() + "/traffic/http-canaries.pcap");
  const std::string device = sh_quote(fixtures_dir() + "/traffic/device.json");
  auto alone = scratch_dir() / "traffic.json";
  auto with_apk = scratch_dir() / "traffic-apk.json";
  auto html = scratch_dir() / "traffic.html";
  // Exit 4: the planted identifiers reach third parties, a reject under the government policy.
  CHECK(apkvet_to("traffic --format json --policy " + sh_quote(policy()) + " --device " + device + " " + capture, alone) == 4);
  CHECK(apkvet_to("traffic --format json --device " + device + " --apk " + sh_quote(fixture("leaky.apk")) + " " + capture,
                  with_apk) == 0);
  CHECK(apkvet_to("traffic --format html --device " + device + " " + capture, html) == 0);
  const std::string schema = fixtures_dir() + "/../docs/schema/scan-report.schema.json";
  CHECK(validate(schema, alone) == 0);
  CHECK(validate(schema, with_apk) == 0);
  auto doc = nlohmann::json::parse(read_all(alone));
  REQUIRE(doc["results"].size() == 1);
  CHECK(doc["results"][0]["traffic"]["leak_count"].get<int>() > 0);
  std::string page = read_all(html);
  CHECK(page.find("Observed traffic: identifiers that left the test device") != std::string::npos);
  CHECK(page.find("<code>log.tiktokv.com</code>") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
}

TEST_CASE("SARIF fingerprints identify a result across file names and are unique within a run") {
  auto copy = scratch_dir() / "renamed-leaky.apk";
  std::filesystem::copy_file(fixture("leaky.apk"), copy, std::filesystem::copy_options::overwrite_existing);
  auto a = scratch_dir() / "fp-a.sarif";
  auto b = scratch_dir() / "fp-b.sarif";
  CHECK(apkvet_to("scan --format sarif " + sh_quote(fixture("leaky.apk")), a) == 0);
  CHECK(apkvet_to("scan --format sarif " + sh_quote(copy.string()), b) == 0);
  auto fingerprints = [](const std::filesystem::path& p) {
    std::vector<std::string> out;
    const auto doc = nlohmann::json::parse(read_all(p));
    for (const auto& r : doc["runs"][0]["results"])
      out.push_back(r["partialFingerprints"]["apkvetFinding/v1"].get<std::string>());
    return out;
  };
  auto fa = fingerprints(a), fb = fingerprints(b);
  REQUIRE(fa.size() > 10);
  CHECK(fa == fb);
  std::sort(fa.begin(), fa.end());
  CHECK(std::adjacent_find(fa.begin(), fa.end()) == fa.end());
}

TEST_CASE("a SARIF fingerprint changes with the rule, the package or the evidence, not with the file name") {
  auto finding = [](const char* rule, const char* value) {
    return nlohmann::json{{"rule", rule}, {"title", "t"}, {"severity", "high"}, {"axis", "egress"},
                          {"evidence", {{{"path", "strings.endpoints[]"}, {"value", value}}}}};
  };
  auto app = [&](const char* path, const char* package, nlohmann::json findings) {
    return nlohmann::json{{"status", "ok"}, {"input", {{"path", path}}}, {"manifest", {{"package", package}}},
                          {"judgement", {{"findings", findings}}}};
  };
  nlohmann::json report{{"results",
                         {app("a.apk", "p", {finding("R1", "x.com"), finding("R2", "x.com"), finding("R1", "y.com")}),
                          app("b.apk", "p", {finding("R1", "x.com")}), app("c.apk", "q", {finding("R1", "x.com")})}}};
  std::vector<std::string> fp;
  const nlohmann::json sarif = apkvet::sarif_report(report, nullptr);
  for (const auto& r : sarif["runs"][0]["results"])
    fp.push_back(r["partialFingerprints"]["apkvetFinding/v1"].get<std::string>());
  REQUIRE(fp.size() == 5);
  CHECK(fp[0] != fp[1]);  // another rule
  CHECK(fp[0] != fp[2]);  // other evidence
  CHECK(fp[0] == fp[3]);  // same result in another file
  CHECK(fp[0] != fp[4]);  // another package
}

TEST_CASE("the traffic HTML gives an all-clear only when all captured traffic was read") {
  const std::string device = sh_quote(fixtures_dir() + "/traffic/device.json");
  auto page_of = [&](const std::string& args, const std::string& name) {
    auto html = scratch_dir() / name;
    apkvet_to("traffic --format html --device " + device + " " + args, html);
    return read_all(html);
  };
  const std::string all_clear = "No planted identifier was found in the captured traffic.";
  const std::string partial = "No planted identifier was found in the traffic that could be read";
  std::string clean = page_of(sh_quote(fixtures_dir() + "/traffic/clean.pcap"), "clean.html");
  CHECK(clean.find(all_clear) != std::string::npos);
  CHECK(clean.find(partial) == std::string::npos);
  // The TLS fixture without its key log: nothing found, and nothing read inside the TLS.
  std::string closed = page_of(sh_quote(fixtures_dir() + "/traffic/tls-decrypt.pcap"), "closed.html");
  CHECK(closed.find(all_clear) == std::string::npos);
  CHECK(closed.find(partial) != std::string::npos);
  CHECK(closed.find("8 TLS connection(s) were not read inside") != std::string::npos);
  // With the key log, the TLS counts as read.
  std::string opened = page_of("--tls-keylog " + sh_quote(fixtures_dir() + "/traffic/tls-decrypt.keys") + " " +
                                   sh_quote(fixtures_dir() + "/traffic/tls-decrypt.pcap"),
                               "opened.html");
  CHECK(opened.find("TLS: 7 of 8 connection(s) decrypted") != std::string::npos);
  // QUIC is read only as far as its server names.
  std::string quic = page_of(sh_quote(fixtures_dir() + "/traffic/quic-sni.pcap"), "quic.html");
  CHECK(quic.find("2 of 2 QUIC connection(s) were read only as far as their server names") != std::string::npos);
  // With the key log, three of the four QUIC connections are read; the fourth keeps the warning.
  std::string quic_opened = page_of("--tls-keylog " + sh_quote(fixtures_dir() + "/traffic/quic-decrypt.keys") + " " +
                                        sh_quote(fixtures_dir() + "/traffic/quic-decrypt.pcap"),
                                    "quic-opened.html");
  CHECK(quic_opened.find("1 of 4 QUIC connection(s) were read only as far as their server names") != std::string::npos);
}
