// Benchmark driver for tools/bench-code.sh (does nothing unless APKVET_BENCH_APK is set): runs the
// code analysis on one input and prints one TSV row with CPU times of the DEX parse and of the code
// analysis (single thread), sizes, and what was found.
#include <doctest/doctest.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "code_support.h"

using namespace apkvet;

namespace {
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}
}  // namespace

TEST_CASE("bench: code analysis of APKVET_BENCH_APK (skipped when unset)") {
  const char* path = std::getenv("APKVET_BENCH_APK");
  if (!path || !*path) return;
  CodeOptions options;
  options.all_classes_are_entry_points = std::getenv("APKVET_BENCH_ALL_ROOTS") != nullptr;
  code::default_code_rules();  // loaded and compiled once per process: not part of the per-app time
  std::unique_ptr<AppPackage> app;
  try {
    app = std::make_unique<AppPackage>(path);
  } catch (const std::exception& e) {
    std::printf("%s\tunopenable\n", std::filesystem::path(path).filename().c_str());
    return;
  }
  AnomalySink sink;
  double t0 = cpu_ms();
  auto corpus = dex::load_dex_corpus(*app, sink, {}, 1);
  double t1 = cpu_ms();
  ManifestFacts manifest = analyze_manifest(*app, nullptr, sink);
  double t2 = cpu_ms();
  CodeFacts f = analyze_code(*app, *corpus, manifest, sink, options);
  double t3 = cpu_ms();
  if (std::getenv("APKVET_CODE_DUMP")) {
    Json j = f;
    std::fprintf(stderr, "%s\n", j.dump(1).c_str());
  }
  uint64_t classes = 0, uses = 0;
  for (const auto& df : corpus->files()) classes += df->classes().size();
  for (const auto& c : f.categories) uses += c.uses;
  std::printf("%s\t%zu\t%llu\t%llu\t%llu\t%llu\t%.1f\t%.1f\t%zu\t%llu\t%zu\n",
              std::filesystem::path(path).filename().c_str(), corpus->files().size(),
              static_cast<unsigned long long>(classes), static_cast<unsigned long long>(f.entry_points.methods),
              static_cast<unsigned long long>(f.entry_points.call_edges),
              static_cast<unsigned long long>(f.entry_points.reachable_methods), t1 - t0, t3 - t2,
              f.categories.size(), static_cast<unsigned long long>(uses), f.trackers.size());
  std::fflush(stdout);
}
