// apkvet diff OLD NEW: what changed between two versions of an app (permissions, data reached,
// endpoints, trackers, signer, findings, scores, verdict). Both inputs are scanned and judged the same
// way, then compared as app reports (report/app_diff.h), exactly as the catalogue compares stored ones.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "report/app_diff.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "scan/scan.h"

namespace apkvet::cli {

int run_diff(const std::vector<std::string>& args) {
  std::string format = "text", output_path;
  JudgeOptions judge;
  std::vector<std::string> files;
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--format") format = option_value(args, i);
      else if (a.rfind("--format=", 0) == 0) format = a.substr(9);
      else if (judge.take(args, i)) continue;  // --policy --waivers --rules --date
      else if (a == "--output" || a == "-o") output_path = option_value(args, i);
      else if (a.rfind("--", 0) == 0) throw std::invalid_argument("unknown option " + a);
      else files.push_back(a);
    }
    if (files.size() != 2) throw std::invalid_argument("needs exactly two inputs: OLD NEW");
    if (format != "text" && format != "json" && format != "html") throw std::invalid_argument("unknown format " + format);
  } catch (const std::invalid_argument& e) {
    std::cerr << "apkvet diff: " << e.what() << " (see apkvet help)\n";
    return kExitUsage;
  }
  std::optional<JudgeContext> judged = load_judge(judge);
  if (!judged) return kExitConfig;
  const JudgeContext& ctx = *judged;
  Json reports[2];
  bool unreadable = false;
  ScanOptions scan_options;
  scan_options.as_of = judge.as_of();  // --date: certificate and pin expiry judged on that day too
  for (int k = 0; k < 2; ++k) {
    AppReport r = make_app_report(scan_file(files[k], scan_options), ctx);
    if (!r.ok) {
      std::cerr << "apkvet: " << r.error << "\n";
      unreadable = true;
    }
    reports[k] = app_report_json(r);
  }
  Json d = diff_app_reports(reports[0], reports[1]);
  std::ofstream file_out;
  if (!output_path.empty()) {
    file_out.open(output_path, std::ios::binary | std::ios::trunc);
    if (!file_out) {
      std::cerr << "apkvet diff: cannot write " << output_path << "\n";
      return kExitUsage;
    }
  }
  std::ostream& out = output_path.empty() ? std::cout : file_out;
  if (format == "json") out << dump_json(d) << "\n";
  else if (format == "html") out << html_diff(d);
  else write_text_diff(out, d);
  out.flush();
  return unreadable ? kExitUnreadableInput : kExitOk;
}

}  // namespace apkvet::cli
