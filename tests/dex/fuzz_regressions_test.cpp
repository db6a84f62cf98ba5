// Replays every DEX fuzz reproducer (tests/fuzz/regressions/dex/): each must parse without a crash, within
// a time bound, to a model whose indices stay in range, with its damage reported as dex.* anomalies.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "dex/dex_file.h"

using namespace apkvet;
namespace fs = std::filesystem;

TEST_CASE("DEX fuzz reproducers parse safely and quickly") {
  fs::path dir = fs::path(APKVET_FIXTURES_DIR).parent_path() / "tests/fuzz/regressions/dex";
  size_t replayed = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    auto t0 = std::chrono::steady_clock::now();
    AnomalySink sink;
    auto files = dex::DexFile::parse_all(Bytes(bytes), e.path().filename().string(), sink);
    size_t bad = 0, work = 0, interfaces = 0;
    for (const auto& f : files) {
      for (const auto& c : f->classes()) interfaces += f->class_interfaces(c).size();
      for (const auto& cs : f->call_sites())
        if (cs.kind != dex::InvokeKind::kCustom) {
          bad += cs.target >= f->method_ids().size();
          work += f->method_signature(cs.target).size();
        }
      for (const auto& c : f->classes()) work += f->type_descriptor(c.class_idx).size() + f->class_interfaces(c).size();
      for (uint32_t m = 0; m < f->methods().size(); ++m) work += f->location(m, 0).size();
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK_MESSAGE(bad == 0, e.path().filename());
    // All classes together declare at most one interface per two bytes of the file, whatever their
    // lists point at (overlapping-interface-lists.dex: 1,331 classes into lists of ~20,000 entries).
    CHECK_MESSAGE(interfaces <= bytes.size() / 2, e.path().filename() << ": " << interfaces << " interface entries");
    CHECK_MESSAGE(seconds < 10, e.path().filename());
    CHECK_MESSAGE(!sink.all().empty(), e.path().filename());  // every reproducer is damaged somehow
    ++replayed;
    (void)work;
    if (e.path().filename() == "overlapping-interface-lists.dex") {
      bool said = false;
      for (const auto& a : sink.all()) said |= a.id == "dex.interface_lists_overlap";
      CHECK(said);
    }
  }
  MESSAGE(replayed << " reproducers replayed");
  CHECK(replayed > 0);
}
