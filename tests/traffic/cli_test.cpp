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

// `apkvet traffic --format json ARGS` with `env` (VAR=value) in its environment.
Run run_cli(const std::string& args, const fs::path& dir, const std::string& env = "") {
  std::string out = (dir / "out.json").string();
  std::string cmd = "env " + env + " " + std::string(APKVET_BINARY) + " traffic --format json " + args + " > " + out + " 2>" +
                    (dir / "err.txt").string();
  int rc = std::system(cmd.c_str());
  Run r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Json()};
  std::string text = read_text(out);
  r.report = text.empty() ? Json() : Json::parse(text);  // empty: the run failed before any report
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

TEST_CASE("a capture libpcap cannot read is an error of that capture - the others are judged - and nothing is approved") {
  fs::path dir = fs::temp_directory_path() / ("apkvet-traffic-pcap-" + std::to_string(::getpid()));
  fs::create_directories(dir / "lib");
  std::string policy = "--policy government-device --device " + traffic_fixture("device.json") + " ";

  // libpcap missing (a file of its SONAME that is not a library, first on LD_LIBRARY_PATH): the pcap
  // capture records why, the HAR capture beside it is still read and its leaks judged; exit 2.
  std::ofstream(dir / "lib" / APKVET_LIBPCAP_SONAME) << "not a library\n";
  Run broken = run_cli(policy + traffic_fixture("clean.pcap") + " " + traffic_fixture("proxy.har"), dir,
                       "LD_LIBRARY_PATH=" + (dir / "lib").string());
  CHECK(broken.exit_code == 2);
  const Json& captures = broken.report["results"][0]["traffic"]["captures"];
  REQUIRE(captures.size() == 2);
  CHECK(captures[0]["file"] == "clean.pcap");
  REQUIRE(captures[0]["errors"].size() == 1);
  CHECK(captures[0]["errors"][0].get<std::string>().find(std::string("cannot load libpcap (") + APKVET_LIBPCAP_SONAME) == 0);
  CHECK(captures[1]["errors"].empty());
  CHECK(broken.report["results"][0]["traffic"]["leaks"].size() == 5);  // proxy.har's five
  CHECK(rule_ids(broken.report["results"][0]).count("SCAN-INCOMPLETE") == 1);

  // The clean capture alone: approved when read; when libpcap is missing or the file is cut short, its
  // traffic was not (all) checked, so SCAN-INCOMPLETE sends it to review instead.
  Run clean = run_cli(policy + traffic_fixture("clean.pcap"), dir);
  CHECK(clean.exit_code == 0);
  CHECK(clean.report["results"][0]["judgement"]["verdict"] == "approve");
  Run unloaded = run_cli(policy + traffic_fixture("clean.pcap"), dir, "LD_LIBRARY_PATH=" + (dir / "lib").string());
  CHECK(unloaded.report["results"][0]["judgement"]["verdict"] == "review");
  {
    std::ifstream in(traffic_fixture("clean.pcap"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() > 200);
    std::ofstream(dir / "cut.pcap", std::ios::binary) << bytes.substr(0, bytes.size() - 7);
  }
  Run cut = run_cli(policy + (dir / "cut.pcap").string(), dir);
  const Json& cut_capture = cut.report["results"][0]["traffic"]["captures"][0];
  REQUIRE(cut_capture["errors"].size() == 1);
  CHECK(cut_capture["errors"][0].get<std::string>().find("(capture cut short)") != std::string::npos);
  CHECK(rule_ids(cut.report["results"][0]).count("SCAN-INCOMPLETE") == 1);
  CHECK(cut.report["results"][0]["judgement"]["verdict"] == "review");
  fs::remove_all(dir);
}

TEST_CASE("QUIC the key log does not open sends the verdict to review, the connections it opens are judged") {
  fs::path dir = fs::temp_directory_path() / ("apkvet-traffic-quic-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string policy = "--policy government-device --device " + traffic_fixture("device.json") + " ";
  std::string capture = traffic_fixture("quic-decrypt.pcap");
  Run closed = run_cli(policy + capture, dir);
  CHECK(closed.exit_code == 3);  // review
  CHECK(closed.report["results"][0]["traffic"]["leaks"].empty());
  CHECK(rule_ids(closed.report["results"][0]) == std::set<std::string>{"TRAFFIC-QUIC-NOT-READ"});
  CHECK(closed.report["results"][0]["judgement"]["scores"]["egress"]["score"] == 0);
  Run opened = run_cli(policy + "--tls-keylog " + traffic_fixture("quic-decrypt.keys") + " " + capture, dir);
  CHECK(opened.exit_code == 4);  // reject: the IMEI and Android ID went to a ByteDance host over HTTP/3
  const Json& c = opened.report["results"][0]["traffic"]["captures"][0];
  CHECK(c["quic_connections_decrypted"] == 3);
  CHECK(c["quic_connections_not_read"] == 1);
  std::set<std::string> rules = rule_ids(opened.report["results"][0]);
  CHECK(rules.count("TRAFFIC-IDENTIFIER-THIRD-PARTY") == 1);
  CHECK(rules.count("TRAFFIC-QUIC-NOT-READ") == 1);  // the fourth connection's secrets were not logged
  fs::remove_all(dir);
}

TEST_CASE("TLS the capture could not open is named, and sends the verdict to review, with the key log it is judged") {
  fs::path dir = fs::temp_directory_path() / ("apkvet-traffic-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string policy = "--policy government-device --device " + traffic_fixture("device.json") + " ";
  std::string capture = traffic_fixture("tls-decrypt.pcap");

  Run closed = run_cli(policy + capture, dir);
  CHECK(closed.exit_code == 3);  // review
  CHECK(closed.report["results"][0]["traffic"]["leaks"].empty());
  CHECK(rule_ids(closed.report["results"][0]) == std::set<std::string>{"TRAFFIC-TLS-NOT-READ"});
  // A gap in the evidence sends the app to review; it is not a measure of risk (scored: false).
  CHECK(closed.report["results"][0]["judgement"]["scores"]["egress"]["score"] == 0);

  Run opened = run_cli(policy + "--tls-keylog " + traffic_fixture("tls-decrypt.keys") + " " + capture, dir);
  CHECK(opened.exit_code == 4);  // reject: identifiers went to third parties
  const Json& t = opened.report["results"][0]["traffic"];
  CHECK(t["leaks"].size() == 9);
  CHECK(t["tls_key_log_entries"] == 19);
  CHECK(t["captures"][0]["tls_sessions_decrypted"] == 7);
  std::set<std::string> rules = rule_ids(opened.report["results"][0]);
  CHECK(rules.count("TRAFFIC-IDENTIFIER-THIRD-PARTY") == 1);
  CHECK(rules.count("TRAFFIC-TLS-NOT-READ") == 0);
  CHECK(rules.count("TRAFFIC-CLEARTEXT-LEAK") == 0);  // all of it was inside TLS

  // A file that is not a key log: said, naming it, and the run goes on (the capture is judged as without).
  std::ofstream(dir / "garbage.keys") << "not a key log\nCLIENT_RANDOM zz yy\n";
  Run garbage = run_cli(policy + "--tls-keylog " + (dir / "garbage.keys").string() + " " + capture, dir);
  CHECK(garbage.exit_code == 3);
  CHECK(rule_ids(garbage.report["results"][0]) == std::set<std::string>{"TRAFFIC-TLS-NOT-READ"});
  {
    std::ifstream err(dir / "err.txt");
    std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    CHECK(text.find("the TLS key log " + (dir / "garbage.keys").string() + " holds no secret") != std::string::npos);
  }

  // A key log that cannot be read is an error naming it, before any capture is read.
  Run missing = run_cli(policy + "--tls-keylog " + (dir / "nope.keys").string() + " " + capture, dir);
  CHECK(missing.exit_code == 2);
  std::ifstream err(dir / "err.txt");
  std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  CHECK(text.find("cannot read the TLS key log " + (dir / "nope.keys").string()) != std::string::npos);
  fs::remove_all(dir);
}
