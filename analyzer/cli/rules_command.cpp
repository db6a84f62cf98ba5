// apkvet rules list | explain ID: the rules' own documentation, from the rule files themselves.
#include <iostream>

#include "cli/commands.h"
#include "core/data_dir.h"
#include "rules/rule_set.h"

namespace apkvet::cli {

int run_rules(const std::vector<std::string>& args) {
  std::string dir;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--rules" && i + 1 < args.size()) dir = args[++i];
    else rest.push_back(args[i]);
  }
  if (rest.empty() || (rest[0] != "list" && rest[0] != "explain") || (rest[0] == "explain" && rest.size() != 2)) {
    std::cerr << "usage: apkvet rules [--rules DIR] list | explain ID\n";
    return kExitUsage;
  }
  rules::RuleSet set;
  try {
    set = rules::load_rules(dir.empty() ? rules_path("checks") : dir);
  } catch (const std::exception& e) {
    std::cerr << "apkvet: " << e.what() << "\n";
    return kExitConfig;
  }
  if (rest[0] == "list") {
    std::cout << set.rules.size() << " rules (version " << set.version << ")\n";
    for (const auto& r : set.rules)
      std::cout << "  " << r.id << "  [" << to_string(r.severity) << ", " << rules::to_string(r.axis) << "]  " << r.title
                << "\n";
    return kExitOk;
  }
  const rules::Rule* r = set.find(rest[1]);
  if (!r) {
    std::cerr << "apkvet: no rule '" << rest[1] << "' (apkvet rules list)\n";
    return kExitUsage;
  }
  std::cout << r->id << ": " << r->title << "\n  axis      " << rules::to_string(r->axis) << "\n  severity  "
            << to_string(r->severity) << "\n  defined   " << r->source << "\n\n  " << r->rationale << "\n";
  if (!r->references.empty()) {
    std::cout << "\n  references\n";
    for (const auto& ref : r->references) std::cout << "    " << ref << "\n";
  }
  return kExitOk;
}

}  // namespace apkvet::cli
