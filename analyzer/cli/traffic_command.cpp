// apkvet traffic: captured traffic checked for the test device's own identifiers (docs/traffic.md).
// With --apk the app is scanned too, so the leaks are judged against what the app declares.
#include <unistd.h>

#include <cstdlib>
#include <iomanip>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "rules/rule_set.h"
#include "scan/scan.h"
#include "strings/owners.h"
#include "traffic/traffic_analysis.h"

namespace apkvet::cli {

namespace {

void write_leaks(std::ostream& out, const Json& t) {
  out << "\nTraffic: " << t["leak_count"].get<size_t>() << " leak(s) of device identifiers";
  bool tls_unread = false;
  for (const auto& c : t["captures"]) {
    out << "\n  capture " << c["file"].get<std::string>() << " (" << c["format"].get<std::string>() << "): "
        << c["packets"] << " packets, " << c["tcp_flows"] << " TCP flows, " << c["http_requests"] << " HTTP requests, "
        << c["dns_messages"] << " DNS, " << c["tls_client_hellos"] << " TLS ClientHellos";
    if (c.value("quic_connections", 0) > 0) {
      out << ", " << c["quic_connections_decrypted"] << " of " << c["quic_connections"] << " QUIC connections decrypted";
      if (!c["quic_connections_not_decrypted"].empty()) out << " (not: " << c["quic_connections_not_decrypted"].dump() << ")";
    }
    if (c.value("websocket_messages", 0) > 0) out << ", " << c["websocket_messages"] << " WebSocket messages";
    // TLS read with the key log: how many connections it opened, and why the others stayed closed.
    if (c.value("tls_sessions", 0) > 0) {
      out << ", " << c["tls_sessions_decrypted"] << " of " << c["tls_sessions"] << " TLS connections decrypted";
      if (!c["tls_sessions_not_decrypted"].empty()) out << " (not: " << c["tls_sessions_not_decrypted"].dump() << ")";
    }
    out << (c["errors"].empty() ? "" : "; errors: " + c["errors"].dump());
    tls_unread = tls_unread || (c.value("tls_client_hellos", 0) > 0 && c.value("tls_sessions", 0) == 0);
  }
  if (tls_unread)
    out << "\n  TLS content was not read (only its SNI): pass the device's key log with --tls-keylog, or a pcapng "
           "that carries it";
  out << "\n";
  for (const auto& l : t["leaks"]) {
    out << "  - " << l["identifier"].get<std::string>() << " (" << l["encoding"].get<std::string>() << ") -> "
        << l["host"].get<std::string>();
    if (!l["owner"].is_null()) out << " [" << l["owner"].get<std::string>() << (l["jurisdiction"].is_null() ? "" : ", " + l["jurisdiction"].get<std::string>()) << "]";
    out << " " << l["transport"].get<std::string>() << ", " << l["location"].get<std::string>();
    if (!l["field"].get<std::string>().empty()) out << " " << l["field"].get<std::string>();
    out << "; " << l["capture"].get<std::string>() << " #" << l["packet"] << " " << l["time"].get<std::string>();
    if (l["occurrences"].get<uint64_t>() > 1) out << " (x" << l["occurrences"] << ")";
    if (l.value("side_channel", false)) out << " SIDE CHANNEL: no permission grants it";
    if (l.contains("host_in_app")) out << (l["host_in_app"].get<bool>() ? " host in app" : " host not in app");
    out << "\n      " << l["flow"].get<std::string>() << ": " << l["snippet"].get<std::string>() << "\n";
  }
}

}  // namespace

int run_traffic(const std::vector<std::string>& args) {
  std::string format = "text", device_path, apk_path;
  JudgeOptions judge;
  std::vector<std::string> captures, key_logs;
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--format") format = option_value(args, i);
      else if (a.rfind("--format=", 0) == 0) format = a.substr(9);
      else if (a == "--device") device_path = option_value(args, i);
      else if (a == "--apk") apk_path = option_value(args, i);
      else if (a == "--tls-keylog") key_logs.push_back(option_value(args, i));
      else if (judge.take(args, i)) continue;  // --policy --waivers --rules --date
      else if (a.rfind("--", 0) == 0) throw std::invalid_argument("unknown option " + a);
      else captures.push_back(a);
    }
    if (captures.empty()) throw std::invalid_argument("no capture files");
    if (device_path.empty()) throw std::invalid_argument("--device DEVICE.json is required");
    if (format != "text" && format != "json" && format != "html")
      throw std::invalid_argument("unknown format " + format);
  } catch (const std::invalid_argument& e) {
    std::cerr << "apkvet traffic: " << e.what() << " (see apkvet help)\n";
    return kExitUsage;
  }
  traffic::DeviceProfile device;
  try {
    device = traffic::load_device_profile(device_path);
  } catch (const std::exception& e) {
    std::cerr << "apkvet traffic: " << e.what() << "\n";
    return kExitConfig;
  }
  std::optional<JudgeContext> judged = load_judge(judge);
  if (!judged) return kExitConfig;
  const JudgeContext& ctx = *judged;

  // The app's facts first: its first-party domains decide which destinations are third parties.
  AppReport report;
  report.ok = true;
  report.input_path = apk_path.empty() ? captures.front() : apk_path;
  Json facts = Json::object();
  traffic::AppContext app;
  if (!apk_path.empty()) {
    ScanOptions scan_options;
    scan_options.as_of = judge.as_of();  // --date: certificate and pin expiry judged on that day too
    ScanResult scan = scan_file(apk_path, scan_options);
    if (!scan.ok) {
      std::cerr << "apkvet: " << scan.error << "\n";
      return kExitUnreadableInput;
    }
    facts = scan.facts;
    app = traffic::app_context_from_facts(facts);
  }

  traffic::TrafficAnalyzer analyzer(device);
  for (const auto& path : key_logs) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    if (!in || !(text << in.rdbuf())) {
      std::cerr << "apkvet traffic: cannot read the TLS key log " << path << "\n";
      return kExitUnreadableInput;
    }
    if (analyzer.add_tls_key_log(text.str()) == 0)  // read on: the captures may carry their own secrets
      std::cerr << "apkvet traffic: the TLS key log " << path
                << " holds no secret apkvet reads (CLIENT_RANDOM, *_TRAFFIC_SECRET lines): no TLS is decrypted with it\n";
  }
  bool unreadable = false;
  for (const auto& c : captures)
    if (!analyzer.add_file(c)) {
      std::cerr << "apkvet traffic: " << c << ": could not be read\n";
      unreadable = true;
    }
  std::shared_ptr<const OwnerRules> owners;
  try {
    owners = OwnerRules::builtin();
  } catch (const std::exception& e) {
    std::cerr << "apkvet traffic: owner data unavailable (" << e.what() << "); destinations are not attributed\n";
  }
  traffic::TrafficFacts tf = analyzer.finish(owners.get(), app.first_party);
  if (!apk_path.empty()) traffic::correlate_with_app(tf, app);
  for (const auto& cap : tf.captures)
    for (const auto& e : cap.errors) std::cerr << "apkvet traffic: " << cap.file << ": " << e << "\n";
  facts["traffic"] = tf;
  report.facts = std::move(facts);
  report.judgement = rules::judge(report.facts, ctx.rules, ctx.policy ? &*ctx.policy : nullptr, ctx.waivers, ctx.today);

  if (format == "json" || format == "html") {
    ReportMeta meta{ctx.today, ctx.rules.version, ctx.policy ? ctx.policy->id : ""};
    Json doc = scan_report_json({report}, meta);
    if (format == "json") std::cout << dump_json(doc) << "\n";
    else std::cout << html_report(doc);
  } else {
    TextStyle style;
    style.color = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
    write_text_report(std::cout, report, style);
    write_leaks(std::cout, report.facts["traffic"]);
  }
  if (unreadable) return kExitUnreadableInput;
  if (!ctx.policy) return kExitOk;
  auto v = report.judgement.verdict;
  return v == rules::Verdict::reject ? kExitReject : v == rules::Verdict::review ? kExitReview : kExitOk;
}

}  // namespace apkvet::cli
