// bench_dex: parses the DEX of APKs (or raw .dex files) and prints what it found and how long it took.
// Used by tools/bench-dex.sh. Not a test.
//   bench_dex [--threads N] [--repeat N] [--no-decode] [--no-checksum] FILE...
// One line per input: path dex_files classes methods call_sites string_uses field_uses wall_ms model_mb
// anomalies cpu_ms dex_cpu_ms (wall and CPU time of the best run -- CPU time is what matters on a loaded
// machine; cpu_ms covers opening the APK and the DEX analysis, dex_cpu_ms the DEX analysis alone)
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "dex/dex_corpus.h"

using namespace apkvet;

int main(int argc, char** argv) {
  unsigned threads = 1;
  int repeat = 1;
  bool list = false;
  dex::DexParseOptions options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc)
      threads = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--repeat" && i + 1 < argc)
      repeat = std::stoi(argv[++i]);
    else if (a == "--list")
      list = true;
    else if (a == "--no-decode")
      options.decode_code = false;
    else if (a == "--no-checksum")
      options.verify_checksum = false;
    else
      files.push_back(a);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: bench_dex [--threads N] [--repeat N] [--no-decode] [--no-checksum] FILE...\n");
    return 64;
  }
  int rc = 0;
  for (const auto& path : files) {
    double best_ms = 1e18, best_cpu = 1e18, best_dex_cpu = 1e18;
    size_t nfiles = 0, classes = 0, methods = 0, calls = 0, strings = 0, fields = 0, mem = 0, anomalies = 0;
    for (int r = 0; r < repeat; ++r) {
      nfiles = classes = methods = calls = strings = fields = mem = 0;
      AnomalySink sink;
      try {
        auto cpu = [] {
          timespec ts{};
          clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
          return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
        };
        double c0 = cpu();
        double c_open = c0;
        auto t0 = std::chrono::steady_clock::now();
        std::unique_ptr<AppPackage> app;
        std::vector<uint8_t> raw;
        std::vector<std::unique_ptr<dex::DexFile>> own;
        std::shared_ptr<const dex::DexCorpus> corpus;
        {
          std::ifstream in(path, std::ios::binary);
          char magic[4] = {};
          in.read(magic, 4);
          bool dex_name = path.size() > 4 && path.compare(path.size() - 4, 4, ".dex") == 0;
          if (dex_name && std::memcmp(magic, "dex\n", 4) == 0) {
            in.seekg(0);
            raw.assign(std::istreambuf_iterator<char>(in), {});
          }
        }
        if (!raw.empty()) {
          own = dex::DexFile::parse_all(Bytes(raw), path, sink, options);
        } else {
          app = std::make_unique<AppPackage>(path);
          c_open = cpu();
          corpus = dex::load_dex_corpus(*app, sink, options, threads);
        }
        auto t1 = std::chrono::steady_clock::now();
        best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(t1 - t0).count());
        double c1 = cpu();
        best_cpu = std::min(best_cpu, c1 - c0);
        best_dex_cpu = std::min(best_dex_cpu, c1 - c_open);
        auto count = [&](const dex::DexFile& f) {
          ++nfiles;
          classes += f.classes().size();
          methods += f.methods().size();
          calls += f.call_sites().size();
          strings += f.string_uses().size();
          fields += f.field_uses().size();
          mem += f.memory_bytes();
          if (list && r == 0)
            for (const auto& c : f.classes()) {
              std::printf("C %s\n", std::string(f.type_descriptor(c.class_idx)).c_str());
              for (uint32_t m = c.methods_begin; m < c.methods_end; ++m) {
                std::printf("M %s\n", f.method_signature(f.methods()[m].method_idx).c_str());
                for (const auto& cs : f.calls_of(m))
                  std::printf(
                      "I %04x %s %s\n", cs.pc, dex::to_string(cs.kind),
                      cs.kind == dex::InvokeKind::kCustom ? "call_site" : f.method_signature(cs.target).c_str());
              }
            }
        };
        for (const auto& f : own) count(*f);
        if (corpus)
          for (const auto& f : corpus->files()) count(*f);
        anomalies = sink.all().size();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), e.what());
        rc = 2;
        break;
      }
    }
    std::printf("%s\t%zu\t%zu\t%zu\t%zu\t%zu\t%zu\t%.2f\t%.1f\t%zu\t%.2f\t%.2f\n", path.c_str(), nfiles, classes, methods,
                calls, strings, fields, best_ms, mem / 1048576.0, anomalies, best_cpu, best_dex_cpu);
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::fprintf(stderr, "peak_rss_kb\t%ld\n", ru.ru_maxrss);
  return rc;
}
