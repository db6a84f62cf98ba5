// Helpers for the resources tests: reading a corpus APK's resources.arsc and the truth tools' output.
#pragma once
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "axml/axml_decoder.h"
#include "resources/arsc_table.h"
#include "test_support.h"

namespace apkvet::test {

// An opened APK with its parsed resource table (null when it has none).
struct OpenedTable {
  std::unique_ptr<AppPackage> app;
  std::unique_ptr<ArscTable> table;
  AnomalySink anomalies;
};

inline std::unique_ptr<OpenedTable> open_table(const std::string& path) {
  auto out = std::make_unique<OpenedTable>();
  try {
    out->app = std::make_unique<AppPackage>(path);
  } catch (const std::exception&) {
    return nullptr;
  }
  auto bytes = out->app->base().zip->read("resources.arsc");
  if (bytes) out->table = ArscTable::parse(*bytes, "resources.arsc", out->anomalies);
  return out;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a truth tool and returns its standard output (stderr discarded) and exit status.
inline std::pair<std::string, int> run_tool(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>/dev/null").c_str(), "r");
  if (!p) return {"", -1};
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {out, status};
}

// aapt's ResTable::normalizeForOutput, applied to the C string (aapt prints up to the first NUL).
inline std::string aapt_normalize(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == 0) break;
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}

// The `application-label:` value of `aapt dump badging` in the corpus truth, when aapt printed one.
struct BadgingTruth {
  bool aapt_ok = false;
  std::optional<std::string> label;
};

inline BadgingTruth badging_truth(const std::string& apk_name) {
  BadgingTruth t;
  std::string stem = apk_name.substr(0, apk_name.rfind('.'));
  std::istringstream in(read_text(corpus_dir() + "/truth/" + stem + ".aapt.txt"));
  std::string line;
  bool in_badging = false;
  while (std::getline(in, line)) {
    if (line.rfind("### aapt dump badging", 0) == 0) in_badging = true;
    else if (line.rfind("### aapt dump permissions", 0) == 0) in_badging = false;
    else if (in_badging && line == "### exit: 0") t.aapt_ok = true;
    else if (in_badging && !t.label && line.rfind("application-label:'", 0) == 0 && line.size() >= 20)
      t.label = line.substr(19, line.size() - 20);
  }
  return t;
}

// Reviewed differences: "<apk file>\t<what>\t<who is right: reason>" lines; '#' starts a comment.
inline std::map<std::string, std::string> known_differences(const std::string& what) {
  std::map<std::string, std::string> out;
  std::istringstream in(read_text(fixtures_dir() + "/../tests/resources/known_differences.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    std::string apk, kind, reason;
    std::getline(f, apk, '\t');
    std::getline(f, kind, '\t');
    std::getline(f, reason);
    if (kind == what) out[apk] = reason;
  }
  return out;
}

}  // namespace apkvet::test
