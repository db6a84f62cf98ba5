#include "report/app_report.h"

#include <cstdlib>
#include <ctime>

#include "core/data_dir.h"

namespace apkvet {

// A bare policy name ("government-device") names a shipped policy in rules/policies/; anything
// with a slash or a .yaml suffix is a path the user gave.
std::string resolve_policy_path(const std::string& policy) {
  bool is_name = policy.find('/') == std::string::npos &&
                 !(policy.size() > 5 && policy.compare(policy.size() - 5, 5, ".yaml") == 0);
  return is_name ? rules_path("policies/" + policy + ".yaml") : policy;
}

JudgeContext load_judge_context(const std::string& rules_dir_path, const std::string& policy_path,
                                const std::string& waivers_path, const std::string& today) {
  JudgeContext ctx;
  ctx.rules = rules::load_rules(rules_dir_path.empty() ? rules_path("checks") : rules_dir_path);
  if (!policy_path.empty()) {
    // A shipped policy named by its id is shown as "policies/NAME.yaml:LINE", like rule sources, so
    // reports do not depend on where apkvet is installed; a path the user gave is shown as given.
    std::string path = resolve_policy_path(policy_path);
    ctx.policy = path == policy_path ? rules::load_policy(path)
                                     : rules::load_policy_from_string(read_text_file(path),
                                                                      "policies/" + policy_path + ".yaml");
  }
  if (!waivers_path.empty()) ctx.waivers = rules::load_waivers(waivers_path);
  ctx.today = today.empty() ? today_utc() : today;
  return ctx;
}

AppReport make_app_report(const ScanResult& scan, const JudgeContext& ctx) {
  AppReport r;
  r.input_path = scan.input_path;
  r.ok = scan.ok;
  r.error = scan.error;
  if (!scan.ok) return r;
  r.facts = scan.facts;
  r.judgement = rules::judge(r.facts, ctx.rules, ctx.policy ? &*ctx.policy : nullptr, ctx.waivers, ctx.today);
  return r;
}

namespace {
std::string utc_day(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}
}  // namespace

std::optional<std::string> fixed_report_date(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde) return utc_day(static_cast<std::time_t>(std::atoll(sde)));
  return std::nullopt;
}

std::string today_utc() { return fixed_report_date("").value_or(utc_day(std::time(nullptr))); }

}  // namespace apkvet
