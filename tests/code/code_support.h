// Runs the code analysis on one input the way the scan does: open, parse every DEX, decode the
// manifest, analyze_code. Shared by the code tests and the benchmark case.
#pragma once
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "archive/app_package.h"
#include "code/code_facts.h"
#include "dex/dex_corpus.h"
#include "manifest/manifest_facts.h"

namespace apkvet::test {

struct CodeRun {
  std::unique_ptr<AppPackage> app;
  std::shared_ptr<const dex::DexCorpus> corpus;
  ManifestFacts manifest;
  CodeFacts facts;
  AnomalySink anomalies;
  double dex_seconds = 0, code_seconds = 0;
};

inline std::unique_ptr<CodeRun> run_code(const std::string& path, const CodeOptions& options = {}) {
  auto r = std::make_unique<CodeRun>();
  r->app = std::make_unique<AppPackage>(path);
  auto t0 = std::chrono::steady_clock::now();
  r->corpus = dex::load_dex_corpus(*r->app, r->anomalies, {}, 1);
  auto t1 = std::chrono::steady_clock::now();
  r->manifest = analyze_manifest(*r->app, nullptr, r->anomalies);
  auto t2 = std::chrono::steady_clock::now();
  r->facts = analyze_code(*r->app, *r->corpus, r->manifest, r->anomalies, options);
  auto t3 = std::chrono::steady_clock::now();
  if (const char* dump = std::getenv("APKVET_CODE_DUMP"); dump && path.find(dump) != std::string::npos) {
    Json j = r->facts;
    std::fprintf(stderr, "%s\n", j.dump(1).c_str());
  }
  r->dex_seconds = std::chrono::duration<double>(t1 - t0).count();
  r->code_seconds = std::chrono::duration<double>(t3 - t2).count();
  return r;
}

inline const CategoryUse* category(const CodeFacts& f, const std::string& name) {
  for (const auto& c : f.categories)
    if (c.category == name) return &c;
  return nullptr;
}

// The first example of `category` whose caller method starts with `caller` (and, if given, whose
// subcategory is `sub`).
inline const ApiUse* use_by(const CodeFacts& f, const std::string& cat, const std::string& caller,
                            const std::string& sub = "") {
  const CategoryUse* c = category(f, cat);
  if (!c) return nullptr;
  for (const auto& u : c->examples)
    if (u.caller_method.rfind(caller, 0) == 0 && (sub.empty() || u.subcategory == sub)) return &u;
  return nullptr;
}

}  // namespace apkvet::test
