// Conditions over the JSON form of an app's facts: the small language rules and policies are written
// in. The facts JSON is the contract between parsers and rules, so a rule never sees C++ types.
//
// A path is dotted object keys; "[]" after a key walks every element of that array, e.g.
// "manifest.permissions[].name". A predicate holds if ANY value at its path satisfies it, and cites the
// evidence of the elements that matched.
#pragma once
#include <memory>
#include <re2/re2.h>
#include <string>
#include <vector>

#include "facts/evidence.h"

namespace apkvet::rules {

// What made a condition true: the path, the matched value, and the facts' own evidence objects.
struct Citation {
  std::string path;
  Json value;
  Json evidence;  // the matched element's "evidence" (object or array), or null
};

// A citation while conditions are evaluated: pointers into the facts and the rule, made into a
// Citation only for the few a finding keeps (a matched element can be a whole category of code
// uses with its examples; copying each one cited was most of judging an app).
struct CitedRef {
  const std::string* path = nullptr;
  const Json* value = nullptr;
  const Json* evidence = nullptr;  // as Citation::evidence, or null
  const Json* examples = nullptr;  // else: the element's "examples", whose first 5 evidence objects are cited
  Citation citation() const;
};

// One step of a path: an object key ("" for the value itself), and whether "[]" walks its elements.
struct PathStep {
  std::string key;
  bool each = false;
};
std::vector<PathStep> split_path(const std::string& path);

struct Condition {
  enum class Kind { predicate, all, any, not_, some, count };
  enum class Op { equals, not_equals, in, not_in, matches, exists, absent, gte, gt, lte, lt, contains };

  Kind kind = Kind::predicate;
  std::string path;                // predicate: the value; some/count: the array
  std::vector<PathStep> steps;     // the path split, by set_path
  Op op = Op::exists;
  Json operand;                    // equals/in/gte...: the value(s) to compare with
  std::shared_ptr<re2::RE2> regex;  // matches (RE2: linear time, no backtracking)
  std::vector<Condition> children;    // all/any/not; some/count: children[0] is the "where" (optional)
  double count_at_least = 1;          // count: how many elements must match

  void set_path(std::string p);

  // True if the condition holds over `facts`; appends what made it true to `cited` (pointers into
  // `facts` and this condition: valid while both are).
  bool eval(const Json& facts, std::vector<CitedRef>& cited) const;
};

// Every (value, nearest evidence) reached by a path with optional "[]" steps.
struct PathMatch {
  const Json* value;
  const Json* evidence;  // nearest enclosing object's "evidence", or nullptr
};
std::vector<PathMatch> resolve_path(const Json& root, const std::string& path);
std::vector<PathMatch> resolve_path(const Json& root, const std::vector<PathStep>& steps);

}  // namespace apkvet::rules
