#include "rules/condition.h"

namespace apkvet::rules {
namespace {

void walk(const Json& node, const Json* evidence, const std::vector<PathStep>& steps, size_t i,
          std::vector<PathMatch>& out) {
  if (node.is_object()) {
    // A std::string key: no strlen of a literal at each key the map compares it with on the way.
    static const std::string kEvidence = "evidence";
    if (auto it = node.find(kEvidence); it != node.end()) evidence = &*it;
  }
  if (i == steps.size()) {
    out.push_back({&node, evidence});
    return;
  }
  const auto& [key, each] = steps[i];
  const Json* next = &node;
  if (!key.empty()) {
    if (!node.is_object()) return;
    auto it = node.find(key);
    if (it == node.end()) return;
    next = &*it;
  }
  if (!each) return walk(*next, evidence, steps, i + 1, out);
  if (!next->is_array()) return;
  for (const auto& element : *next) walk(element, evidence, steps, i + 1, out);
}

bool compare(const Json& v, Condition::Op op, const Json& operand, const re2::RE2* re) {
  using Op = Condition::Op;
  switch (op) {
    case Op::exists: return !v.is_null();
    case Op::absent: return v.is_null();
    case Op::equals: return v == operand;
    case Op::not_equals: return v != operand;
    case Op::in:
      for (const auto& o : operand)
        if (v == o) return true;
      return false;
    case Op::not_in:
      for (const auto& o : operand)
        if (v == o) return false;
      return true;
    case Op::matches: return v.is_string() && re2::RE2::PartialMatch(v.get_ref<const std::string&>(), *re);
    case Op::contains:
      if (v.is_string() && operand.is_string())
        return v.get_ref<const std::string&>().find(operand.get_ref<const std::string&>()) != std::string::npos;
      if (v.is_array())
        for (const auto& e : v)
          if (e == operand) return true;
      return false;
    case Op::gte: return v.is_number() && v.get<double>() >= operand.get<double>();
    case Op::gt: return v.is_number() && v.get<double>() > operand.get<double>();
    case Op::lte: return v.is_number() && v.get<double>() <= operand.get<double>();
    case Op::lt: return v.is_number() && v.get<double>() < operand.get<double>();
  }
  return false;
}

}  // namespace

std::vector<PathStep> split_path(const std::string& path) {
  std::vector<PathStep> steps;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    if (dot == std::string::npos) dot = path.size();
    std::string key = path.substr(start, dot - start);
    bool each = key.size() >= 2 && key.compare(key.size() - 2, 2, "[]") == 0;
    if (each) key.resize(key.size() - 2);
    steps.push_back({std::move(key), each});
    start = dot + 1;
  }
  return steps;
}

std::vector<PathMatch> resolve_path(const Json& root, const std::vector<PathStep>& steps) {
  std::vector<PathMatch> out;
  walk(root, nullptr, steps, 0, out);
  return out;
}

std::vector<PathMatch> resolve_path(const Json& root, const std::string& path) { return resolve_path(root, split_path(path)); }

void Condition::set_path(std::string p) {
  path = std::move(p);
  steps = split_path(path);
}

Citation CitedRef::citation() const {
  Citation c{*path, value ? *value : Json(), evidence ? *evidence : Json()};
  if (!evidence && examples) {
    Json list = Json::array();
    for (const auto& e : *examples)
      if (e.is_object() && e.contains("evidence") && list.size() < 5) list.push_back(e["evidence"]);
    if (!list.empty()) c.evidence = std::move(list);
  }
  return c;
}

// A matched array element is cited by a short name a person recognises (the host, the tracker's
// name, the masked secret...) and by its own evidence: its "evidence", else the evidence of its
// "examples" (code uses carry one example per caller), else the nearest evidence above it.
static CitedRef cite_element(const std::string& path, const Json& element, const Json* inherited) {
  CitedRef c{&path, &element, inherited, nullptr};
  if (!element.is_object()) return c;
  for (const char* key : {"masked", "value", "host", "name", "label", "id", "file", "category"}) {
    auto it = element.find(key);
    if (it != element.end() && it->is_string()) {
      c.value = &*it;
      break;
    }
  }
  if (auto it = element.find("evidence"); it != element.end()) {
    c.evidence = &*it;
  } else if (auto ex = element.find("examples"); ex != element.end() && ex->is_array()) {
    // Cited as the evidence of its first examples, if any has one; else the inherited evidence.
    for (const auto& e : *ex)
      if (e.is_object() && e.contains("evidence")) {
        c.evidence = nullptr;
        c.examples = &*ex;
        break;
      }
    // For a code use the caller says more than the category's label.
    if (!ex->empty() && ex->front().is_object())
      if (auto caller = ex->front().find("caller_method"); caller != ex->front().end() && caller->is_string())
        c.value = &*caller;
  }
  return c;
}

bool Condition::eval(const Json& facts, std::vector<CitedRef>& cited) const {
  switch (kind) {
    case Kind::predicate: {
      auto matches = resolve_path(facts, steps);
      if (matches.empty()) return op == Op::absent;
      bool any = false;
      for (const auto& m : matches) {
        if (!compare(*m.value, op, operand, regex.get())) continue;
        any = true;
        if (op != Op::absent && op != Op::not_in && op != Op::not_equals)
          cited.push_back({&path, m.value, m.evidence, nullptr});
      }
      return any;
    }
    case Kind::all: {
      std::vector<CitedRef> local;
      for (const auto& c : children)
        if (!c.eval(facts, local)) return false;
      cited.insert(cited.end(), local.begin(), local.end());
      return true;
    }
    case Kind::any: {
      bool any = false;
      for (const auto& c : children) any = c.eval(facts, cited) || any;  // cite every branch that holds
      return any;
    }
    case Kind::not_: {
      std::vector<CitedRef> ignored;
      return !children.at(0).eval(facts, ignored);
    }
    case Kind::some:
    case Kind::count: {
      size_t n = 0;
      std::vector<CitedRef> local;
      std::vector<CitedRef> inner;
      for (const auto& m : resolve_path(facts, steps)) {
        inner.clear();
        if (!children.empty() && !children[0].eval(*m.value, inner)) continue;
        ++n;
        local.push_back(cite_element(path, *m.value, m.evidence));
      }
      bool ok = kind == Kind::some ? n >= 1 : static_cast<double>(n) >= count_at_least;
      if (ok) cited.insert(cited.end(), local.begin(), local.end());
      return ok;
    }
  }
  return false;
}

}  // namespace apkvet::rules
