// Differential test against the Exodus method (truth tool: tools/exodus_reference.py, which runs
// dexdump over the root classes*.dex and applies the Exodus code signatures with Python re, as
// exodus-core does). On every corpus APK our tracker set must contain the Exodus one.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "code_support.h"
#include "test_support.h"

using namespace apkvet;

TEST_CASE("exodus method: our tracker set contains what Exodus finds, on every corpus APK") {
  namespace fs = std::filesystem;
  const std::string root = test::fixtures_dir() + "/..";
  const fs::path out = fs::temp_directory_path() / ("apkvet-exodus-" + std::to_string(::getpid()) + ".json");
  std::string cmd = "python3 '" + root + "/tools/exodus_reference.py' --jobs 2 --rules '" + root +
                    "/rules/trackers/exodus_trackers.json' --out '" + out.string() + "'";
  auto apks = test::corpus_apks();
  REQUIRE(apks.size() > 100);
  for (const auto& p : apks) cmd += " '" + p.string() + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(out);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  fs::remove(out);
  Json truth = Json::parse(text.str());

  auto rules = code::default_code_rules();
  std::map<int, std::string> names;
  for (const auto& t : rules->trackers) names[t.id] = t.name;

  size_t exodus_total = 0, ours_total = 0, apks_with_trackers = 0, extra = 0;
  for (const auto& p : apks) {
    CAPTURE(p.string());
    const Json& row = truth.at(p.string());
    std::set<int> exodus;
    for (const auto& id : row.at("trackers")) exodus.insert(id.get<int>());
    std::set<int> ours;
    try {
      auto run = test::run_code(p.string());
      for (const auto& t : run->facts.trackers) ours.insert(t.id);
    } catch (const std::runtime_error&) {
      // Not openable as an app: Exodus must not have found anything either.
    }
    for (int id : exodus) {
      CAPTURE(names[id]);
      CHECK(ours.count(id) == 1);
    }
    exodus_total += exodus.size();
    ours_total += ours.size();
    for (int id : ours) extra += exodus.count(id) ? 0 : 1;
    if (!exodus.empty()) ++apks_with_trackers;
  }
  MESSAGE("Exodus method: " << exodus_total << " tracker findings in " << apks_with_trackers
                            << " APKs; apkvet: " << ours_total << " (" << extra
                            << " beyond Exodus: referenced-only classes, nested/extra DEX files)");
}
