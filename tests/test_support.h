// Shared helpers for tests: where the corpus and fixtures are, and listing corpus APKs.
#pragma once
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace apkvet::test {

inline std::string corpus_dir() { return APKVET_CORPUS_DIR; }
inline std::string fixtures_dir() { return APKVET_FIXTURES_DIR; }
inline std::string fixture(const std::string& name) { return fixtures_dir() + "/built/" + name; }

// Every file in ../shared/corpus/apks, sorted.
inline std::vector<std::filesystem::path> corpus_apks() {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(corpus_dir() + "/apks", ec))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Standard output of a shell command (a truth tool: aapt, readelf, dexdump), "" if it cannot start.
inline std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace apkvet::test
