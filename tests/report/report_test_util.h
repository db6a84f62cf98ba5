// Helpers for the report tests: run the apkvet CLI (and other tools) through the shell, read files,
// and a scratch directory per test binary run.
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "test_support.h"

namespace apkvet::test {

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Single-quotes for /bin/sh.
inline std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command; returns its exit status (-1 if it did not exit normally).
inline int run(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::filesystem::path& scratch_path() {
  static std::filesystem::path path;
  return path;
}

// A directory for this test process' outputs, removed at exit unless APKVET_KEEP_TEST_OUTPUT is set.
inline std::filesystem::path scratch_dir() {
  static const bool made = [] {
    scratch_path() = std::filesystem::temp_directory_path() / ("apkvet-report-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(scratch_path());
    if (!std::getenv("APKVET_KEEP_TEST_OUTPUT"))
      std::atexit([] {
        std::error_code ec;
        std::filesystem::remove_all(scratch_path(), ec);
      });
    return true;
  }();
  (void)made;
  return scratch_path();
}

inline std::string apkvet() { return APKVET_BINARY; }
inline std::string policy() { return fixtures_dir() + "/../rules/policies/government-device.yaml"; }
inline std::string report_dir() { return fixtures_dir() + "/../tests/report"; }

// Runs `apkvet ARGS` with a fixed SOURCE_DATE_EPOCH; stdout to `out`, stderr to out + ".err".
inline int apkvet_to(const std::string& args, const std::filesystem::path& out) {
  return run("SOURCE_DATE_EPOCH=1767225600 " + sh_quote(apkvet()) + " " + args + " > " + sh_quote(out.string()) +
             " 2> " + sh_quote(out.string() + ".err"));
}

// A fixed sample of the corpus: benign, malware, test fixtures and malformed files (one of which,
// 1e332dc0b473de5f, cannot be opened at all: its central directory lies outside the file).
inline std::vector<std::string> corpus_sample() {
  std::vector<std::string> out;
  for (const char* name : {"1ac9a8274ad80980", "80b0ae68a1189baa", "2c5e656af90044cf", "135d6acff3ca27e6",
                           "07f0a212b0f5cb32", "04375e51c12eca3f", "1767d61a485fbaff", "0b70b8756462b443",
                           "28f92881ab4aebcb", "0fcaf5ed103a0223", "1e332dc0b473de5f"})
    out.push_back(corpus_dir() + "/apks/" + name + ".apk");
  return out;
}

}  // namespace apkvet::test
