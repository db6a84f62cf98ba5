// Shared helpers for tests: where the corpus and fixtures are, and listing corpus APKs.
#pragma once
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
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

// A private copy of some of the shipped rules directories (`rules/<dir>` for each of `dirs`) and a
// private cache directory that APKVET_CACHE_DIR points at while this lives: cache tests edit and age
// the copies, and read the entries written, without touching the tree or the user's cache.
struct RulesCopyWithCache {
  std::filesystem::path cache, rules;
  RulesCopyWithCache(const std::string& tag, std::initializer_list<const char*> dirs)
      : cache(std::filesystem::temp_directory_path() / ("apkvet-" + tag + "-cache-" + std::to_string(::getpid()))),
        rules(std::filesystem::temp_directory_path() / ("apkvet-" + tag + "-copy-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(cache);
    std::filesystem::remove_all(rules);
    std::filesystem::create_directories(rules);
    for (const char* dir : dirs)
      std::filesystem::copy(fixtures_dir() + "/../rules/" + dir, rules / dir, std::filesystem::copy_options::recursive);
    setenv("APKVET_CACHE_DIR", cache.c_str(), 1);
  }
  ~RulesCopyWithCache() {
    unsetenv("APKVET_CACHE_DIR");
    std::filesystem::remove_all(cache);
    std::filesystem::remove_all(rules);
  }
  RulesCopyWithCache(const RulesCopyWithCache&) = delete;
  RulesCopyWithCache& operator=(const RulesCopyWithCache&) = delete;
};

}  // namespace apkvet::test
