// Reading YAML rule and policy files with yaml-cpp: strict keys, typed scalars, file:line errors.
#pragma once
#include <initializer_list>
#include <string>

#include <yaml-cpp/yaml.h>

#include "facts/evidence.h"
#include "rules/condition.h"
#include "rules/rule_set.h"

namespace apkvet::rules {

std::string where(const std::string& file, const YAML::Node& node);
[[noreturn]] void fail(const std::string& file, const YAML::Node& node, const std::string& reason);
// Refuses keys other than `allowed`: a typo in a rule must not silently disable it.
void check_keys(const std::string& file, const YAML::Node& map, std::initializer_list<const char*> allowed);
std::string scalar(const std::string& file, const YAML::Node& node, const char* key, bool required = true);
// A YAML value as JSON: plain scalars become bool/number when they read as one; quoted stay strings.
Json to_json_value(const YAML::Node& node);
Condition parse_condition(const std::string& file, const YAML::Node& node);

}  // namespace apkvet::rules
