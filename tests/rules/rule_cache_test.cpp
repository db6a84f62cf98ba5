// Parsed rules cached on disk: the shipped rules read back from the cache equal the ones parsed from
// YAML (every field, every condition, and the same findings on the same facts); a damaged cache file
// is ignored; an edited rule file is parsed again, also when only its identity was looked up.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "rules/judgement.h"
#include "rules/rule_cache.h"
#include "rules/rule_set.h"
#include "test_support.h"

using namespace apkvet;
using namespace apkvet::rules;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> rule_caches(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind("rules-", 0) == 0) out.push_back(e.path());
  return out;
}

Json findings_of(const RuleSet& set, const Json& facts) {
  Json out = Json::array();
  for (const auto& f : judge(facts, set, nullptr, {}, "2026-12-01").findings) {
    Json cited = Json::array();
    for (const auto& c : f.citations) cited.push_back({c.path, c.value});
    out.push_back({f.rule->id, cited});
  }
  return out;
}

}  // namespace

TEST_CASE("the shipped rules read back from the cache equal the parsed ones") {
  test::RulesCopyWithCache copy("rules", {"checks"});
  const fs::path& cache = copy.cache;
  const fs::path& rules = copy.rules;

  RuleSet parsed = load_rules((rules / "checks").string());
  REQUIRE(parsed.rules.size() > 50);
  REQUIRE(rule_caches(cache).size() == 1);
  RuleSet cached = load_rules((rules / "checks").string());
  // As text: Json's == holds across number types (1 == 1u == 1.0); the dump shows each one.
  CHECK(rule_set_to_json(cached).dump() == rule_set_to_json(parsed).dump());
  CHECK(cached.version == parsed.version);
  CHECK(cached.find("HYG-DEBUGGABLE")->source == parsed.find("HYG-DEBUGGABLE")->source);

  // Same findings on the same facts, including a regular-expression and a nested combination.
  Json facts = Json::parse(R"({
    "manifest": {"package": "p", "application": {"debuggable": true},
      "uses_permissions": [{"name": "android.permission.READ_CONTACTS"}]},
    "strings": {"endpoints": [{"value": "https://log.tiktokv.com/x", "kind": "url", "party": "third",
      "jurisdiction_groups": ["intelligence_cooperation_laws"]}]},
    "anomalies": [{"id": "signing.debug_certificate"}]
  })");
  Json want = findings_of(parsed, facts);
  CHECK(want.size() >= 3);
  CHECK(findings_of(cached, facts) == want);

  // A damaged cache file is ignored (and the rules still load).
  { std::ofstream(rule_caches(cache)[0], std::ios::trunc) << "{not json"; }
  CHECK(rule_set_to_json(load_rules((rules / "checks").string())) == rule_set_to_json(parsed));

  // An edited rule file is a new key: parsed again, with file:line errors.
  { std::ofstream(rules / "checks" / "zz_broken.yaml") << "rules:\n  - id: X\n    title: t\n"; }
  CHECK_THROWS_AS(load_rules((rules / "checks").string()), RuleFileError);
}

TEST_CASE("rule files unchanged by identity are not read again, and an edit of the same size is seen") {
  test::RulesCopyWithCache copy("rules-identity", {"checks"});
  const fs::path& cache = copy.cache;
  const fs::path& rules = copy.rules;
  auto identity_entries = [&] {
    size_t n = 0;
    for (const auto& p : rule_caches(cache)) n += p.filename().string().rfind("rules-files-", 0) == 0;
    return n;
  };
  const std::string dir = (rules / "checks").string();

  // Just copied: the files' times are too recent to be trusted, so no identity entry yet.
  std::string parsed = rule_set_to_json(load_rules(dir)).dump();
  CHECK(identity_entries() == 0);
  // Settled (over two seconds old): the next load remembers them, the one after is served by identity.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  CHECK(rule_set_to_json(load_rules(dir)).dump() == parsed);
  CHECK(identity_entries() == 1);
  CHECK(rule_set_to_json(load_rules(dir)).dump() == parsed);

  // The same number of bytes, another title: a new identity (times), so the file is read again.
  fs::path file = rules / "checks" / "hygiene_manifest.yaml";
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t at = text.find("title: App is debuggable");
  REQUIRE(at != std::string::npos);
  text.replace(at, 24, "title: App is DEBUGGABLE");
  { std::ofstream(file, std::ios::trunc) << text; }
  CHECK(load_rules(dir).find("HYG-DEBUGGABLE")->title == "App is DEBUGGABLE");
}

TEST_CASE("a damaged rules cache entry is refused whole, never half read") {
  test::RulesCopyWithCache copy("rules-damaged", {"checks"});
  RuleSet parsed = load_rules((copy.rules / "checks").string());
  std::string bytes = rule_set_to_cache_bytes(parsed);
  CHECK(rule_set_to_json(rule_set_from_cache_bytes(bytes)).dump() == rule_set_to_json(parsed).dump());
  // Every prefix is short of something the rule set needs.
  for (size_t n = 0; n < bytes.size(); n += 3) {
    INFO("first " << n << " of " << bytes.size() << " bytes");
    CHECK_THROWS(rule_set_from_cache_bytes(bytes.substr(0, n)));
  }
  CHECK_THROWS(rule_set_from_cache_bytes(bytes + "x"));  // and nothing may follow it
  // A flipped byte anywhere: refused or read as some rule set, never a crash or an endless read
  // (under the sanitizers in CI).
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); i += 5) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0xa5);
    try {
      rule_set_from_cache_bytes(damaged);
    } catch (const std::exception&) {
      ++refused;
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("a cached 'not' without exactly one condition is refused, not left for the judgement to trip on") {
  // Found by fuzz_caches: a damaged entry read as a rule whose "not" had no condition, and judging it
  // threw out of Condition::eval.
  test::RulesCopyWithCache copy("rules-not-shape", {"checks"});
  RuleSet parsed = load_rules((copy.rules / "checks").string());
  REQUIRE(!parsed.rules.empty());
  Condition negation;
  negation.kind = Condition::Kind::not_;
  negation.children.push_back(parsed.rules[0].when);
  parsed.rules[0].when = negation;
  CHECK_NOTHROW(rule_set_from_cache_bytes(rule_set_to_cache_bytes(parsed)));
  parsed.rules[0].when.children.clear();
  CHECK_THROWS_WITH(rule_set_from_cache_bytes(rule_set_to_cache_bytes(parsed)),
                    "rules cache: a 'not' without exactly one condition");
  parsed.rules[0].when.children = {negation, negation};
  CHECK_THROWS(rule_set_from_cache_bytes(rule_set_to_cache_bytes(parsed)));
}
