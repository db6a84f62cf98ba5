// Every Exodus tracker code signature and every packer class stub compiled into one Hyperscan
// database, scanned once per class name (dotted form, "com.facebook.ads.AdView").
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "code/code_rules.h"
#include "core/hyperscan_database.h"

namespace apkvet::code {

// What one class name matched.
struct ClassMatch {
  enum class Kind : uint8_t { tracker, packer };
  Kind kind = Kind::tracker;
  uint32_t index = 0;     // in CodeRules::trackers or CodeRules::packers
  bool boundary = false;  // the signature starts at a package boundary (start of name or after '.')
};

// Signatures are Exodus regexes (alternatives separated by '|', '.' = any character) applied with
// Python re.search. Each alternative is compiled twice: anchored at a package boundary (the match we
// trust) and unanchored (what Exodus itself finds: "ads." also hits "com.uploads.X"), so our tracker
// set always contains the Exodus one while each match says how strong it is.
class TrackerMatcher {
 public:
  explicit TrackerMatcher(const CodeRules& rules);
  TrackerMatcher(const TrackerMatcher&) = delete;
  TrackerMatcher& operator=(const TrackerMatcher&) = delete;

  // Appends to `out` the trackers/packers `dotted_name` matches (one row per tracker or packer;
  // boundary is true if any alternative matched at a boundary). Not thread-safe per instance: use a
  // Scanner per thread.
  class Scanner {
   public:
    explicit Scanner(const TrackerMatcher& m);
    Scanner(const Scanner&) = delete;
    Scanner& operator=(const Scanner&) = delete;
    void scan(std::string_view dotted_name, std::vector<ClassMatch>& out);

   private:
    const TrackerMatcher& matcher_;
    HyperscanDatabase::Scratch scratch_;
    std::vector<uint8_t> seen_;  // per pattern row: 0 none, 1 loose, 2 boundary
    std::vector<uint32_t> touched_;
  };

  size_t pattern_count() const { return patterns_.size(); }

 private:
  struct Pattern {
    ClassMatch::Kind kind;
    uint32_t index;
    bool boundary;
    uint32_t row;  // tracker rows first, then packer rows
  };
  std::vector<Pattern> patterns_;
  size_t rows_ = 0;
  std::vector<ClassMatch::Kind> row_kind_;  // per row: tracker or packer
  std::vector<uint32_t> row_index_;         // per row: index in CodeRules::trackers / packers
  HyperscanDatabase db_;
};

// Helpers exposed for tests.
std::string dotted_class_name(std::string_view descriptor);  // "Lcom/a/B$C;" -> "com.a.B$C"

}  // namespace apkvet::code
