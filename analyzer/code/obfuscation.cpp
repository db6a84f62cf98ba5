#include "code/obfuscation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>

namespace apkvet::code {
namespace {

std::string_view simple_class_name(std::string_view d) {
  if (d.size() >= 2 && d.front() == 'L' && d.back() == ';') d = d.substr(1, d.size() - 2);
  auto slash = d.rfind('/');
  if (slash != std::string_view::npos) d = d.substr(slash + 1);
  auto dollar = d.rfind('$');
  if (dollar != std::string_view::npos) d = d.substr(dollar + 1);
  return d;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A string that could be ciphertext: long enough, no spaces, high entropy. Plain identifiers, URLs
// and sentences have lower entropy or spaces.
bool high_entropy_string(std::string_view s) {
  if (s.size() < 16 || s.size() > 4096) return false;
  if (s.find(' ') != std::string_view::npos) return false;
  if (s.rfind("http", 0) == 0 || s.rfind("content://", 0) == 0) return false;
  return shannon_entropy(s) >= 4.2;
}

bool unusual_dex_path(std::string_view path) {
  // Root DEX: "...classesN.dex" right after the part prefix ("" or "x.apk!").
  auto bang = path.rfind('!');
  std::string_view entry = bang == std::string_view::npos ? path : path.substr(bang + 1);
  if (entry.find('/') != std::string_view::npos) return true;
  if (entry.rfind("classes", 0) != 0 || entry.size() < 11 || entry.substr(entry.size() - 4) != ".dex") return true;
  return !(entry.size() == 11 || all_digits(entry.substr(7, entry.size() - 11)));
}

}  // namespace

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<uint32_t, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  for (uint32_t n : counts) {
    if (!n) continue;
    double p = double(n) / double(s.size());
    h -= p * std::log2(p);
  }
  return h;
}

bool meaningless_name(std::string_view s, bool is_class) {
  if (s.empty() || all_digits(s)) return false;  // anonymous classes ($1) are the compiler's, not renaming
  if (s.size() <= 2) return true;
  if (is_class && s.size() == 3 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
    return true;
  // Il1/O0 confusable names that some obfuscators produce.
  if (s.size() >= 4 && std::all_of(s.begin(), s.end(), [](char c) { return c == 'I' || c == 'l' || c == '1' || c == 'O' || c == '0' || c == 'i'; }))
    return true;
  return false;
}

ObfuscationFacts analyze_obfuscation(const AppPackage& app, const CodeModel& m) {
  ObfuscationFacts o;
  // Renaming.
  for (uint32_t c = 0; c < m.class_count(); ++c) {
    if (!m.defined(c)) continue;
    std::string_view simple = simple_class_name(m.class_name(c));
    if (all_digits(simple)) continue;
    ++o.classes;
    if (meaningless_name(simple, true)) ++o.short_class_names;
    for (const auto& [key, n] : m.class_methods(c)) {
      std::string_view name = m.key_name(key);
      if (name == "<init>" || name == "<clinit>" || name.find('$') != std::string_view::npos) continue;
      ++o.methods;
      if (meaningless_name(name, false)) ++o.short_method_names;
    }
  }
  o.class_renaming_ratio = o.classes ? double(o.short_class_names) / double(o.classes) : 0;
  o.method_renaming_ratio = o.methods ? double(o.short_method_names) / double(o.methods) : 0;
  o.renamed = (o.classes >= 20 && o.class_renaming_ratio >= 0.3) || (o.methods >= 100 && o.method_renaming_ratio >= 0.3);

  // Strings, and static String f(String)-like methods fed directly by const-strings.
  struct Candidate {
    uint64_t fed = 0, high = 0;
  };
  std::map<std::string, Candidate> candidates;
  for (uint32_t f = 0; f < m.file_count(); ++f) {
    const auto& df = m.file(f);
    std::vector<uint8_t> high(df.string_count(), 2);  // 2 = not computed
    auto is_high = [&](uint32_t idx) {
      if (idx >= high.size()) return false;
      if (high[idx] == 2) high[idx] = high_entropy_string(df.string(idx)) ? 1 : 0;
      return high[idx] == 1;
    };
    for (const auto& su : df.string_uses()) {
      ++o.strings_used;
      if (is_high(su.string_idx)) {
        ++o.high_entropy_strings;
        if (o.sample_high_entropy.size() < 5) o.sample_high_entropy.push_back(Evidence::truncate(df.string(su.string_idx)).substr(0, 60));
      }
    }
    const uint32_t methods = static_cast<uint32_t>(df.methods().size());
    for (uint32_t mi = 0; mi < methods; ++mi) {
      auto strs = df.strings_of(mi);
      if (strs.empty()) continue;
      for (const auto& cs : df.calls_of(mi)) {
        if (cs.kind != dex::InvokeKind::kStatic || cs.target >= df.method_ids().size()) continue;
        const auto& id = df.method_ids()[cs.target];
        uint32_t cls = m.type_class(f, id.class_idx);
        if (cls == kNone || !m.defined(cls)) continue;
        std::string_view proto_ret = df.type_descriptor(df.proto_ids()[id.proto_idx].return_type_idx);
        if (proto_ret != "Ljava/lang/String;") continue;
        // A const-string loaded within the few code units before the call feeds it.
        const dex::StringUse* fed = nullptr;
        for (const auto& su : strs)
          if (su.pc < cs.pc && cs.pc - su.pc <= 6) fed = &su;
        if (!fed) continue;
        auto params = df.proto_parameters(id.proto_idx);
        if (params.empty() || params.size() > 2) continue;
        auto& cand = candidates[df.method_signature(cs.target)];
        ++cand.fed;
        if (is_high(fed->string_idx)) ++cand.high;
      }
    }
  }
  std::vector<std::pair<uint64_t, std::string>> ranked;
  for (const auto& [sig, c] : candidates)
    if (c.fed >= 5 && c.high * 2 >= c.fed) ranked.emplace_back(c.fed, sig + " (fed " + std::to_string(c.fed) + " strings, " + std::to_string(c.high) + " high-entropy)");
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  for (size_t i = 0; i < ranked.size() && i < 5; ++i) o.decryptor_candidates.push_back(ranked[i].second);
  o.string_encryption_suspected = !o.decryptor_candidates.empty() ||
                                  (o.strings_used >= 50 && o.high_entropy_strings * 10 >= o.strings_used * 3);

  // DEX in unusual places.
  for (const auto& f : m.corpus().files())
    if (unusual_dex_path(f->path())) o.unusual_dex.push_back(f->path());
  for (const auto& d : app.nested_dex()) o.unusual_dex.push_back(d.path);
  std::sort(o.unusual_dex.begin(), o.unusual_dex.end());
  o.unusual_dex.erase(std::unique(o.unusual_dex.begin(), o.unusual_dex.end()), o.unusual_dex.end());
  return o;
}

}  // namespace apkvet::code
