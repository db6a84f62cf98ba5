// apkvet command line: argument parsing and subcommands only; all work is in the library.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "report/json_report.h"
#include "report/text_report.h"
#include "scan/scan.h"
#include "version.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 64;
constexpr int kExitUnreadableInput = 2;

void usage(std::ostream& out) {
  out << "apkvet " << APKVET_VERSION << " - vet Android apps before they reach government phones\n\n"
         "usage:\n"
         "  apkvet scan [--format text|json] [--only AREA,...] FILE...\n"
         "                                             analyse APK / APKS / XAPK / AAB files\n"
         "  apkvet manifest FILE                       print the decoded AndroidManifest.xml\n"
         "  apkvet version\n\n"
         "exit codes: 0 all inputs analysed; 2 at least one input could not be read (the others are still\n"
         "reported); 64 bad command line.\n";
}

int run_scan(const std::vector<std::string>& args) {
  std::string format = "text";
  std::vector<std::string> files;
  apkvet::ScanOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--format" && i + 1 < args.size()) format = args[++i];
    else if (args[i] == "--only" && i + 1 < args.size()) {
      std::string list = args[++i];
      for (size_t start = 0; start <= list.size();) {
        size_t comma = std::min(list.find(',', start), list.size());
        if (comma > start) options.only.insert(list.substr(start, comma - start));
        start = comma + 1;
      }
    }
    else if (args[i].rfind("--format=", 0) == 0) format = args[i].substr(9);
    else if (args[i].rfind("--", 0) == 0) {
      std::cerr << "apkvet scan: unknown option " << args[i] << "\n";
      return kExitUsage;
    } else files.push_back(args[i]);
  }
  if (files.empty() || (format != "text" && format != "json")) {
    usage(std::cerr);
    return kExitUsage;
  }
  std::vector<apkvet::ScanResult> results;
  int exit_code = kExitOk;
  for (const auto& f : files) {
    results.push_back(apkvet::scan_file(f, options));
    if (!results.back().ok) {
      std::cerr << "apkvet: " << results.back().error << "\n";
      exit_code = kExitUnreadableInput;
    }
    if (format == "text") apkvet::write_text_report(std::cout, results.back());
  }
  if (format == "json") std::cout << apkvet::dump_json(apkvet::scan_report_json(results)) << "\n";
  return exit_code;
}

int run_manifest(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    usage(std::cerr);
    return kExitUsage;
  }
  apkvet::ScanResult r = apkvet::scan_file(args[0]);
  if (!r.ok) {
    std::cerr << "apkvet: " << r.error << "\n";
    return kExitUnreadableInput;
  }
  if (!r.facts.manifest.xml || !r.facts.manifest.decoded) {
    std::cerr << "apkvet: " << args[0] << ": AndroidManifest.xml could not be decoded\n";
    return kExitUnreadableInput;
  }
  r.facts.manifest.xml->save(std::cout, "  ");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "scan") return run_scan(args);
  if (cmd == "manifest") return run_manifest(args);
  if (cmd == "version" || cmd == "--version") {
    std::cout << "apkvet " << APKVET_VERSION << "\n";
    return kExitOk;
  }
  std::cerr << "apkvet: unknown command '" << cmd << "'\n";
  usage(std::cerr);
  return kExitUsage;
}
