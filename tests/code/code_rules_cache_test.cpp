// The code rules cached on disk (code/code_rules_cache.h): read back, they are the parsed ones, field
// for field and in what a scan reports; an entry is used only for the files it was made from, and
// a damaged one is refused whole.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "code/code_rules.h"
#include "code/code_rules_cache.h"
#include "core/data_dir.h"
#include "test_support.h"

using namespace apkvet;
using namespace apkvet::code;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> code_rule_caches(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind("code-rules-", 0) == 0) out.push_back(e.path());
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("code rules are cached once their files are settled, read back equal, and an edited file is parsed again") {
  test::RulesCopyWithCache copy("code-rules", {"apis", "trackers"});
  // Just copied: the files' times are too recent to key a cache entry.
  auto parsed = load_code_rules(copy.rules.string());
  REQUIRE(parsed->permission("android.permission.READ_CONTACTS"));
  CHECK(code_rule_caches(copy.cache).empty());
  const std::string parsed_bytes = code_rules_to_cache_bytes(*parsed);
  CHECK(code_rules_to_cache_bytes(code_rules_from_cache_bytes(parsed_bytes)) == parsed_bytes);

  // Settled (over two seconds old): the next load writes the entry, the one after reads it.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  CHECK(code_rules_to_cache_bytes(*load_code_rules(copy.rules.string())) == parsed_bytes);
  auto entries = code_rule_caches(copy.cache);
  REQUIRE(entries.size() == 1);
  CHECK(read_file(entries[0]) == parsed_bytes);
  auto cached = load_code_rules(copy.rules.string());
  CHECK(code_rules_to_cache_bytes(*cached) == parsed_bytes);
  // What the analysis asks of them: a permission's level, a member's rules, the tracker matcher.
  CHECK(cached->permission("android.permission.READ_CONTACTS")->protection == "dangerous");
  auto telephony = cached->classes.find("Landroid/telephony/TelephonyManager;");
  REQUIRE(telephony != cached->classes.end());
  auto device_id = telephony->second.by_member.find("getDeviceId()Ljava/lang/String;");
  REQUIRE(device_id != telephony->second.by_member.end());
  CHECK(!device_id->second.api_members.empty());
  CHECK(!device_id->second.permission_mappings.empty());
  CHECK(cached->matcher != nullptr);

  // The entry is what is read: one changed by hand shows through (and is a foreign one's stand-in).
  CodeRules changed = code_rules_from_cache_bytes(parsed_bytes);
  changed.permissions["android.permission.READ_CONTACTS"].protection = "from-the-cache";
  { std::ofstream(entries[0], std::ios::binary | std::ios::trunc) << code_rules_to_cache_bytes(changed); }
  CHECK(load_code_rules(copy.rules.string())->permission("android.permission.READ_CONTACTS")->protection == "from-the-cache");

  // A damaged entry is parsed around.
  { std::ofstream(entries[0], std::ios::binary | std::ios::trunc) << parsed_bytes.substr(0, parsed_bytes.size() / 2); }
  CHECK(code_rules_to_cache_bytes(*load_code_rules(copy.rules.string())) == parsed_bytes);

  // An edited rule file has another identity: parsed again, the edit seen.
  fs::path file = copy.rules / "trackers" / "packers.json";
  std::string text = read_file(file);
  REQUIRE(text.find("\"packers\"") != std::string::npos);
  text.replace(text.find("\"packers\""), 9, "\"packers\": [{\"id\": \"zz\", \"name\": \"Edited\"}], \"was\"");
  { std::ofstream(file, std::ios::trunc) << text; }
  auto edited = load_code_rules(copy.rules.string());
  REQUIRE(edited->packers.size() == 1);
  CHECK(edited->packers[0].name == "Edited");
}

TEST_CASE("a damaged code rules cache entry is refused whole, never half read, and no index points outside its table") {
  test::RulesCopyWithCache copy("code-rules", {"apis", "trackers"});
  const std::string bytes = code_rules_to_cache_bytes(*load_code_rules(copy.rules.string()));
  REQUIRE(bytes.size() > 100000);
  // Prefixes are short of something (a sample of them: each read is up to the whole 0.7 MB).
  for (size_t n = 0; n < bytes.size(); n += 4999) {
    INFO("first " << n << " of " << bytes.size() << " bytes");
    CHECK_THROWS(code_rules_from_cache_bytes(bytes.substr(0, n)));
  }
  CHECK_THROWS(code_rules_from_cache_bytes(bytes + "x"));
  // A flipped byte: refused or read as some rules, never a crash (under the sanitizers in CI).
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); i += 4999) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0xa5);
    try {
      code_rules_from_cache_bytes(damaged);
    } catch (const std::exception&) {
      ++refused;
    }
  }
  CHECK(refused > 0);

  // Indices the analysis follows without checking: each one past its table is refused.
  CodeRules rules = code_rules_from_cache_bytes(bytes);
  auto refused_with = [&](auto&& damage) {
    CodeRules r = rules;
    damage(r);
    return [&] {
      try {
        code_rules_from_cache_bytes(code_rules_to_cache_bytes(r));
      } catch (const std::exception&) {
        return true;
      }
      return false;
    }();
  };
  CHECK(refused_with([](CodeRules& r) { r.members[0].rule = uint32_t(r.apis.size()); }));
  CHECK(refused_with([](CodeRules& r) { r.prefix_rules.push_back(uint32_t(r.apis.size())); }));
  CHECK(refused_with([](CodeRules& r) { r.constant_strings["x"].push_back(uint32_t(r.members.size())); }));
  CHECK(refused_with([](CodeRules& r) { r.provider_by_authority["x"] = uint32_t(r.providers.size()); }));
  CHECK(refused_with([](CodeRules& r) { r.classes["Lx;"].by_member["m()V"].api_members.push_back(uint32_t(r.members.size())); }));
  CHECK(refused_with([](CodeRules& r) { r.classes["Lx;"].by_member["m()V"].permission_mappings.push_back(uint32_t(r.mappings.size())); }));
  CHECK(refused_with([](CodeRules& r) { r.classes["Lx;"].any_overload["m"].push_back(uint32_t(r.apis.size())); }));
  CHECK(!refused_with([](CodeRules&) {}));
}

TEST_CASE("a scan with the code rules from the cache reports what one without any cache does") {
  fs::path cache = fs::temp_directory_path() / ("apkvet-code-rules-scan-" + std::to_string(::getpid()));
  fs::remove_all(cache);
  auto scan = [&](const std::string& cache_dir) {
    return test::run_command("APKVET_CACHE_DIR='" + cache_dir + "' '" + APKVET_BINARY +
                             "' scan --format json --policy government-device --date 2026-12-01 '" +
                             test::fixture("leaky.apk") + "' 2>/dev/null");
  };
  std::string uncached = scan("off");
  REQUIRE(uncached.find("\"sensitive_api_use\"") != std::string::npos);
  CHECK(scan(cache.string()) == uncached);  // parses, writes the entry (the shipped files are settled)
  CHECK(code_rule_caches(cache).size() == 1);
  CHECK(scan(cache.string()) == uncached);  // reads it
  fs::remove_all(cache);
}
