// Option parsing shared by the commands that judge apps (scan, diff, batch, traffic).
#include <iostream>
#include <stdexcept>

#include "cli/commands.h"
#include "scan/scan.h"

namespace apkvet::cli {

std::string option_value(const std::vector<std::string>& args, size_t& i) {
  if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
  return args[++i];
}

bool JudgeOptions::take(const std::vector<std::string>& args, size_t& i) {
  const std::string& a = args[i];
  if (a == "--policy") policy = option_value(args, i);
  else if (a == "--waivers") waivers = option_value(args, i);
  else if (a == "--rules") rules_dir = option_value(args, i);
  else if (a == "--date") {
    date = option_value(args, i);
    if (!utc_day_start(date)) throw std::invalid_argument("--date wants a day YYYY-MM-DD, got '" + date + "'");
  } else return false;
  return true;
}

std::optional<JudgeContext> load_judge(const JudgeOptions& options) {
  try {
    return load_judge_context(options.rules_dir, options.policy, options.waivers, options.date);
  } catch (const std::exception& e) {
    std::cerr << "apkvet: " << e.what() << "\n";
    return std::nullopt;
  }
}

std::string JudgeOptions::as_of() const { return fixed_report_date(date).value_or(""); }

}  // namespace apkvet::cli
