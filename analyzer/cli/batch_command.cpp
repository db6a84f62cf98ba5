// apkvet batch: analyse many inputs into a catalogue store (analyzer/catalogue/batch.h does the work).
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "catalogue/batch.h"
#include "catalogue/inputs.h"
#include "cli/commands.h"

namespace apkvet::cli {

int run_batch(const std::vector<std::string>& args) {
  catalogue::BatchOptions o;
  o.db_path = "apkvet-catalogue.db";
  std::vector<std::string> inputs;
  JudgeOptions judge;
  double interval = 10;
  auto number = [&](size_t& i) -> long {
    std::string v = option_value(args, i);
    size_t used = 0;
    long n = -1;
    try {
      n = std::stol(v, &used);
    } catch (const std::exception&) {
    }
    if (used != v.size() || n < 0) throw std::invalid_argument(args[i - 1] + " wants a number, got '" + v + "'");
    return n;
  };
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--db") o.db_path = option_value(args, i);
      else if (a == "--jobs") o.jobs = unsigned(number(i));
      else if (a == "--timeout") o.timeout_seconds = int(number(i));
      else if (a == "--memory") o.memory_mb = uint64_t(number(i));
      else if (a == "--apks-per-worker") o.apks_per_worker = size_t(number(i));
      else if (judge.take(args, i)) continue;  // --policy --waivers --rules --date
      else if (a == "--shard") o.shard = catalogue::parse_shard(option_value(args, i));
      else if (a == "--rescan") o.rescan = true;
      // A MaxMind-format database for the country of IP literals; without it, Debian's GeoIP data.
      else if (a == "--geoip-db") setenv("APKVET_GEOIP_DB", option_value(args, i).c_str(), 1);
      else if (a == "--retry-failed") o.retry_failed = true;
      else if (a == "--db-max-pages") o.max_pages = number(i);  // tests: a store that fills up
      else if (a == "--progress-interval") interval = double(number(i));  // seconds between plain lines
      else if (a == "-" || a.rfind("--", 0) != 0) inputs.push_back(a);
      else throw std::invalid_argument("unknown option " + a);
    }
    if (inputs.empty()) throw std::invalid_argument("no inputs (directories, files, @list.txt or -)");
    if (o.timeout_seconds <= 0) throw std::invalid_argument("--timeout must be at least 1");
    if (o.apks_per_worker == 0) throw std::invalid_argument("--apks-per-worker must be at least 1");
  } catch (const std::invalid_argument& e) {
    std::cerr << "apkvet batch: " << e.what() << " (see apkvet help)\n";
    return kExitUsage;
  }

  std::optional<JudgeContext> judged = load_judge(judge);
  if (!judged) return kExitConfig;
  const JudgeContext& ctx = *judged;
  o.key = catalogue::current_key(ctx, judge.policy, judge.waivers);
  o.scan.as_of = judge.as_of();  // --date: certificate and pin expiry judged on that day too
  catalogue::ExpandedInputs expanded = catalogue::expand_inputs(inputs, std::cin);
  o.files = std::move(expanded.files);
  o.input_errors = std::move(expanded.errors);

  catalogue::ProgressStyle style;
  style.tty = isatty(STDERR_FILENO);
  style.interval_seconds = interval;
  catalogue::BatchSummary s;
  try {
    s = catalogue::run_batch(o, ctx, std::cerr, style);
  } catch (const std::exception& e) {
    std::cerr << "apkvet batch: " << e.what() << "\n";
    return kExitUnreadableInput;
  }
  for (const auto& m : s.messages) std::cerr << "apkvet batch: " << m << "\n";
  catalogue::write_summary(std::cerr, s, o.db_path);
  return s.failures() ? kExitUnreadableInput : kExitOk;
}

}  // namespace apkvet::cli
