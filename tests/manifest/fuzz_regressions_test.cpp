// Replays tests/fuzz/regressions/axml/* (inputs kept from fuzz_axml runs) through everything the fuzz
// target runs: decoding, both renderings, manifest typing and JSON. Also a hostile-size document.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "axml/xmltree_printer.h"
#include "manifest/manifest_facts.h"
#include "version.h"

using namespace apkvet;
namespace fs = std::filesystem;

namespace {

void run_all(const std::vector<uint8_t>& bytes) {
  AnomalySink sink;
  auto doc = std::make_shared<AxmlDocument>();
  decode_axml(Bytes(bytes.data(), bytes.size()), "AndroidManifest.xml", sink, *doc);
  std::ostringstream tree;
  print_xmltree(tree, *doc);
  ManifestFacts f = type_manifest(doc, "AndroidManifest.xml", nullptr, sink);
  Json j;
  to_json(j, f);
  CHECK_NOTHROW((void)j.dump());
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) { std::memcpy(b.data() + at, &v, 2); }

}  // namespace

TEST_CASE("fuzz regressions for axml replay without crash") {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(std::string(APKVET_SOURCE_DIR) + "/tests/fuzz/regressions/axml")) {
    std::ifstream in(e.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(e.path().filename().string());
    run_all(bytes);
    ++n;
  }
  CHECK(n > 0);
}

TEST_CASE("an element with 65535 out-of-order attributes decodes in linear time") {
  // header(8) + pool(28 + 4 offsets + "a" utf16) + resmap(8 + 4) + start element with 65535 attributes.
  std::vector<uint8_t> b(8, 0);
  std::vector<uint8_t> pool(28 + 4 + 8, 0);
  put16(pool, 0, 1);
  put16(pool, 2, 28);
  put32(pool, 4, static_cast<uint32_t>(pool.size()));
  put32(pool, 8, 1);
  put32(pool, 20, 32);
  put16(pool, 32, 1);
  put16(pool, 34, 'a');
  b.insert(b.end(), pool.begin(), pool.end());
  std::vector<uint8_t> map(12, 0);
  put16(map, 0, 0x180);
  put16(map, 2, 8);
  put32(map, 4, 12);
  put32(map, 8, 0x01010003);
  b.insert(b.end(), map.begin(), map.end());
  const size_t count = 65535;
  std::vector<uint8_t> el(16 + 20 + 20 * count, 0);
  put16(el, 0, 0x102);
  put16(el, 2, 16);
  put32(el, 4, static_cast<uint32_t>(el.size()));
  put32(el, 12, 0xFFFFFFFF);
  put32(el, 16, 0xFFFFFFFF);
  put32(el, 20, 0);
  put16(el, 24, 20);
  put16(el, 26, 20);
  put16(el, 28, static_cast<uint16_t>(count));
  for (size_t i = 0; i < count; ++i) {
    size_t a = 36 + 20 * i;
    put32(el, a, 0xFFFFFFFF);
    put32(el, a + 4, 0);  // name "a", resource id 0x01010003: every repeat is a duplicate
    put32(el, a + 8, 0xFFFFFFFF);
    put16(el, a + 12, 8);
    el[a + 15] = kAxmlIntDec;
  }
  b.insert(b.end(), el.begin(), el.end());
  std::vector<uint8_t> end(24, 0);
  put16(end, 0, 0x103);
  put16(end, 2, 16);
  put32(end, 4, 24);
  b.insert(b.end(), end.begin(), end.end());
  put16(b, 0, 3);
  put16(b, 2, 8);
  put32(b, 4, static_cast<uint32_t>(b.size()));
  AnomalySink sink;
  AxmlDocument doc;
  CHECK(decode_axml(Bytes(b.data(), b.size()), "AndroidManifest.xml", sink, doc));
  REQUIRE(doc.root());
  CHECK(doc.root()->attributes.size() == count);
  CHECK(sink.has("axml.duplicate_attribute"));
  CHECK(sink.all().size() < 20);  // summarized, not one per attribute
  run_all(b);
}
