// apkvet scan: analyse inputs, judge them with the rules and an optional policy, render a report.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/sarif_report.h"
#include "report/text_report.h"
#include "rules/rule_set.h"
#include "scan/scan.h"

namespace apkvet::cli {

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

int run_scan(const std::vector<std::string>& args) {
  std::string format = "text", output_path;
  JudgeOptions judge;
  std::vector<std::string> files;
  ScanOptions options;
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--format") format = option_value(args, i);
      else if (a.rfind("--format=", 0) == 0) format = a.substr(9);
      else if (a == "--only")
        for (auto& area : split_list(option_value(args, i))) {
          if (std::find(std::begin(kScanAreas), std::end(kScanAreas), area) == std::end(kScanAreas))
            throw std::invalid_argument("unknown area " + area + " for --only");
          options.only.insert(area);
        }
      else if (judge.take(args, i)) continue;  // --policy --waivers --rules --date
      else if (a == "--output" || a == "-o") output_path = option_value(args, i);
      // A MaxMind-format database for the country of IP literals; without it, Debian's GeoIP data.
      else if (a == "--geoip-db") setenv("APKVET_GEOIP_DB", option_value(args, i).c_str(), 1);
      else if (a.rfind("--", 0) == 0) throw std::invalid_argument("unknown option " + a);
      else files.push_back(a);
    }
    if (files.empty()) throw std::invalid_argument("no input files");
    if (format != "text" && format != "json" && format != "html" && format != "sarif") throw std::invalid_argument("unknown format " + format);
  } catch (const std::invalid_argument& e) {
    std::cerr << "apkvet scan: " << e.what() << " (see apkvet help)\n";
    return kExitUsage;
  }

  std::optional<JudgeContext> judged = load_judge(judge);
  if (!judged) return kExitConfig;
  const JudgeContext& ctx = *judged;
  options.as_of = judge.as_of();  // --date: certificate and pin expiry judged on that day too
  // --output FILE: the report goes to the file (any format); diagnostics stay on stderr.
  std::ofstream file_out;
  if (!output_path.empty()) {
    file_out.open(output_path, std::ios::binary | std::ios::trunc);
    if (!file_out) {
      std::cerr << "apkvet scan: cannot write " << output_path << "\n";
      return kExitUsage;
    }
  }
  std::ostream& out = output_path.empty() ? std::cout : file_out;
  TextStyle style;
  style.color = output_path.empty() && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");

  std::vector<AppReport> reports;
  bool unreadable = false;
  rules::Verdict worst = rules::Verdict::approve;
  for (const auto& f : files) {
    AppReport r = make_app_report(scan_file(f, options), ctx);
    if (!r.ok) {
      std::cerr << "apkvet: " << r.error << "\n";
      unreadable = true;
    } else if (r.judgement.verdict > worst) {
      worst = r.judgement.verdict;
    }
    if (format == "text") write_text_report(out, r, style);
    reports.push_back(std::move(r));
  }
  if (format != "text") {
    ReportMeta meta{ctx.today, ctx.rules.version, ctx.policy ? ctx.policy->id : ""};
    Json doc = scan_report_json(std::move(reports), meta);  // not read after
    if (format == "json") out << dump_json(doc) << "\n";
    else if (format == "html") out << html_report(doc);
    else out << dump_json(sarif_report(doc, &ctx.rules)) << "\n";
  }
  out.flush();
  if (!out) {
    std::cerr << "apkvet scan: writing the report failed\n";
    return kExitUnreadableInput;
  }
  if (unreadable) return kExitUnreadableInput;
  if (!ctx.policy) return kExitOk;
  return worst == rules::Verdict::reject ? kExitReject : worst == rules::Verdict::review ? kExitReview : kExitOk;
}

}  // namespace apkvet::cli
