// Helpers for the catalogue tests: a temporary folder, running the apkvet CLI, small corpus subsets
// and reading a store.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "catalogue/inputs.h"
#include "catalogue/store.h"
#include "test_support.h"

namespace apkvet::test {

namespace fs = std::filesystem;

// A fresh folder under the build's temp area, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    std::random_device rd;
    path = fs::temp_directory_path() / ("apkvet-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `apkvet ARGS` (with a shell) and collects exit code, stdout and stderr.
inline CommandResult run_apkvet(const std::string& args, const std::string& stdin_text = "") {
  TempDir tmp("cmd");
  std::string in = tmp / "stdin", out = tmp / "stdout", err = tmp / "stderr";
  std::ofstream(in) << stdin_text;
  std::string cmd = shell_quote(APKVET_BINARY) + " " + args + " <" + shell_quote(in) + " >" + shell_quote(out) +
                    " 2>" + shell_quote(err);
  int rc = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  std::stringstream o, e;
  o << std::ifstream(out).rdbuf();
  e << std::ifstream(err).rdbuf();
  r.out = o.str();
  r.err = e.str();
  return r;
}

// Corpus APKs by kind (from manifest.tsv), sorted by file name, smallest-first within the limit so
// the CI tests stay fast; kinds: benign, malformed, malware, test.
inline std::vector<fs::path> corpus_subset(const std::map<std::string, size_t>& per_kind) {
  std::ifstream tsv(corpus_dir() + "/manifest.tsv");
  std::string line;
  std::getline(tsv, line);
  std::map<std::string, std::vector<std::pair<long, std::string>>> by_kind;
  while (std::getline(tsv, line)) {
    std::vector<std::string> cols;
    std::stringstream in(line);
    for (std::string c; std::getline(in, c, '\t');) cols.push_back(c);
    if (cols.size() < 10) continue;
    by_kind[cols[4]].push_back({std::atol(cols[1].c_str()), cols[9]});
  }
  std::vector<fs::path> out;
  for (auto& [kind, n] : per_kind) {
    auto& files = by_kind[kind];
    std::sort(files.begin(), files.end());
    for (size_t i = 0; i < files.size() && i < n; ++i) {
      fs::path p = fs::path(corpus_dir()) / files[i].second;
      if (!fs::exists(p)) p = fs::path(corpus_dir()) / "apks" / fs::path(files[i].second).filename();
      out.push_back(p);
    }
  }
  return out;
}

inline std::string sha256_of(const fs::path& p) {
  uint64_t size = 0;
  std::string error;
  return catalogue::file_sha256(p.string(), size, error);
}

}  // namespace apkvet::test

namespace apkvet::test {

// A store's content without the fields that differ between runs (times, durations, memory): two
// stores that analysed the same inputs with the same rules dump the same.
inline std::string store_dump(const std::string& db) {
  catalogue::Store store(db);
  std::ostringstream out;
  for (const auto& r : store.results()) {
    out << r.sha256 << "\t" << r.key.analyzer_version << "\t" << r.key.rules_version << "\t" << r.status << "\t"
        << r.reason << "\t" << r.package << "\t" << r.version_code << "\t" << r.signer_sha256 << "\t" << r.verdict;
    for (int s : r.scores) out << "\t" << s;
    out << "\t" << r.report_json.size() << "\t" << std::hash<std::string>{}(r.report_json) << "\n";
  }
  for (const auto& p : store.paths()) out << "path\t" << p.path << "\t" << p.sha256 << "\n";
  for (const auto& e : store.input_errors()) out << "input_error\t" << e.path << "\t" << e.reason << "\n";
  return out.str();
}

// Links each corpus file into `dir` under its own name (the batch reads through the link).
inline void link_all(const std::vector<fs::path>& files, const fs::path& dir) {
  fs::create_directories(dir);
  for (const auto& f : files) fs::create_symlink(f, dir / f.filename());
}

}  // namespace apkvet::test
