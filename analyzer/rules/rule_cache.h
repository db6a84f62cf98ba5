// Parsed rule sets kept on disk between runs. yaml-cpp needs ~15 ms for the shipped rules, as long
// as the rest of a small scan; the same rules read back from the JSON cache (with simdjson) take
// ~0.2 ms. The key is the rule files' names and contents (what RuleSet::version hashes) and the
// apkvet version, so an edited rule file is parsed again (with its file:line errors); any problem
// with the cache means the YAML is parsed as if there were none.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "rules/rule_set.h"

namespace apkvet::rules {

std::optional<RuleSet> load_cached_rules(const std::string& all_text);
void store_cached_rules(const std::string& all_text, const RuleSet& set);

// The JSON form, exposed for tests: a rule set read back equals the one written. Reading throws
// (std::exception) on anything malformed.
Json rule_set_to_json(const RuleSet& set);
RuleSet rule_set_from_json_text(std::string_view text);

}  // namespace apkvet::rules
