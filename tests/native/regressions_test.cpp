// Replays the ELF fuzz reproducers (tests/fuzz/regressions/elf/) through both paths: the in-process
// one the fuzzer ran, and the forked worker a real scan uses. Neither may crash this process.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "native_support.h"

using namespace apkvet;
namespace fs = std::filesystem;

TEST_CASE("regressions: every ELF fuzz reproducer is survived") {
  fs::path dir = fs::path(test::fixtures_dir()).parent_path() / "tests/fuzz/regressions/elf";
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file() || e.path().filename().string()[0] == '.' || e.path().extension() == ".md") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(e.path().filename().string());
    for (bool isolate : {true, false}) {
      NativeOptions opt;
      opt.isolate = isolate;
      opt.scan.max_instructions = 200'000;
      AnomalySink sink;
      NativeLibrary l = analyze_native_library(bytes, "lib/arm64-v8a/libfuzz.so", "arm64-v8a", sink, opt);
      CHECK(!l.status.empty());
    }
    ++n;
  }
  MESSAGE("replayed " << n << " ELF reproducers");
}
