// Differential test against dexdump (Debian's, AOSP 10): on every corpus APK and every built fixture,
// each DEX file must give the same classes (descriptor, flags, superclass), the same methods per class,
// and per method the same indexed instructions (invoke-* targets, const-string, field and type refs)
// at the same code offsets. Reviewed disagreements are listed in known_differences.tsv.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "dex/dex_corpus.h"
#include "dex/dex_opcodes.h"
#include "test_support.h"

using namespace apkvet;
namespace fs = std::filesystem;

namespace {

// What both sides say about one DEX file, as comparable text.
struct Listing {
  std::vector<std::string> classes;                         // "Lfoo; flags super"
  std::map<std::string, std::vector<std::string>> methods;  // class -> "name type"
  std::map<std::string, std::vector<std::string>> code;     // "class name type" -> "pc op idx"
  bool ok = true;
  std::string error;
};

std::string hex4(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%04x", v);
  return b;
}

// The instruction families compared (dexdump spells variants: iget-object -> iget, ...).
std::string family(std::string_view op) {
  if (op.rfind("invoke-", 0) == 0) return std::string(op);
  if (op.rfind("const-string", 0) == 0) return "string";
  for (const char* p : {"iget", "iput", "sget", "sput"})
    if (op.rfind(p, 0) == 0) return p;
  if (op.rfind("filled-new-array", 0) == 0) return "filled-new-array";
  for (const char* p : {"const-class", "check-cast", "instance-of", "new-instance", "new-array"})
    if (op == p) return p;
  return "";
}

Listing ours(const dex::DexFile& f) {
  Listing l;
  for (const auto& c : f.classes()) {
    std::string cls(f.string_mutf8(c.class_idx < f.type_ids().size() ? f.type_ids()[c.class_idx] : dex::kNoIndex));
    std::string sup =
        c.superclass_idx == dex::kNoIndex ? "-" : std::string(f.string_mutf8(f.type_ids()[c.superclass_idx]));
    l.classes.push_back(cls + " " + hex4(c.access_flags) + " " + sup);
    auto& ms = l.methods[cls];
    for (uint32_t mi = c.methods_begin; mi < c.methods_end; ++mi) {
      const auto& m = f.methods()[mi];
      const auto& id = f.method_ids()[m.method_idx];
      std::string desc = "(";
      for (uint32_t t : f.proto_parameters(id.proto_idx)) desc += f.string_mutf8(f.type_ids()[t]);
      desc += ")";
      desc += f.string_mutf8(f.type_ids()[f.proto_ids()[id.proto_idx].return_type_idx]);
      std::string key = std::string(f.string_mutf8(id.name_idx)) + " " + desc;
      ms.push_back(key);
      std::vector<std::pair<uint32_t, std::string>> recs;
      for (const auto& cs : f.calls_of(mi)) {
        std::string op = std::string("invoke-") + dex::to_string(cs.kind) + (cs.range ? "/range" : "");
        recs.emplace_back(cs.pc, op + " " + hex4(cs.target));
      }
      for (const auto& s : f.strings_of(mi)) recs.emplace_back(s.pc, "string " + hex4(s.string_idx));
      for (const auto& u : f.fields_of(mi))
        recs.emplace_back(u.pc, std::string(dex::to_string(u.op)) + " " + hex4(u.field_idx));
      for (const auto& u : f.types_of(mi))
        recs.emplace_back(u.pc, std::string(dex::to_string(u.op)) + " " + hex4(u.type_idx));
      std::sort(recs.begin(), recs.end());
      auto& code = l.code[cls + " " + key];
      for (auto& [pc, r] : recs) code.push_back(hex4(pc) + " " + r);
    }
  }
  return l;
}

std::string between(const std::string& s, char open, char close) {
  auto a = s.find(open);
  auto b = s.rfind(close);
  if (a == std::string::npos || b == std::string::npos || b <= a) return "";
  return s.substr(a + 1, b - a - 1);
}

Listing theirs(const std::string& dex_path) {
  Listing l;
  // stderr apart: interleaved with stdout it would split lines.
  std::string cmd = "dexdump -d -i '" + dex_path + "' 2>'" + dex_path + ".err'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    l.ok = false;
    l.error = "cannot run dexdump";
    return l;
  }
  char* line = nullptr;
  size_t cap = 0;
  ssize_t n;
  std::string cls, flags, name, method_key;
  bool in_methods = false;
  bool pending_string = false;
  std::string pending_pc;
  std::vector<std::string>* code = nullptr;
  while ((n = getline(&line, &cap, p)) > 0) {
    std::string s(line, static_cast<size_t>(n));
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (s.rfind("Class #", 0) == 0) {
      in_methods = false;
      pending_string = false;
      code = nullptr;
    } else if (s.rfind("  Class descriptor  : ", 0) == 0) {
      cls = between(s, '\'', '\'');
    } else if (s.rfind("  Access flags      : ", 0) == 0) {
      flags = s.substr(24, s.find(' ', 24) - 24);
    } else if (s.rfind("  Superclass        : ", 0) == 0) {
      std::string sup = between(s, '\'', '\'');
      if (s.find('\'') == std::string::npos) sup = "-";
      l.classes.push_back(cls + " " + flags + " " + (sup.empty() ? "-" : sup));
      l.methods[cls];
    } else if (s.rfind("  Direct methods    -", 0) == 0 || s.rfind("  Virtual methods   -", 0) == 0) {
      in_methods = true;
    } else if (s.rfind("  Static fields", 0) == 0 || s.rfind("  Instance fields", 0) == 0 ||
               s.rfind("  source_file_idx", 0) == 0) {
      in_methods = false;
    } else if (in_methods && s.rfind("      name          : ", 0) == 0) {
      name = between(s, '\'', '\'');
    } else if (in_methods && s.rfind("      type          : ", 0) == 0) {
      method_key = name + " " + between(s, '\'', '\'');
      l.methods[cls].push_back(method_key);
      code = &l.code[cls + " " + method_key];
    } else if (code && s.size() > 8 && s[6] == ':' && s.find('|') != std::string::npos) {
      // "0012ab: 7010 0300 0000    |0000: invoke-direct {v0}, Ljava/lang/Object;.<init>:()V // method@0003"
      auto bar = s.find('|');
      if (s.size() < bar + 7 || s[bar + 5] != ':') continue;
      std::string pc = s.substr(bar + 1, 4);
      auto op_end = s.find(' ', bar + 7);
      std::string op = s.substr(bar + 7, op_end == std::string::npos ? std::string::npos : op_end - bar - 7);
      std::string fam = family(op);
      if (fam.empty()) continue;
      auto at = s.rfind("// ");
      if (fam == "string" && (at == std::string::npos || s.find("string@", at) == std::string::npos)) {
        pending_string = true;
        pending_pc = pc;
        continue;
      }
      if (at == std::string::npos) continue;
      auto idx_at = s.find('@', at);
      if (idx_at == std::string::npos) continue;
      std::string idx = s.substr(idx_at + 1, s.find_first_of(", ", idx_at) - idx_at - 1);
      // Our indices print as at least 4 hex digits; dexdump's too, but strip leading zeros beyond that.
      while (idx.size() > 4 && idx[0] == '0') idx.erase(0, 1);
      code->push_back(pc + " " + fam + " " + idx);
    } else if (pending_string && s.find("// string@") != std::string::npos) {
      // A string constant with a line break: its "// string@" comes on a later line.
      auto idx_at = s.rfind("// string@") + 10;
      std::string idx = s.substr(idx_at);
      while (idx.size() > 4 && idx[0] == '0') idx.erase(0, 1);
      code->push_back(pending_pc + " string " + idx);
      pending_string = false;
    }
  }
  free(line);
  int rc = pclose(p);
  std::ifstream err(dex_path + ".err");
  std::string e((std::istreambuf_iterator<char>(err)), {});
  std::error_code ec;
  fs::remove(dex_path + ".err", ec);
  if (rc != 0) {
    l.ok = false;
    l.error = e.substr(0, 300);
  }
  for (auto& [k, v] : l.code) std::stable_sort(v.begin(), v.end());
  return l;
}

// known_differences.tsv: apk<TAB>dex entry<TAB>kind<TAB>who is right<TAB>reason. "*" matches any dex entry.
std::set<std::string> known_differences() {
  std::set<std::string> out;
  std::ifstream in(fs::path(APKVET_FIXTURES_DIR).parent_path() / "tests/dex/known_differences.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream cols(line);
    std::string apk, dex, kind;
    std::getline(cols, apk, '\t');
    std::getline(cols, dex, '\t');
    std::getline(cols, kind, '\t');
    out.insert(apk + "\t" + dex + "\t" + kind);
  }
  return out;
}

// Compares both listings; returns the kind of the first disagreement ("" when they agree) and a detail.
std::string compare(const Listing& a, const Listing& b, std::string& detail) {
  if (!b.ok) {
    detail = b.error;
    return "dexdump_refused";
  }
  if (a.classes != b.classes) {
    for (size_t i = 0; i < std::max(a.classes.size(), b.classes.size()); ++i) {
      std::string x = i < a.classes.size() ? a.classes[i] : "<none>",
                  y = i < b.classes.size() ? b.classes[i] : "<none>";
      if (x != y) {
        detail = "class #" + std::to_string(i) + ": ours '" + x + "' dexdump '" + y + "'";
        break;
      }
    }
    return "classes";
  }
  if (a.methods != b.methods) {
    for (const auto& [cls, ms] : b.methods) {
      auto it = a.methods.find(cls);
      if (it == a.methods.end() || it->second != ms) {
        detail = cls + ": ours " + std::to_string(it == a.methods.end() ? 0 : it->second.size()) +
                 " methods, dexdump " + std::to_string(ms.size());
        break;
      }
    }
    return "methods";
  }
  for (const auto& [m, code] : b.code) {
    auto it = a.code.find(m);
    const std::vector<std::string> empty;
    const auto& mine = it == a.code.end() ? empty : it->second;
    if (mine != code) {
      size_t i = 0;
      while (i < mine.size() && i < code.size() && mine[i] == code[i]) ++i;
      detail = m + ": ours '" + (i < mine.size() ? mine[i] : "<end>") + "' dexdump '" +
               (i < code.size() ? code[i] : "<end>") + "'";
      return "code";
    }
  }
  return "";
}

struct Totals {
  size_t dex_files = 0, classes = 0, methods = 0, records = 0, known = 0;
};

void check_apk(const fs::path& apk, const fs::path& tmp_dir, const std::set<std::string>& known, Totals& t) {
  std::unique_ptr<AppPackage> app;
  try {
    app = std::make_unique<AppPackage>(apk.string());
  } catch (const std::exception&) {
    return;  // not an app at all: the archive tests cover that
  }
  AnomalySink sink;
  auto corpus = dex::load_dex_corpus(*app, sink, {}, 1);
  std::string name = apk.filename().string();
  for (const auto& f : corpus->files()) {
    if (!f->usable() || f->version() >= 40) continue;  // dexdump (AOSP 10) reads up to 039
    fs::path tmp = tmp_dir / (name + "." + std::to_string(t.dex_files) + ".dex");
    {
      std::ofstream out(tmp, std::ios::binary);
      out.write(reinterpret_cast<const char*>(f->base().data()), static_cast<std::streamsize>(f->base().size()));
    }
    Listing mine = ours(*f);
    Listing truth = theirs(tmp.string());
    fs::remove(tmp);
    ++t.dex_files;
    t.classes += mine.classes.size();
    for (const auto& [k, v] : mine.methods) t.methods += v.size();
    for (const auto& [k, v] : mine.code) t.records += v.size();
    std::string detail;
    std::string kind = compare(mine, truth, detail);
    if (kind.empty()) continue;
    // The entry name inside the app: the evidence path without the input's own prefix.
    std::string entry = f->path();
    if (known.count(name + "\t" + entry + "\t" + kind) || known.count(name + "\t*\t" + kind)) {
      ++t.known;
      continue;
    }
    FAIL_CHECK("dexdump disagrees: " << name << "\t" << entry << "\t" << kind << "\t" << detail);
  }
}

void run_shard(int shard, int shards) {
  if (std::system("dexdump >/dev/null 2>&1; test $? -ne 127") != 0) {
    MESSAGE("dexdump not installed: skipped");
    return;
  }
  fs::path tmp_dir = fs::path(APKVET_BINARY).parent_path() /
                     ("dexdump-diff-" + std::to_string(getpid()) + "-" + std::to_string(shard));
  fs::create_directories(tmp_dir);
  auto known = known_differences();
  std::vector<fs::path> inputs = test::corpus_apks();
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(test::fixtures_dir() + "/built", ec))
    if (e.path().extension() == ".apk") inputs.push_back(e.path());
  std::sort(inputs.begin() + static_cast<long>(test::corpus_apks().size()), inputs.end());
  Totals t;
  for (size_t i = static_cast<size_t>(shard); i < inputs.size(); i += static_cast<size_t>(shards))
    check_apk(inputs[i], tmp_dir, known, t);
  fs::remove_all(tmp_dir, ec);
  MESSAGE("shard " << shard << ": " << t.dex_files << " dex files, " << t.classes << " classes, " << t.methods
                   << " methods, " << t.records << " indexed instructions agree; " << t.known << " known differences");
  CHECK(t.dex_files > 0);
}

}  // namespace

// Four shards so CTest can run them on both cores.
TEST_CASE("dexdump agrees on classes, methods and indexed instructions (shard 0/4)") { run_shard(0, 4); }
TEST_CASE("dexdump agrees on classes, methods and indexed instructions (shard 1/4)") { run_shard(1, 4); }
TEST_CASE("dexdump agrees on classes, methods and indexed instructions (shard 2/4)") { run_shard(2, 4); }
TEST_CASE("dexdump agrees on classes, methods and indexed instructions (shard 3/4)") { run_shard(3, 4); }
