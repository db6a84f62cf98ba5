// Inflating entries (archive/zip_archive.h): the whole-buffer path (libdeflate) for entries whose
// declared size is believable and zlib's streaming path for the rest must give the same bytes and
// the same anomalies. ZIPs are written here, in memory, one entry each, with the lie under test.
#include <doctest/doctest.h>
#include <zlib.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "archive/zip_archive.h"
#include "test_support.h"

using namespace apkvet;

namespace {

std::vector<uint8_t> raw_deflate(const std::vector<uint8_t>& data) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::vector<uint8_t> out(deflateBound(&zs, data.size()));
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

void put16(std::vector<uint8_t>& b, uint32_t v) { b.push_back(uint8_t(v)), b.push_back(uint8_t(v >> 8)); }
void put32(std::vector<uint8_t>& b, uint32_t v) { put16(b, v & 0xffff), put16(b, v >> 16); }

struct EntrySpec {
  std::vector<uint8_t> stored;  // the entry's bytes as they sit in the archive
  uint16_t method = 8;
  uint32_t crc = 0, declared_size = 0;
};

// A one-entry ZIP named "e", with the local header and the central directory telling the same lie.
std::vector<uint8_t> one_entry_zip(const EntrySpec& s) {
  std::vector<uint8_t> z;
  auto header = [&](bool central) {
    put32(z, central ? 0x02014b50 : 0x04034b50);
    if (central) put16(z, 20);
    put16(z, 20), put16(z, 0), put16(z, s.method), put16(z, 0), put16(z, 0);
    put32(z, s.crc), put32(z, uint32_t(s.stored.size())), put32(z, s.declared_size);
    put16(z, 1), put16(z, 0);
    if (central) put16(z, 0), put16(z, 0), put16(z, 0), put32(z, 0), put32(z, 0);
    z.push_back('e');
  };
  header(false);
  z.insert(z.end(), s.stored.begin(), s.stored.end());
  uint32_t cd = uint32_t(z.size());
  header(true);
  uint32_t cd_size = uint32_t(z.size()) - cd;
  put32(z, 0x06054b50), put16(z, 0), put16(z, 0), put16(z, 1), put16(z, 1), put32(z, cd_size), put32(z, cd), put16(z, 0);
  return z;
}

struct Read {
  std::optional<std::vector<uint8_t>> bytes;
  std::vector<std::string> anomalies;  // "id severity"
};

Read read_entry(const std::vector<uint8_t>& zip_bytes) {
  AnomalySink sink;
  ZipOptions options;
  options.check_with_libzip = false;
  ZipArchive zip(Bytes(zip_bytes), "", sink, options);
  Read r;
  if (auto b = zip.read("e")) r.bytes = std::vector<uint8_t>(b->begin(), b->end());
  for (const auto& a : sink.all()) r.anomalies.push_back(a.id + " " + to_string(a.severity));
  return r;
}

std::vector<uint8_t> sample(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& c : v) c = uint8_t("abcdefgh <>/=\"\n"[rng() % 15]);  // compressible, like XML and code
  return v;
}

uint32_t crc_of(const std::vector<uint8_t>& v) { return uint32_t(crc32(0, v.data(), uInt(v.size()))); }

}  // namespace

TEST_CASE("an honest deflated entry reads back exactly, with no anomaly, at every size") {
  for (size_t n : {0, 1, 100, 65535, 65536, 65537, 1 << 20}) {
    INFO(n);
    auto data = sample(n, unsigned(n));
    Read r = read_entry(one_entry_zip({raw_deflate(data), 8, crc_of(data), uint32_t(n)}));
    REQUIRE(r.bytes);
    CHECK(*r.bytes == data);
    CHECK(r.anomalies.empty());
  }
}

TEST_CASE("entries that lie about themselves: the same bytes and anomalies as zlib's reading gives") {
  auto data = sample(200000, 7);
  auto deflated = raw_deflate(data);
  SUBCASE("declared smaller than it inflates to: cut at the declared size") {
    Read r = read_entry(one_entry_zip({deflated, 8, crc_of(std::vector<uint8_t>(data.begin(), data.begin() + 1000)), 1000}));
    REQUIRE(r.bytes);
    CHECK(*r.bytes == std::vector<uint8_t>(data.begin(), data.begin() + 1000));
    CHECK(r.anomalies == std::vector<std::string>{"zip.size_mismatch high"});
  }
  SUBCASE("declared larger than it inflates to: what there is, and the shortfall") {
    Read r = read_entry(one_entry_zip({deflated, 8, crc_of(data), uint32_t(data.size() + 5000)}));
    REQUIRE(r.bytes);
    CHECK(*r.bytes == data);
    CHECK(r.anomalies == std::vector<std::string>{"zip.size_mismatch medium"});
  }
  SUBCASE("wrong CRC-32: the bytes, and the mismatch") {
    Read r = read_entry(one_entry_zip({deflated, 8, crc_of(data) ^ 1, uint32_t(data.size())}));
    REQUIRE(r.bytes);
    CHECK(*r.bytes == data);
    CHECK(r.anomalies == std::vector<std::string>{"zip.crc_mismatch medium"});
  }
  SUBCASE("a corrupt deflate stream: not read") {
    auto broken = deflated;
    broken.resize(broken.size() / 2);
    Read r = read_entry(one_entry_zip({broken, 8, crc_of(data), uint32_t(data.size())}));
    CHECK_FALSE(r.bytes);
    CHECK(r.anomalies == std::vector<std::string>{"zip.bad_deflate_stream high"});
  }
  SUBCASE("stored bytes labelled deflated, sizes equal: read as stored, as some devices do") {
    std::vector<uint8_t> plain(5000, 0xff);  // 0xff.. is no valid deflate block
    Read r = read_entry(one_entry_zip({plain, 8, crc_of(plain), uint32_t(plain.size())}));
    REQUIRE(r.bytes);
    CHECK(*r.bytes == plain);
    CHECK(r.anomalies == std::vector<std::string>{"zip.bad_deflate_stream medium"});
  }
}

TEST_CASE("peeking at an entry cut at a declared size below the peek: the stream's bytes, read or not") {
  // The inflated entry stops at its declared 100 bytes; a peek of 512 must not stop there with it.
  auto data = sample(5000, 11);
  auto zip_bytes = one_entry_zip({raw_deflate(data), 8, crc_of(std::vector<uint8_t>(data.begin(), data.begin() + 100)), 100});
  AnomalySink sink;
  ZipOptions options;
  options.check_with_libzip = false;
  ZipArchive zip(Bytes(zip_bytes), "", sink, options);
  const ZipEntry& e = zip.entries().front();
  auto before = zip.peek(e, 512);
  REQUIRE(zip.read(e));
  CHECK(zip.read(e)->size() == 100);
  CHECK(zip.peek(e, 512) == before);
  CHECK(before == std::vector<uint8_t>(data.begin(), data.begin() + 512));
  CHECK(zip.peek(e, 64) == std::vector<uint8_t>(data.begin(), data.begin() + 64));  // from the inflated entry
}

TEST_CASE("every deflated entry of the corpus reads as zlib inflates it, and its first bytes peeked before and after") {
  size_t compared = 0;
  auto apks = test::corpus_apks();
  for (size_t i = 0; i < apks.size(); ++i) {
    std::unique_ptr<AppPackage> app;
    try {
      app = std::make_unique<AppPackage>(apks[i].string());
    } catch (const std::exception&) {
      continue;  // the malformed samples
    }
    const ZipArchive& zip = *app->base().zip;
    for (const ZipEntry& e : zip.entries()) {
      if (e.method != 8 || e.is_directory() || !e.data_in_bounds || e.uncompressed_size > (8u << 20)) continue;
      auto head_inflated = zip.peek(e, 512);  // not read yet: inflates the first bytes
      auto ours = zip.read(e);
      auto head_cached = zip.peek(e, 512);  // read: taken from the inflated entry
      std::vector<uint8_t> ref(e.uncompressed_size + 1);
      z_stream zs{};
      REQUIRE(inflateInit2(&zs, -MAX_WBITS) == Z_OK);
      zs.next_in = const_cast<Bytef*>(zip.data().data() + e.data_offset);
      zs.avail_in = uInt(e.compressed_size);
      zs.next_out = ref.data();
      zs.avail_out = uInt(ref.size());
      int rc = inflate(&zs, Z_FINISH);
      inflateEnd(&zs);
      if (rc != Z_STREAM_END || zs.total_out != e.uncompressed_size) continue;  // lies are covered above
      ref.resize(zs.total_out);
      INFO(apks[i].filename().string() << " " << e.name);
      REQUIRE(ours);
      CHECK(std::equal(ours->begin(), ours->end(), ref.begin(), ref.end()));
      CHECK(head_cached == head_inflated);
      CHECK(std::equal(head_cached.begin(), head_cached.end(), ref.begin(), ref.begin() + std::min<size_t>(512, ref.size())));
      ++compared;
    }
  }
  CHECK(compared > 1000);
}
