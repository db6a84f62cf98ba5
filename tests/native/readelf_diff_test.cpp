// Differential test against binutils readelf (`readelf -d -s -l --notes -W`): symbols (deduplicated
// imports/exports), NEEDED, SONAME, RPATH/RUNPATH and hardening of every .so in the corpus and the
// native fixtures. Reviewed disagreements are listed in known_differences.tsv with who is right.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "native/native_rules.h"
#include "native_support.h"

using namespace apkvet;
using namespace apkvet::test;
namespace fs = std::filesystem;

namespace {

struct ReadelfView {
  bool ok = false;
  std::string soname;
  std::vector<std::string> needed, rpath, runpath;
  std::set<std::string> imports, exports;
  bool nx = false, relro = false, bind_now = false, textrel = false, pie = false, bti = false, pac = false;
};

std::string bracketed(const std::string& line) {
  auto a = line.find('['), b = line.rfind(']');
  return a == std::string::npos || b == std::string::npos || b < a ? "" : line.substr(a + 1, b - a - 1);
}

ReadelfView readelf(const fs::path& file) {
  ReadelfView v;
  std::string text = run_command("readelf -d -s -l --notes -W '" + file.string() + "' 2>/dev/null");
  if (text.empty()) return v;
  v.ok = true;
  std::istringstream in(text);
  std::string line;
  bool in_symbols = false;
  while (std::getline(in, line)) {
    if (line.rfind("Symbol table '", 0) == 0) {
      in_symbols = true;
      continue;
    }
    std::istringstream ls(line);
    std::string first;
    ls >> first;
    if (first == "GNU_STACK") {
      std::vector<std::string> cols;
      for (std::string c; ls >> c;) cols.push_back(c);
      // offset vaddr paddr filesz memsz flags... align: flags are the tokens between memsz and align.
      std::string flags;
      for (size_t i = 4; i + 1 < cols.size(); ++i) flags += cols[i];
      v.nx = flags.find('E') == std::string::npos;
    }
    if (first == "GNU_RELRO") v.relro = true;
    if (line.find("(NEEDED)") != std::string::npos) v.needed.push_back(bracketed(line));
    if (line.find("(SONAME)") != std::string::npos) v.soname = bracketed(line);
    if (line.find("(RPATH)") != std::string::npos) v.rpath.push_back(bracketed(line));
    if (line.find("(RUNPATH)") != std::string::npos) v.runpath.push_back(bracketed(line));
    if (line.find("(BIND_NOW)") != std::string::npos) v.bind_now = true;
    if (line.find("(TEXTREL)") != std::string::npos) v.textrel = true;
    if (line.find("(FLAGS)") != std::string::npos) {
      if (line.find("BIND_NOW") != std::string::npos) v.bind_now = true;
      if (line.find("TEXTREL") != std::string::npos) v.textrel = true;
    }
    if (line.find("(FLAGS_1)") != std::string::npos) {
      std::string flags = line.substr(line.find("Flags:") + 6);
      std::istringstream fl(flags);
      for (std::string f; fl >> f;) {
        if (f == "NOW") v.bind_now = true;
        if (f == "PIE") v.pie = true;
      }
    }
    if (line.find("AArch64 feature:") != std::string::npos) {
      v.bti = line.find("BTI") != std::string::npos;
      v.pac = line.find("PAC") != std::string::npos;
    }
    if (in_symbols && !first.empty() && first.back() == ':' && std::isdigit(static_cast<unsigned char>(first[0]))) {
      std::vector<std::string> cols;
      for (std::string c; ls >> c;) cols.push_back(c);
      // value size type bind vis [other...] ndx [name]
      if (cols.size() < 6) continue;
      const std::string &type = cols[2], &bind = cols[3], &vis = cols[4];
      size_t i = 5;
      while (i < cols.size() && cols[i].front() == '[') {  // "[VARIANT_PCS]" and other st_other notes
        while (i < cols.size() && cols[i].back() != ']') ++i;
        ++i;
      }
      if (i >= cols.size()) continue;
      const std::string& ndx = cols[i];
      std::string name = i + 1 < cols.size() ? cols[i + 1] : "";
      if (auto at = name.find('@'); at != std::string::npos) name = name.substr(0, at);
      if (name.empty() || type == "SECTION" || type == "FILE") continue;
      if (bind != "GLOBAL" && bind != "WEAK" && bind != "UNIQUE") continue;
      if (ndx == "UND") {
        v.imports.insert(name);
      } else if (vis == "DEFAULT" || vis == "PROTECTED") {
        v.exports.insert(name);
      }
    }
  }
  return v;
}

// file-glob <TAB> field <TAB> reason
std::vector<std::pair<std::string, std::string>> known_differences() {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream in(fs::path(__FILE__).parent_path() / "known_differences.tsv");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto t1 = line.find('\t');
    auto t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    out.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1)});
  }
  return out;
}

bool known(const std::string& file, const std::string& field) {
  static const auto list = known_differences();
  for (const auto& [glob, f] : list)
    if (f == field && glob_match(glob, file)) return true;
  return false;
}

size_t g_compared = 0;

void compare(const fs::path& path, const std::string& label, Bytes bytes) {
  ReadelfView r = readelf(path);
  AnomalySink sink;
  NativeLibrary l = analyze_native_library(bytes, label, "", sink, NativeOptions{});
  if (!r.ok || l.status != "analyzed") {
    MESSAGE("skipped (not an ELF both tools read): " << label << " status=" << l.status);
    return;
  }
  ++g_compared;
  CAPTURE(label);
  auto set_of = [](const std::vector<std::string>& v) { return std::set<std::string>(v.begin(), v.end()); };
  if (!known(label, "imports")) CHECK(set_of(l.imports) == r.imports);
  if (!known(label, "exports")) CHECK(set_of(l.exports) == r.exports);
  if (!known(label, "needed")) CHECK(l.needed == r.needed);
  if (!known(label, "soname")) CHECK(l.soname == r.soname);
  if (!known(label, "rpath")) CHECK(l.hardening.rpath == r.rpath);
  if (!known(label, "runpath")) CHECK(l.hardening.runpath == r.runpath);
  if (!known(label, "nx")) CHECK(l.hardening.nx == r.nx);
  std::string relro = !r.relro ? "none" : r.bind_now ? "full" : "partial";
  if (!known(label, "relro")) CHECK(l.hardening.relro == relro);
  if (!known(label, "bind_now")) CHECK(l.hardening.bind_now == r.bind_now);
  if (!known(label, "textrel")) CHECK(l.hardening.textrel == r.textrel);
  if (!known(label, "pie")) CHECK(l.hardening.pie == r.pie);
  if (l.arch == "arm64" && !known(label, "bti")) {
    CHECK(l.hardening.bti.value_or(false) == r.bti);
    CHECK(l.hardening.pac.value_or(false) == r.pac);
  }
  bool canary = r.imports.count("__stack_chk_fail") > 0;
  if (!known(label, "canary")) CHECK(l.hardening.canary == canary);
}

}  // namespace

TEST_CASE("readelf: every corpus .so agrees with readelf") {
  fs::path tmp = fs::temp_directory_path() / ("apkvet-readelf-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  size_t libs = 0;
  for (const auto& apk : corpus_apks()) {
    std::unique_ptr<AppPackage> app;
    try {
      app = std::make_unique<AppPackage>(apk.string());
    } catch (const std::exception&) {
      continue;
    }
    for (const auto& part : app->parts()) {
      for (const auto& e : part.zip->entries()) {
        if (e.name.rfind("lib/", 0) != 0 || e.name.size() < 4 || e.name.substr(e.name.size() - 3) != ".so") continue;
        auto bytes = part.zip->read(e);
        if (!bytes) continue;
        fs::path file = tmp / std::to_string(libs++);
        std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bytes->data()), bytes->size());
        compare(file, apk.filename().string() + "!" + part.evidence_path(e.name), *bytes);
      }
    }
  }
  fs::remove_all(tmp);
  MESSAGE("corpus libraries compared with readelf: " << g_compared << " of " << libs);
  CHECK(g_compared >= 20);
}

TEST_CASE("readelf: every fixture .so agrees with readelf") {
  size_t before = g_compared;
  for (const auto& e : fs::recursive_directory_iterator(fixtures_dir() + "/built/native/so")) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    compare(e.path(), fs::relative(e.path(), fixtures_dir()).string(), bytes);
  }
  MESSAGE("fixture libraries compared with readelf: " << g_compared - before);
  CHECK(g_compared - before >= 12);
}
