#include "code/tracker_matcher.h"

#include <hs/hs.h>

#include "core/hyperscan_cache.h"

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace apkvet::code {
namespace {

// An Exodus signature alternative as a Hyperscan expression: '.' stays "any character", every
// other character is literal.
std::string to_expression(std::string_view alternative) {
  std::string out;
  for (char c : alternative) {
    if (c == '.') {
      out += '.';
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

std::vector<std::string> split_alternatives(std::string_view sig) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= sig.size()) {
    size_t bar = sig.find('|', start);
    if (bar == std::string_view::npos) bar = sig.size();
    if (bar > start) out.emplace_back(sig.substr(start, bar - start));
    start = bar + 1;
  }
  return out;
}

// Packer stubs are exact class names: escape the dots too.
std::string literal(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::string dotted_class_name(std::string_view d) {
  if (d.size() >= 2 && d.front() == 'L' && d.back() == ';') d = d.substr(1, d.size() - 2);
  std::string out(d);
  for (auto& c : out)
    if (c == '/') c = '.';
  return out;
}

TrackerMatcher::TrackerMatcher(const CodeRules& rules) {
  std::vector<std::string> expressions;
  std::vector<unsigned> flags, ids;
  auto add = [&](std::string expr, ClassMatch::Kind kind, uint32_t index, bool boundary, uint32_t row) {
    ids.push_back(static_cast<unsigned>(patterns_.size()));
    patterns_.push_back({kind, index, boundary, row});
    expressions.push_back(std::move(expr));
    flags.push_back(HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL);
  };
  uint32_t row = 0;
  for (uint32_t i = 0; i < rules.trackers.size(); ++i, ++row) {
    row_kind_.push_back(ClassMatch::Kind::tracker);
    row_index_.push_back(i);
    const auto& sig = rules.trackers[i].code_signature;
    if (sig.size() <= 3) continue;  // Exodus skips these too
    for (const auto& alt : split_alternatives(sig)) {
      std::string e = to_expression(alt);
      add("(?:^|\\.)" + e, ClassMatch::Kind::tracker, i, true, row);
      add(e, ClassMatch::Kind::tracker, i, false, row);
    }
  }
  for (uint32_t i = 0; i < rules.packers.size(); ++i, ++row) {
    row_kind_.push_back(ClassMatch::Kind::packer);
    row_index_.push_back(i);
    for (const auto& cls : rules.packers[i].classes) {
      // An exact class, or (when the stub names a package) anything under it.
      add("^" + literal(cls) + "(?:$|\\.|\\x24)", ClassMatch::Kind::packer, i, true, row);
    }
  }
  rows_ = row;
  if (expressions.empty()) return;
  std::vector<const char*> ptrs;
  for (auto& e : expressions) ptrs.push_back(e.c_str());
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (compile_multi_cached(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()), HS_MODE_BLOCK,
                           &db, &err) != HS_SUCCESS) {
    std::string what = err && err->message ? err->message : "unknown error";
    int at = err ? err->expression : -1;
    hs_free_compile_error(err);
    throw std::runtime_error("tracker signatures do not compile (expression " + std::to_string(at) + "): " + what);
  }
  db_ = HyperscanDatabase(db);
}

TrackerMatcher::Scanner::Scanner(const TrackerMatcher& m) : matcher_(m), scratch_(m.db_.scratch()), seen_(m.rows_, 0) {}

void TrackerMatcher::Scanner::scan(std::string_view name, std::vector<ClassMatch>& out) {
  if (!matcher_.db_ || name.empty()) return;
  struct Ctx {
    const TrackerMatcher* m;
    std::vector<uint8_t>* seen;
    std::vector<uint32_t>* touched;
  } ctx{&matcher_, &seen_, &touched_};
  auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* p) -> int {
    auto* c = static_cast<Ctx*>(p);
    const auto& pat = c->m->patterns_[id];
    uint8_t level = pat.boundary ? 2 : 1;
    uint8_t& s = (*c->seen)[pat.row];
    if (s == 0) c->touched->push_back(pat.row);
    if (level > s) s = level;
    return 0;
  };
  touched_.clear();
  matcher_.db_.scan(name, scratch_, on_match, &ctx);
  for (uint32_t row : touched_) {
    ClassMatch cm;
    cm.kind = matcher_.row_kind_[row];
    cm.index = matcher_.row_index_[row];
    cm.boundary = seen_[row] == 2;
    seen_[row] = 0;
    out.push_back(cm);
  }
}

}  // namespace apkvet::code
