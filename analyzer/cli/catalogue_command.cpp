// apkvet catalogue report|merge: render a store, or merge shard stores into one.
#include <filesystem>
#include <iostream>

#include "catalogue/dashboard.h"
#include "catalogue/store.h"
#include "cli/commands.h"

namespace apkvet::cli {

namespace {

int catalogue_report(const std::vector<std::string>& args) {
  std::string db, out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--db" && i + 1 < args.size()) db = args[++i];
    else if (args[i] == "--out" && i + 1 < args.size()) out = args[++i];
    else {
      std::cerr << "apkvet catalogue report: unexpected argument " << args[i] << "\n";
      return kExitUsage;
    }
  }
  if (db.empty() || out.empty()) {
    std::cerr << "apkvet catalogue report: needs --db FILE --out DIR\n";
    return kExitUsage;
  }
  if (!std::filesystem::exists(db)) {
    std::cerr << "apkvet catalogue report: no store " << db << "\n";
    return kExitUnreadableInput;
  }
  try {
    catalogue::Store store(db);
    catalogue::ReportFiles f = catalogue::write_catalogue_report(store, out);
    std::cerr << "apkvet catalogue: " << f.apps << " apps, " << f.failures << " failed, " << f.approved_pairs
              << " approved (package, signer) pairs; " << out << "/index.html\n";
  } catch (const std::exception& e) {
    std::cerr << "apkvet catalogue report: " << e.what() << "\n";
    return kExitUnreadableInput;
  }
  return kExitOk;
}

int catalogue_merge(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    std::cerr << "apkvet catalogue merge: needs OUT.db SHARD.db...\n";
    return kExitUsage;
  }
  try {
    catalogue::Store out(args[0]);
    for (size_t i = 1; i < args.size(); ++i) out.merge_from(args[i]);
    std::cerr << "apkvet catalogue: merged " << args.size() - 1 << " stores into " << args[0] << " ("
              << out.result_count() << " APKs)\n";
  } catch (const std::exception& e) {
    std::cerr << "apkvet catalogue merge: " << e.what() << "\n";
    return kExitUnreadableInput;
  }
  return kExitOk;
}

}  // namespace

int run_catalogue(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "report") return catalogue_report({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "merge") return catalogue_merge({args.begin() + 1, args.end()});
  std::cerr << "apkvet catalogue: report --db FILE --out DIR | merge OUT.db SHARD.db...\n";
  return kExitUsage;
}

}  // namespace apkvet::cli
