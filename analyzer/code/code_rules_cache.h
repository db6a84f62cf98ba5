// The code rules (code_rules.h) kept on disk between runs in a binary form. Parsing their JSON files
// (1 MB, most of it the API -> permission map) was ~114 M instructions, three quarters of a scan of a
// small APK and a fixed ~25 ms at the start of every batch; read back from the cache they take ~6 M.
//
// Keyed like the permission catalogue's index: the rule files' names and identities (device, inode,
// size, times; file_identity.h) and the apkvet version. An entry is written only when every file is
// settled, so an edit is always seen; anything wrong with an entry means the JSON is parsed again.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "code/code_rules.h"

namespace apkvet::code {

// The rules read back from the cache entry of these files (path, name shown in the key), if any.
std::optional<CodeRules> load_cached_code_rules(const std::vector<std::pair<std::string, std::string>>& files);
// Stores them for these files, if every one is settled. The matcher is not stored (it is built from
// the rules, with its own compiled-database cache).
void store_cached_code_rules(const std::vector<std::pair<std::string, std::string>>& files, const CodeRules& rules);

// The cache's binary form and back; reading throws std::exception on anything malformed, including
// an index that points outside the table it indexes. For tests and the fuzzer.
std::string code_rules_to_cache_bytes(const CodeRules& rules);
CodeRules code_rules_from_cache_bytes(std::string_view bytes);

}  // namespace apkvet::code
