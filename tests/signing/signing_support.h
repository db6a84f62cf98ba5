// Helpers for the signing tests: apksigner truth files (corpus and fixtures), the manifest values
// apksigner's policy needs (read with aapt, the manifest truth tool), and running our verifier.
#pragma once
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "signing/signing_facts.h"
#include "test_support.h"

namespace apkvet::test {

struct ApksignerTruth {
  int exit_code = -1;
  bool v1 = false, v2 = false, v3 = false;
  std::vector<std::string> signer_sha256;
  std::vector<std::string> errors;  // ERROR: lines and exceptions
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline ApksignerTruth parse_apksigner(const std::string& text) {
  ApksignerTruth t;
  std::smatch m;
  if (std::regex_search(text, m, std::regex("### exit: (\\d+)"))) t.exit_code = std::stoi(m[1]);
  auto flag = [&](const char* scheme) {
    std::regex re(std::string("Verified using ") + scheme + " scheme \\([^)]*\\): (\\w+)");
    return std::regex_search(text, m, re) && m[1] == "true";
  };
  t.v1 = flag("v1");
  t.v2 = flag("v2");
  t.v3 = flag("v3");
  std::regex cert("Signer #\\d+ certificate SHA-256 digest: ([0-9a-f]+)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), cert); it != std::sregex_iterator(); ++it)
    t.signer_sha256.push_back((*it)[1]);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("ERROR", 0) == 0 || line.rfind("Exception", 0) == 0) t.errors.push_back(line);
  return t;
}

// minSdk, targetSdk and targetSandboxVersion as `aapt dump xmltree` shows them (apksigner reads the same
// manifest attributes; defaults: minSdk 1, targetSdk = minSdk, sandbox 1).
struct ManifestLevels {
  int min_sdk = 1, target_sdk = 0, sandbox = 1;
};

inline ManifestLevels manifest_levels(const std::string& apk) {
  ManifestLevels out;
  std::string cmd = "aapt dump xmltree '" + apk + "' AndroidManifest.xml 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string text;
  if (p) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
    pclose(p);
  }
  auto value = [&](const char* attr) -> std::optional<int> {
    std::smatch m;
    std::regex re(std::string("android:") + attr + "\\(0x[0-9a-f]+\\)=\\(type 0x10\\)0x([0-9a-f]+)");
    if (std::regex_search(text, m, re)) return std::stoi(m[1], nullptr, 16);
    return std::nullopt;
  };
  out.min_sdk = value("minSdkVersion").value_or(1);
  out.target_sdk = value("targetSdkVersion").value_or(out.min_sdk);
  out.sandbox = value("targetSandboxVersion").value_or(1);
  return out;
}

struct OurVerdict {
  bool opened = false;
  SigningFacts facts;
};

inline OurVerdict verify_file(const std::string& apk) {
  OurVerdict v;
  ManifestLevels levels = manifest_levels(apk);
  SigningOptions o;
  o.min_sdk = levels.min_sdk;
  o.target_sdk = levels.target_sdk;
  o.target_sandbox_version = levels.sandbox;
  o.input_path = apk;
  try {
    AppPackage app(apk);
    AnomalySink sink;
    v.facts = analyze_signing(app, o, sink);
    v.opened = true;
  } catch (const std::exception&) {
  }
  return v;
}

inline std::vector<std::string> our_signers(const SigningFacts& f) {
  std::vector<std::string> out;
  for (const auto& c : f.signer_certificates) out.push_back(c.sha256);
  std::sort(out.begin(), out.end());
  return out;
}

// Reviewed disagreements: name -> kind (tests/signing/known_differences.tsv).
inline std::map<std::string, std::string> known_differences() {
  std::map<std::string, std::string> out;
  std::istringstream in(slurp(std::string(APKVET_FIXTURES_DIR) + "/../tests/signing/known_differences.tsv"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    auto tab2 = line.find('\t', tab + 1);
    if (tab == std::string::npos) continue;
    out[line.substr(0, tab)] = line.substr(tab + 1, tab2 == std::string::npos ? std::string::npos : tab2 - tab - 1);
  }
  return out;
}

// Compares one file's verdicts; returns "" when they agree, else what differs.
inline std::string compare(const OurVerdict& ours, const ApksignerTruth& truth) {
  bool our_ok = ours.opened && ours.facts.verified;
  std::string diff;
  if (our_ok != (truth.exit_code == 0)) diff += "verdict ";
  if (truth.exit_code == 0 && ours.opened) {
    if (ours.facts.v1.verified != truth.v1) diff += "v1 ";
    if (ours.facts.v2.verified != truth.v2) diff += "v2 ";
    if (ours.facts.v3.verified != truth.v3) diff += "v3 ";
    auto theirs = truth.signer_sha256;
    std::sort(theirs.begin(), theirs.end());
    theirs.erase(std::unique(theirs.begin(), theirs.end()), theirs.end());
    if (our_signers(ours.facts) != theirs) diff += "signer ";
  }
  return diff;
}

}  // namespace apkvet::test
