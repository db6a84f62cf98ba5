// apkvet traffic end to end, with --apk: leaks are joined to the app's permissions (side channel),
// its first-party domains (party) and its static endpoints, and judged by rules/checks/traffic.yaml.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "traffic_support.h"

using namespace apkvet;
using namespace apkvet::test;
namespace fs = std::filesystem;

namespace {

struct Run {
  int exit_code;
  Json report;
};

Run run_cli(const std::string& args, const fs::path& dir) {
  std::string out = (dir / "out.json").string();
  std::string cmd = std::string(APKVET_BINARY) + " traffic --format json " + args + " > " + out + " 2>" +
                    (dir / "err.txt").string();
  int rc = std::system(cmd.c_str());
  Run r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Json()};
  r.report = read_json(out);
  return r;
}

void write_har(const fs::path& path, const std::vector<std::string>& urls) {
  Json entries = Json::array();
  for (const auto& u : urls)
    entries.push_back(Json{{"startedDateTime", "2026-12-03T08:00:00.000Z"},
                           {"request", Json{{"method", "GET"}, {"url", u}, {"httpVersion", "HTTP/1.1"}, {"headers", Json::array()}}},
                           {"response", Json{{"status", 200}}}});
  std::ofstream(path) << Json{{"log", Json{{"version", "1.2"}, {"entries", entries}}}}.dump();
}

std::set<std::string> rule_ids(const Json& result) {
  std::set<std::string> out;
  for (const auto& f : result["judgement"]["findings"]) out.insert(f["rule"].get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("with --apk an identifier the app has no permission for is a side channel - own domain is first party") {
  // org.rubenv.testapk declares no permissions; rubenv.org is its own domain (package name).
  std::string apk = corpus_dir() + "/apks/0d535bd2f305515e.apk";
  REQUIRE(fs::exists(apk));
  fs::path dir = fs::temp_directory_path() / ("apkvet-traffic-cli-" + std::to_string(::getpid()));
  fs::create_directories(dir / "rules");
  fs::copy_file(fs::path(APKVET_FIXTURES_DIR).parent_path() / "rules/checks/traffic.yaml", dir / "rules/traffic.yaml",
                fs::copy_options::overwrite_existing);
  traffic::DeviceProfile d = device();
  std::string imei = "356938035643809", aid = "9774d56d682e549c";
  std::string common = "--rules " + (dir / "rules").string() + " --policy " +
                       (fs::path(APKVET_FIXTURES_DIR).parent_path() / "rules/policies/government-device.yaml").string() +
                       " --device " + traffic_fixture("device.json") + " --apk " + apk + " ";

  write_har(dir / "both.har", {"https://api.rubenv.org/v1?imei=" + imei, "https://log.tiktokv.com/a?aid=" + aid});
  Run r = run_cli(common + (dir / "both.har").string(), dir);
  CHECK(r.exit_code == 4);  // rejected
  const Json& res = r.report["results"][0];
  const Json& leaks = res["traffic"]["leaks"];
  REQUIRE(leaks.size() == 2);
  for (const auto& l : leaks) {
    if (l["identifier"] == "imei") {
      CHECK(l["host"] == "api.rubenv.org");
      CHECK(l["party"] == "first");
      CHECK(l["permission_declared"] == false);
      CHECK(l["side_channel"] == true);
    } else {
      CHECK(l["identifier"] == "android_id");
      CHECK(l["party"] == "third");
      CHECK(l["owner"] == "bytedance");
      CHECK(l["side_channel"] == false);  // any app can read the Android ID
    }
    CHECK(l["host_in_app"] == false);
  }
  std::set<std::string> ids = rule_ids(res);
  CHECK(ids.count("TRAFFIC-SIDE-CHANNEL"));
  CHECK(ids.count("TRAFFIC-IDENTIFIER-THIRD-PARTY"));
  CHECK(res["judgement"]["verdict"] == "reject");

  // Only the first-party leak: no third-party finding, still the side channel.
  write_har(dir / "own.har", {"https://api.rubenv.org/v1?imei=" + imei});
  Run own = run_cli(common + (dir / "own.har").string(), dir);
  std::set<std::string> own_ids = rule_ids(own.report["results"][0]);
  CHECK(own_ids.count("TRAFFIC-IDENTIFIER-THIRD-PARTY") == 0);
  CHECK(own_ids.count("TRAFFIC-SIDE-CHANNEL") == 1);

  // A clean capture: approved, exit 0.
  Run clean = run_cli(common + traffic_fixture("clean.pcap"), dir);
  CHECK(clean.exit_code == 0);
  CHECK(clean.report["results"][0]["traffic"]["leaks"].empty());
  fs::remove_all(dir);
}
