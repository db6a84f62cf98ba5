// The subcommands of the apkvet CLI, one file each, and the exit codes they share.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "report/app_report.h"

namespace apkvet::cli {

// Exit codes (documented in README and `apkvet help`).
constexpr int kExitOk = 0;              // analysed; with --policy: approved
constexpr int kExitUnreadableInput = 2; // at least one input could not be read at all
constexpr int kExitReview = 3;          // with --policy: at least one app needs review (none rejected)
constexpr int kExitReject = 4;          // with --policy: at least one app is rejected
constexpr int kExitUsage = 64;          // bad command line
constexpr int kExitConfig = 65;         // a rule, policy or waiver file is malformed (file:line: reason)

int run_scan(const std::vector<std::string>& args);
int run_rules(const std::vector<std::string>& args);
int run_traffic(const std::vector<std::string>& args);  // traffic_command.cpp
int run_diff(const std::vector<std::string>& args);  // diff_command.cpp
int run_batch(const std::vector<std::string>& args);      // batch_command.cpp
int run_catalogue(const std::vector<std::string>& args);  // catalogue_command.cpp

// args[i]'s value, advancing i; throws std::invalid_argument when the command line ends first.
std::string option_value(const std::vector<std::string>& args, size_t& i);

// The options of every command that judges apps: --policy, --waivers, --rules, --date.
struct JudgeOptions {
  std::string policy, waivers, rules_dir, date;
  // If args[i] is one of them, takes it and its value (advancing i) and returns true; throws
  // std::invalid_argument for a --date that is not YYYY-MM-DD.
  bool take(const std::vector<std::string>& args, size_t& i);
  // The day the scan judges certificate and pin expiry on (ScanOptions::as_of): the report's date
  // when it was fixed (--date or SOURCE_DATE_EPOCH), so a fixed date gives the same report any day;
  // else "" (the time of the scan).
  std::string as_of() const;
};

// Loads the rules, policy and waivers; a malformed or missing file is printed as
// "apkvet: file:line: reason" and gives nullopt (the command exits with kExitConfig).
std::optional<JudgeContext> load_judge(const JudgeOptions& options);

// Splits "a,b,c".
std::vector<std::string> split_list(const std::string& list);

}  // namespace apkvet::cli
