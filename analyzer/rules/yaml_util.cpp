#include "rules/yaml_util.h"

#include <cstdlib>
#include <map>

namespace apkvet::rules {

std::string where(const std::string& file, const YAML::Node& node) {
  return file + ":" + std::to_string(node.Mark().line + 1);
}

void fail(const std::string& file, const YAML::Node& node, const std::string& reason) {
  throw RuleFileError(where(file, node) + ": " + reason);
}

void check_keys(const std::string& file, const YAML::Node& map, std::initializer_list<const char*> allowed) {
  if (!map.IsMap()) fail(file, map, "expected a mapping");
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) fail(file, kv.first, "unknown key '" + key + "'");
  }
}

std::string scalar(const std::string& file, const YAML::Node& node, const char* key, bool required) {
  YAML::Node v = node[key];
  if (!v) {
    if (required) fail(file, node, std::string("missing '") + key + "'");
    return "";
  }
  if (!v.IsScalar()) fail(file, v, std::string("'") + key + "' must be a single value");
  return v.as<std::string>();
}

Json to_json_value(const YAML::Node& node) {
  if (node.IsSequence()) {
    Json a = Json::array();
    for (const auto& e : node) a.push_back(to_json_value(e));
    return a;
  }
  if (node.IsMap()) {
    Json o = Json::object();
    for (const auto& kv : node) o[kv.first.as<std::string>()] = to_json_value(kv.second);
    return o;
  }
  if (!node.IsScalar()) return nullptr;
  std::string s = node.as<std::string>();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  char* end = nullptr;
  long long i = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && *end == '\0') return i;
  double d = std::strtod(s.c_str(), &end);
  if (!s.empty() && *end == '\0') return d;
  return s;
}

Condition parse_condition(const std::string& file, const YAML::Node& node) {
  if (!node.IsMap()) fail(file, node, "a condition must be a mapping");
  Condition c;
  auto list = [&](const YAML::Node& seq) {
    if (!seq.IsSequence()) fail(file, seq, "expected a list of conditions");
    for (const auto& child : seq) c.children.push_back(parse_condition(file, child));
  };
  if (node["all"]) {
    check_keys(file, node, {"all"});
    c.kind = Condition::Kind::all;
    list(node["all"]);
    return c;
  }
  if (node["any"]) {
    check_keys(file, node, {"any"});
    c.kind = Condition::Kind::any;
    list(node["any"]);
    return c;
  }
  if (node["not"]) {
    check_keys(file, node, {"not"});
    c.kind = Condition::Kind::not_;
    c.children.push_back(parse_condition(file, node["not"]));
    return c;
  }
  if (node["some"] || node["count"]) {
    bool some = static_cast<bool>(node["some"]);
    if (some) check_keys(file, node, {"some", "where"});
    else check_keys(file, node, {"count", "where", "at_least"});
    c.kind = some ? Condition::Kind::some : Condition::Kind::count;
    c.set_path(scalar(file, node, some ? "some" : "count"));
    if (c.path.size() < 2 || c.path.substr(c.path.size() - 2) != "[]")
      fail(file, node, "'" + std::string(some ? "some" : "count") + "' takes an array path ending in []");
    if (node["where"]) c.children.push_back(parse_condition(file, node["where"]));
    if (!some) {
      Json n = to_json_value(node["at_least"]);
      if (!n.is_number()) fail(file, node, "'count' needs a numeric 'at_least'");
      c.count_at_least = n.get<double>();
    }
    return c;
  }
  static const std::map<std::string, Condition::Op> ops = {
      {"equals", Condition::Op::equals}, {"not_equals", Condition::Op::not_equals}, {"in", Condition::Op::in},
      {"not_in", Condition::Op::not_in}, {"matches", Condition::Op::matches},       {"exists", Condition::Op::exists},
      {"absent", Condition::Op::absent}, {"gte", Condition::Op::gte},               {"gt", Condition::Op::gt},
      {"lte", Condition::Op::lte},       {"lt", Condition::Op::lt},                 {"contains", Condition::Op::contains}};
  c.kind = Condition::Kind::predicate;
  c.set_path(scalar(file, node, "path"));
  int n_ops = 0;
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (key == "path") continue;
    auto it = ops.find(key);
    if (it == ops.end()) fail(file, kv.first, "unknown key '" + key + "' (expected an operator such as equals, in, matches)");
    ++n_ops;
    c.op = it->second;
    c.operand = to_json_value(kv.second);
  }
  if (n_ops != 1) fail(file, node, "a predicate needs exactly one operator besides 'path'");
  if ((c.op == Condition::Op::in || c.op == Condition::Op::not_in) && !c.operand.is_array())
    fail(file, node, "'in' takes a list");
  if ((c.op == Condition::Op::gte || c.op == Condition::Op::gt || c.op == Condition::Op::lte || c.op == Condition::Op::lt) &&
      !c.operand.is_number())
    fail(file, node, "a comparison takes a number");
  if (c.op == Condition::Op::matches) {
    if (!c.operand.is_string()) fail(file, node, "'matches' takes a regular expression");
    re2::RE2::Options options;
    options.set_log_errors(false);
    c.regex = std::make_shared<re2::RE2>(c.operand.get<std::string>(), options);
    if (!c.regex->ok()) fail(file, node, "bad regular expression: " + c.regex->error());
  }
  return c;
}

}  // namespace apkvet::rules
