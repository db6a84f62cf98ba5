// The AXML decoder on real manifests (the corpus) and on tampered copies of one made here byte by
// byte the way the documented tricks do it (androguard #835/#1137, apkInspector): each copy must
// decode to what Android reads and raise its axml.* anomaly.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "archive/zip_archive.h"
#include "axml/axml_decoder.h"
#include "axml/xmltree_printer.h"
#include "core/mapped_file.h"
#include "test_support.h"

using namespace apkvet;

namespace {

std::vector<uint8_t> manifest_of(const std::string& apk) {
  MappedFile file(apk);
  AnomalySink sink;
  ZipArchive zip(file.bytes(), "", sink);
  auto b = zip.read("AndroidManifest.xml");
  REQUIRE(b);
  return {b->begin(), b->end()};
}

std::string corpus_apk(const char* name) { return test::corpus_dir() + "/apks/" + name; }

struct Decoded {
  AxmlDocument doc;
  AnomalySink sink;
  bool ok = false;
  std::string tree;
};

Decoded decode(const std::vector<uint8_t>& bytes) {
  Decoded d;
  d.ok = decode_axml(Bytes(bytes.data(), bytes.size()), "AndroidManifest.xml", d.sink, d.doc);
  std::ostringstream out;
  print_xmltree(out, d.doc);
  d.tree = out.str();
  return d;
}

uint32_t u32(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
uint16_t u16(const std::vector<uint8_t>& b, size_t at) {
  uint16_t v;
  std::memcpy(&v, b.data() + at, 2);
  return v;
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) { std::memcpy(b.data() + at, &v, 2); }

// Offsets of the chunks after the file header, and of the first start-element node.
std::vector<size_t> chunks(const std::vector<uint8_t>& b) {
  std::vector<size_t> out;
  for (size_t p = u16(b, 2); p + 8 <= b.size(); p += u32(b, p + 4)) out.push_back(p);
  return out;
}
size_t first_of_type(const std::vector<uint8_t>& b, uint16_t type) {
  for (size_t p : chunks(b))
    if (u16(b, p) == type) return p;
  FAIL("no chunk of that type");
  return 0;
}

const char* kPlainApk = "00030955c0d359b3.apk";  // DroidBench, aapt-built, UTF-16 pool, no tricks

}  // namespace

TEST_CASE("every corpus manifest decodes, only the known tampered ones raise axml anomalies") {
  size_t decoded = 0, utf8_pools = 0;
  std::set<std::string> with_anomalies;
  for (const auto& p : test::corpus_apks()) {
    std::vector<uint8_t> m;
    try {
      MappedFile file(p.string());
      AnomalySink zs;
      ZipArchive zip(file.bytes(), "", zs);
      auto b = zip.read("AndroidManifest.xml");
      if (!b) continue;
      m.assign(b->begin(), b->end());
    } catch (const std::exception&) {
      continue;
    }
    Decoded d = decode(m);
    CHECK_MESSAGE(d.ok, p.filename());
    CHECK(d.doc.readable_by_android);
    REQUIRE(d.doc.root());
    CHECK(d.doc.root()->name == "manifest");
    ++decoded;
    if (m.size() > 24 && (u32(m, u16(m, 2) + 16) & 0x100)) ++utf8_pools;
    for (const auto& a : d.sink.all())
      if (a.id.rfind("axml.", 0) == 0) with_anomalies.insert(p.filename().string());
  }
  CHECK(decoded == 136);
  // 020f3070: fdroidserver's "messed up namespaces" test (attributes namespaced 'android', not the URI);
  // 0b8ba0c6: Dendroid/DexGuard, every attribute name string emptied.
  CHECK(with_anomalies == std::set<std::string>{"020f3070fecb2252.apk", "0b8ba0c6cebe5695.apk"});
  CHECK(utf8_pools > 0);
}

TEST_CASE("obfuscated attribute names: Android's names come from the resource map") {
  Decoded d = decode(manifest_of(corpus_apk("0b8ba0c6cebe5695.apk")));
  REQUIRE(d.ok);
  const AxmlElement* root = d.doc.root();
  const AxmlAttribute* vn = root->android_attr(0x0101021c);
  REQUIRE(vn);
  CHECK(vn->name == std::optional<std::string>(""));
  CHECK(vn->qualified_name == "android:versionName");
  CHECK(vn->display_value() == "2.0");
  CHECK(d.sink.has("axml.attribute_name_mismatch"));
  pugi::xml_document xml;
  to_pugixml(d.doc, xml);
  CHECK(std::string(xml.child("manifest").attribute("android:versionName").value()) == "2.0");
  CHECK(std::string(xml.child("manifest").attribute("package").value()) == "com.parental.control.v4");
}

TEST_CASE("trailing bytes after the declared size are ignored, as Android does (androguard #1137)") {
  auto m = manifest_of(corpus_apk(kPlainApk));
  Decoded base = decode(m);
  REQUIRE(base.sink.all().empty());
  auto t = m;
  // Junk that looks like a node with an absurd header size, as in the #1137 sample.
  const uint8_t junk[] = {0x00, 0x01, 0x01, 0x1c, 0x00, 0x5c, 0x04, 0x00, 'j', 'u', 'n', 'k'};
  t.insert(t.end(), std::begin(junk), std::end(junk));
  Decoded d = decode(t);
  CHECK(d.ok);
  CHECK(d.tree == base.tree);
  CHECK(d.sink.has("axml.trailing_data"));
  CHECK(d.doc.readable_by_android);
}

TEST_CASE("unknown chunk between nodes is skipped (apkInspector dummy data)") {
  auto m = manifest_of(corpus_apk(kPlainApk));
  Decoded base = decode(m);
  size_t first = first_of_type(m, 0x0102);
  size_t after = first + u32(m, first + 4);
  std::vector<uint8_t> dummy(24, 0xAB);
  put16(dummy, 0, 0x0177);
  put16(dummy, 2, 16);
  put32(dummy, 4, 24);
  m.insert(m.begin() + static_cast<long>(after), dummy.begin(), dummy.end());
  put32(m, 4, static_cast<uint32_t>(m.size()));
  Decoded d = decode(m);
  CHECK(d.ok);
  CHECK(d.tree == base.tree);
  CHECK(d.sink.has("axml.unknown_chunk"));
}

TEST_CASE("a node header larger than 16 bytes: Android finds the node data after it") {
  auto m = manifest_of(corpus_apk(kPlainApk));
  Decoded base = decode(m);
  size_t first = first_of_type(m, 0x0102);
  m.insert(m.begin() + static_cast<long>(first + 16), 4, 0xEE);
  put16(m, first + 2, 20);
  put32(m, first + 4, u32(m, first + 4) + 4);
  put32(m, 4, static_cast<uint32_t>(m.size()));
  Decoded d = decode(m);
  CHECK(d.ok);
  CHECK(d.tree == base.tree);
  CHECK(d.sink.has("axml.node_header_size"));
}

TEST_CASE("attributes out of resource-id order: the platform lookup never reaches the later one") {
  auto m = manifest_of(corpus_apk(kPlainApk));
  size_t first = first_of_type(m, 0x0102);  // <manifest>: versionCode, versionName, package
  size_t attrs = first + 16 + 20;
  std::vector<uint8_t> a(m.begin() + static_cast<long>(attrs), m.begin() + static_cast<long>(attrs + 20));
  std::copy(m.begin() + static_cast<long>(attrs + 20), m.begin() + static_cast<long>(attrs + 40),
            m.begin() + static_cast<long>(attrs));
  std::copy(a.begin(), a.end(), m.begin() + static_cast<long>(attrs + 20));
  Decoded d = decode(m);
  CHECK(d.ok);
  CHECK(d.sink.has("axml.unsorted_attributes"));
  const AxmlElement* root = d.doc.root();
  CHECK(root->android_attr(0x0101021c) != nullptr);  // versionName, now first
  CHECK(root->android_attr(0x0101021b) == nullptr);  // versionCode, after a higher id
}

TEST_CASE("an android-namespace attribute without resource id is invisible to Android") {
  auto m = manifest_of(corpus_apk(kPlainApk));
  size_t map = first_of_type(m, 0x0180);
  // Zero the resource id of string 0 (versionCode in this manifest): the name still says versionCode.
  REQUIRE(u32(m, map + 8) == 0x0101021b);
  put32(m, map + 8, 0);
  Decoded d = decode(m);
  CHECK(d.ok);
  CHECK(d.sink.has("axml.android_attribute_without_id"));
  CHECK(d.doc.root()->android_attr(0x0101021b) == nullptr);
}

TEST_CASE("damaged documents: refused as Android refuses, never a crash") {
  auto m = manifest_of(corpus_apk(kPlainApk));
  SUBCASE("declared size larger than the file") {
    auto t = m;
    put32(t, 4, static_cast<uint32_t>(t.size() + 100));
    Decoded d = decode(t);
    CHECK(d.sink.has("axml.bad_file_size"));
    CHECK_FALSE(d.doc.readable_by_android);
  }
  SUBCASE("string pool header size below 28") {
    auto t = m;
    put16(t, 8 + 2, 20);
    Decoded d = decode(t);
    CHECK(d.sink.has("axml.bad_string_pool"));
    CHECK_FALSE(d.doc.readable_by_android);
  }
  SUBCASE("start element whose attributes overrun it") {
    auto t = m;
    size_t first = first_of_type(t, 0x0102);
    put16(t, first + 16 + 12, 200);  // attributeCount
    Decoded d = decode(t);
    CHECK_FALSE(d.doc.readable_by_android);
    CHECK(d.sink.has("axml.bad_node"));
  }
  SUBCASE("plain-text XML") {
    std::string text = "<?xml version=\"1.0\"?><manifest/>";
    Decoded d = decode(std::vector<uint8_t>(text.begin(), text.end()));
    CHECK_FALSE(d.ok);
    CHECK(d.sink.has("axml.not_binary_xml"));
  }
  SUBCASE("every truncation and every single-byte corruption of the header area") {
    for (size_t n = 0; n < m.size(); n += 7) {
      std::vector<uint8_t> t(m.begin(), m.begin() + static_cast<long>(n));
      decode(t);
    }
    for (size_t i = 0; i < 64 && i < m.size(); ++i)
      for (uint8_t v : {0x00, 0x7F, 0xFF}) {
        auto t = m;
        t[i] = v;
        decode(t);
      }
    CHECK(true);
  }
}

TEST_CASE("typed values render like aapt and Android") {
  CHECK(format_typed_value(kAxmlIntDec, 0xFFFFFFFF) == "-1");
  CHECK(format_typed_value(kAxmlIntHex, 0x1ff0) == "0x1ff0");
  CHECK(format_typed_value(kAxmlIntBoolean, 0xFFFFFFFF) == "true");
  CHECK(format_typed_value(kAxmlIntBoolean, 0) == "false");
  CHECK(format_typed_value(kAxmlReference, 0x7f020000) == "@0x7f020000");
  CHECK(format_typed_value(kAxmlAttribute, 0x01010036) == "?0x01010036");
  CHECK(format_typed_value(kAxmlDimension, 0x00001001) == "16.0dip");
  CHECK(format_typed_value(kAxmlFloat, 0x3fc00000) == "1.5");
  CHECK(format_typed_value(kAxmlIntColorArgb8, 0xff00ff00) == "#ff00ff00");
  CHECK(android_attr_name(0x01010003) == std::string("name"));
  CHECK(android_attr_name(0x01010010) == std::string("exported"));
  CHECK(android_attr_name(0x7f010000) == nullptr);
}
