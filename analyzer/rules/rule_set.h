// Rules as data: rules/checks/*.yaml, each rule an id, title, axis, severity, a condition over the
// facts, a rationale and references. A malformed file is refused with its path, line and reason.
#pragma once
#include <string>
#include <vector>

#include "facts/evidence.h"
#include "rules/condition.h"

namespace apkvet::rules {

// The four things a review board weighs, each scored 0-100.
enum class Axis { data_access, egress, code_integrity, hygiene };
inline constexpr Axis kAxes[] = {Axis::data_access, Axis::egress, Axis::code_integrity, Axis::hygiene};
const char* to_string(Axis a);

struct Rule {
  std::string id;
  std::string title;
  Axis axis = Axis::hygiene;
  Severity severity = Severity::medium;
  // false ("scored: false"): a rule about the analysis itself (something could not be read), not about
  // the app. Its finding stands and policies see it, but it adds nothing to the axis score: a gap in
  // the evidence is not a measure of risk, and must not push a score over a reject threshold.
  bool scored = true;
  Condition when;
  std::string rationale;
  std::vector<std::string> references;  // OWASP MASVS, CWE, Android docs
  std::string source;                   // "rules/checks/manifest.yaml:12"
};

struct RuleSet {
  std::vector<Rule> rules;  // sorted by id
  std::string version;      // content hash of the rule files: a rule change makes stored results stale
  const Rule* find(const std::string& id) const;
};

// Thrown for a malformed rule or policy file; what() is "<file>:<line>: <reason>".
struct RuleFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Loads every *.yaml under `dir` (sorted). Duplicate ids are an error.
RuleSet load_rules(const std::string& dir);
RuleSet load_rules_from_string(const std::string& yaml, const std::string& file_name);

Severity parse_severity(const std::string& s, const std::string& where);

}  // namespace apkvet::rules
