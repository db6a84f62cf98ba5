// Benchmark (skipped in normal runs; tools/bench-native.sh runs it with --no-skip): native analysis
// time per corpus APK with native code, isolated (forked worker per library) and in-process.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "native_support.h"

using namespace apkvet;
using namespace apkvet::test;

TEST_CASE("bench: native analysis per corpus APK" * doctest::skip()) {
  int rounds = std::getenv("APKVET_BENCH_ROUNDS") ? std::atoi(std::getenv("APKVET_BENCH_ROUNDS")) : 5;
  struct Row {
    std::string apk;
    size_t libs = 0;
    double isolated = 0, in_process = 0;
    bool elf = false;  // at least one library was an ELF to parse
  };
  std::vector<Row> rows;
  for (const auto& apk : corpus_apks()) {
    std::unique_ptr<AppPackage> app;
    try {
      app = std::make_unique<AppPackage>(apk.string());
    } catch (const std::exception&) {
      continue;
    }
    size_t libs = 0;
    for (const auto& p : app->parts())
      for (const auto& e : p.zip->entries())
        if (e.name.rfind("lib/", 0) == 0 && e.name.size() > 3 && e.name.substr(e.name.size() - 3) == ".so") ++libs;
    libs += app->nested_elf().size();
    if (!libs) continue;
    Row row{apk.filename().string(), libs};
    for (bool isolate : {true, false}) {
      std::vector<double> ms;
      for (int r = 0; r < rounds; ++r) {
        NativeOptions opt;
        opt.isolate = isolate;
        AnomalySink sink;
        auto t0 = std::chrono::steady_clock::now();
        NativeFacts f = analyze_native(*app, sink, opt);
        for (const auto& l : f.libraries)
          if (l.status != "not_elf") row.elf = true;
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      (isolate ? row.isolated : row.in_process) = ms[ms.size() / 2];
    }
    rows.push_back(row);
  }
  REQUIRE(!rows.empty());
  std::printf("%-26s %5s %12s %12s\n", "apk", "libs", "forked ms", "in-proc ms");
  for (const auto& r : rows) std::printf("%-26s %5zu %12.2f %12.2f\n", r.apk.c_str(), r.libs, r.isolated, r.in_process);
  auto stats = [&](double Row::*field, bool elf_only) {
    std::vector<double> v;
    for (const auto& r : rows)
      if (!elf_only || r.elf) v.push_back(r.*field);
    std::sort(v.begin(), v.end());
    if (v.empty()) return std::make_pair(0.0, 0.0);
    double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    return std::make_pair(median, v.back());
  };
  size_t with_elf = size_t(std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.elf; }));
  std::printf("APKs with native libraries: %zu, of which %zu hold real ELF code (median of %d rounds each)\n",
              rows.size(), with_elf, rounds);
  for (bool elf_only : {false, true}) {
    auto [fm, fw] = stats(&Row::isolated, elf_only);
    auto [im, iw] = stats(&Row::in_process, elf_only);
    std::printf("%s forked worker (one per APK): median %.2f ms, worst %.2f ms | in-process: median %.2f ms, worst %.2f ms\n",
                elf_only ? "ELF-code APKs:" : "all APKs:     ", fm, fw, im, iw);
  }
}

// Debug aid (skipped): APKVET_NATIVE_DUMP=<apk> test_native -tc="dump*" --no-skip prints the native JSON.
TEST_CASE("dump: native facts of one APK as JSON" * doctest::skip()) {
  const char* path = std::getenv("APKVET_NATIVE_DUMP");
  REQUIRE(path);
  AnomalySink sink;
  Json j = native_of(path, &sink);
  Json anomalies = sink.all();
  std::printf("%s\n%s\n", j.dump(1).c_str(), anomalies.dump(1).c_str());
}
