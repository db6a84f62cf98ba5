// Parsed rule sets kept on disk between runs. yaml-cpp needs ~15 ms for the shipped rules, as long
// as the rest of a small scan; the same rules read back from the cache (a binary form of the
// RuleSet) take ~0.1 ms. The key is the rule files' names and contents (what RuleSet::version hashes) and the
// apkvet version, so an edited rule file is parsed again (with its file:line errors); any problem
// with the cache means the YAML is parsed as if there were none.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/file_identity.h"
#include "rules/rule_set.h"

namespace apkvet::rules {

std::optional<RuleSet> load_cached_rules(const std::string& all_text);
void store_cached_rules(const std::string& all_text, const RuleSet& set);

// A cheaper key looked up before any rule file is read: the files' identities (name, device, inode,
// size, modification and change times), as git's index and make trust them. Its entry names the
// content-keyed entry above. Reading and hashing the rule files for the content key cost every
// scan ~0.5 ms. The identity entry is written only for files whose times are over two seconds old:
// a file written twice within one tick of the file system's clock would otherwise keep its identity
// across the second edit (git's "racy clean" problem).
struct RuleFileIdentity {
  std::string shown;  // the name that goes into the content key
  FileIdentity id;
};
std::vector<RuleFileIdentity> rule_file_identities(const std::vector<std::pair<std::string, std::string>>& path_and_shown);
std::optional<RuleSet> load_cached_rules_by_identity(const std::vector<RuleFileIdentity>& files);
void remember_rule_files(const std::vector<RuleFileIdentity>& files, const std::string& all_text);

// For tests: the cache's binary form of a rule set and back (reading throws std::exception on
// anything malformed), and a JSON view of a rule set to compare two of them field by field.
std::string rule_set_to_cache_bytes(const RuleSet& set);
RuleSet rule_set_from_cache_bytes(std::string_view bytes);
Json rule_set_to_json(const RuleSet& set);

}  // namespace apkvet::rules
