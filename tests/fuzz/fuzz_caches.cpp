// libFuzzer target: the binary caches apkvet reads back from its cache directory, a file any
// local user or a damaged disk could have changed. The first byte picks the reader (by its value mod 3):
//   0: the rule cache (rule_set_from_cache_bytes), then the rules read back judge a small facts
//         document, so a condition tree no YAML file could give (bad enums, missing children, operands
//         of the wrong type) goes through the evaluator too;
//   1: the permission catalogue's index (PermissionCatalog::from_index), then lookups;
//   2: the code rules (code_rules_from_cache_bytes), then every index the analysis follows.
// Seeds: with $APKVET_FUZZ_SEED_DIR set (tools/fuzz.sh sets it), the first run writes the shipped
// rules, permission catalogue and code rules in their current cache form there, so mutation starts from valid
// entries of the format this build writes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "code/code_rules_cache.h"
#include "core/data_dir.h"
#include "manifest/permission_catalog.h"
#include "report/json_report.h"
#include "rules/judgement.h"
#include "rules/rule_cache.h"

namespace {

const apkvet::Json& sample_facts() {
  static const apkvet::Json facts = apkvet::Json::parse(R"({
    "status": "ok",
    "input": {"sha256": "00", "size": 1000},
    "manifest": {"package": "com.example.fuzz", "version_code": "3", "debuggable": true, "min_sdk": 21,
                 "permissions": [{"name": "android.permission.READ_CONTACTS", "protection_level": "dangerous",
                                  "evidence": {"file": "AndroidManifest.xml", "location": "line 3"}},
                                 {"name": "android.permission.INTERNET", "protection_level": "normal"}],
                 "components": [{"kind": "activity", "name": ".Main", "exported": true, "permission": null}]},
    "signing": {"schemes": {"v1": true, "v2": false}, "signer_certificates": [{"sha256": "ab", "expired": true}]},
    "code": {"api_uses": [{"category": "contacts", "api": "Landroid/provider/ContactsContract;", "count": 2.5}]},
    "strings": {"endpoints": [{"value": "https://a.example.cn", "jurisdiction": "CN", "owner": {"id": "x"}}]},
    "native": {"libraries": []}
  })");
  return facts;
}

void write_seed(const std::string& dir, const std::string& name, char kind, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << kind << bytes;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("APKVET_FUZZ_SEED_DIR");
  if (!dir || !*dir) return 0;
  try {
    write_seed(dir, "rules-cache", '\0', apkvet::rules::rule_set_to_cache_bytes(apkvet::rules::load_rules(apkvet::rules_path("checks"))));
    write_seed(dir, "permission-index", '\1',
               apkvet::PermissionCatalog::build_index(apkvet::read_text_file(apkvet::rules_path("permissions/android_permissions.json"))));
    write_seed(dir, "code-rules", '\2', apkvet::code::code_rules_to_cache_bytes(*apkvet::code::load_code_rules()));
  } catch (const std::exception&) {  // no rules directory: mutation starts from nothing
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace apkvet;
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 3 == 0) {
    rules::RuleSet set;
    try {
      set = rules::rule_set_from_cache_bytes(bytes);
    } catch (const std::exception&) {  // refused: the YAML would be parsed again
      return 0;
    }
    // Written as every report writes JSON (dump_json replaces invalid UTF-8: rule texts, like YAML
    // ones, are not validated as UTF-8 on the way in), compact as a batch worker sends it and
    // indented as scan prints it, each byte for byte nlohmann's (its own writer: json_report.cpp).
    auto written = [](const Json& j) {
      for (int indent : {-1, 2})
        if (dump_json(j, indent) != j.dump(indent, ' ', false, Json::error_handler_t::replace)) __builtin_trap();
    };
    written(rules::rule_set_to_json(set));
    rules::Judgement j = rules::judge(sample_facts(), set, nullptr, {}, "2026-01-01");
    Json out;
    rules::to_json(out, j);
    written(out);
  } else if (data[0] % 3 == 2) {
    code::CodeRules rules;
    try {
      rules = code::code_rules_from_cache_bytes(bytes);
    } catch (const std::exception&) {  // refused: the JSON would be parsed again
      return 0;
    }
    // What the analysis follows without checking (api_matcher.cpp, native_java_apis.cpp): ASan
    // stops any index the reader let through past its table.
    size_t sum = 0;
    for (const auto& [cls, c] : rules.classes) {
      for (const auto& [member, t] : c.by_member) {
        for (uint32_t m : t.api_members) sum += rules.apis[rules.members[m].rule].id.size();
        for (uint32_t m : t.permission_mappings) sum += rules.mappings[m].descriptor.size();
      }
      for (const auto& [name, apis] : c.any_overload)
        for (uint32_t a : apis) sum += rules.apis[a].category.size();
    }
    for (const auto& [value, members] : rules.constant_strings)
      for (uint32_t m : members) sum += rules.members[m].descriptor.size();
    for (const auto& [authority, p] : rules.provider_by_authority) sum += rules.providers[p].category.size();
    for (uint32_t a : rules.prefix_rules) sum += rules.apis[a].package_prefix.size();
    sum += rules.label("contacts").size() + (rules.permission("android.permission.READ_CONTACTS") != nullptr);
    if (sum == size_t(-1)) __builtin_trap();  // keeps the reads
  } else {
    auto catalog = PermissionCatalog::from_index(std::string(bytes));
    for (const char* name : {"android.permission.INTERNET", "android.permission.READ_CONTACTS", "", "zzzz",
                             "android.permission.SEND_SMS", "com.google.android.c2dm.permission.RECEIVE"})
      (void)catalog->find(name);
    (void)catalog->size();
  }
  return 0;
}
