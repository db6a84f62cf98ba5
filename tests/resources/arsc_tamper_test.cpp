// Tampering: a real resources.arsc (a DroidBench app built by aapt) altered the way hostile tools
// alter tables (hidden duplicate configs, bad sizes and offsets, broken strings, trailing data);
// each alteration must give its anomaly, the value Android would read, and never a crash. Also
// replays the fuzz regressions in tests/fuzz/regressions/arsc/.
#include <doctest/doctest.h>

#include <filesystem>

#include "resources_support.h"

using namespace apkvet;

namespace {

const char* kApk = "00030955c0d359b3.apk";  // label @string/app_name = "Event-Context-Shared-Pref-Listener"
constexpr uint32_t kAppName = 0x7f050000;

struct Table {
  std::vector<uint8_t> bytes;
  AnomalySink anomalies;
  std::unique_ptr<ArscTable> table;

  void parse() {
    anomalies = AnomalySink();
    table = ArscTable::parse(Bytes(bytes.data(), bytes.size()), "resources.arsc", anomalies);
  }
  void put32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = uint8_t(v >> (8 * i));
  }
  uint32_t get32(size_t at) const { return ByteReader(Bytes(bytes.data(), bytes.size())).u32_at(at); }
  // Inserts `chunk` at `at` inside the first package, growing the package and table sizes.
  void insert_in_package(size_t at, const std::vector<uint8_t>& chunk) {
    size_t package = table->packages().front().offset;
    bytes.insert(bytes.begin() + at, chunk.begin(), chunk.end());
    put32(4, get32(4) + uint32_t(chunk.size()));
    put32(package + 4, get32(package + 4) + uint32_t(chunk.size()));
  }
};

Table original() {
  auto t = test::open_table(test::corpus_dir() + "/apks/" + kApk);
  REQUIRE(t);
  Bytes b = *t->app->base().zip->read("resources.arsc");
  Table out;
  out.bytes.assign(b.begin(), b.end());
  out.parse();
  REQUIRE(out.table);
  return out;
}

}  // namespace

TEST_CASE("the untouched table reads cleanly") {
  Table t = original();
  CHECK(t.anomalies.all().empty());
  CHECK(t.table->string_value(kAppName) == "Event-Context-Shared-Pref-Listener");
  CHECK(t.table->resource_name(kAppName) == "edu.mit.event_context_shared_pref_listener:string/app_name");
  CHECK(t.table->find_id(0x7f, "string", "app_name") == kAppName);
  CHECK(t.table->file_path(0x7f030000) == "res/layout/activity_main.xml");
  CHECK_FALSE(t.table->string_value(0x7f060000));  // a style: a bag, not a string
  CHECK_FALSE(t.table->string_value(0x7f05ffff));
  CHECK_FALSE(t.table->string_value(0x01040000));  // the framework is not in the app's table
}

TEST_CASE("a duplicated string config is flagged and Android reads the first one") {
  for (bool before : {false, true}) {
    CAPTURE(before);
    Table t = original();
    auto v = t.table->lookup(kAppName, ResConfig::aapt_default());
    REQUIRE(v);
    const ArscType& type = *v->type;
    std::vector<uint8_t> copy(t.bytes.begin() + type.offset, t.bytes.begin() + type.offset + type.chunk_size);
    // The copy points app_name at another string of the pool (index 6: "Settings").
    size_t value_data = v->entry.offset - type.offset + 8 + 4;
    for (int i = 0; i < 4; ++i) copy[value_data + i] = uint8_t(6 >> (8 * i));
    t.insert_in_package(before ? type.offset : type.offset + type.chunk_size, copy);
    t.parse();
    CHECK(t.anomalies.has("arsc.duplicate_config"));
    CHECK(t.table->string_value(kAppName) == (before ? "Settings" : "Event-Context-Shared-Pref-Listener"));
  }
}

TEST_CASE("size, offset and string damage gives anomalies, never a crash") {
  SUBCASE("trailing data") {
    Table t = original();
    t.bytes.insert(t.bytes.end(), 16, 0xAA);
    t.parse();
    CHECK(t.anomalies.has("arsc.trailing_data"));
    CHECK(t.table->string_value(kAppName) == "Event-Context-Shared-Pref-Listener");
  }
  SUBCASE("package count") {
    Table t = original();
    t.put32(8, 2);
    t.parse();
    CHECK(t.anomalies.has("arsc.package_count_mismatch"));
  }
  SUBCASE("entry offset out of its chunk") {
    Table t = original();
    auto v = t.table->lookup(kAppName, ResConfig::aapt_default());
    size_t index_at = v->type->offset + v->type->header_size;  // entry 0's offset
    t.put32(index_at, 0x00fffff0);
    t.parse();
    CHECK_FALSE(t.table->string_value(kAppName));
    // The facts walk reports entries that point outside their chunk.
    size_t bad = 0;
    t.table->for_each_entry([&](const ArscPackage&, const ArscType&, uint32_t, const std::optional<ArscEntry>& e) { bad += !e; });
    CHECK(bad == 1);
  }
  SUBCASE("unaligned chunk size") {
    Table t = original();
    auto v = t.table->lookup(kAppName, ResConfig::aapt_default());
    t.put32(v->type->offset + 4, v->type->chunk_size + 2);
    t.parse();
    CHECK(t.anomalies.has("arsc.bad_chunk_size"));
  }
  SUBCASE("a string whose length runs past the pool") {
    Table t = original();
    const ArscStringPool& pool = t.table->strings();
    size_t at = pool.string_offset(5);  // app_name's string
    t.bytes[at] = 0x7f;                 // UTF-8 pool: u16 length
    t.bytes[at + 1] = 0x7f;             // u8 length past the terminator
    t.parse();
    CHECK_FALSE(t.table->string_value(kAppName));
    CHECK(t.table->strings().check_all().bad == 1);
  }
  SUBCASE("a type chunk before its spec") {
    Table t = original();
    auto v = t.table->lookup(kAppName, ResConfig::aapt_default());
    t.bytes[v->type->offset + 8] = 9;  // type id without a spec
    t.parse();
    CHECK(t.anomalies.has("arsc.type_without_spec"));
  }
  SUBCASE("every truncation") {
    Table t = original();
    std::vector<uint8_t> whole = t.bytes;
    for (size_t n = 0; n < whole.size(); n += 7) {
      t.bytes.assign(whole.begin(), whole.begin() + n);
      t.parse();
      if (t.table) (void)t.table->string_value(kAppName);
    }
  }
}

TEST_CASE("fuzz regressions replay without crashing") {
  std::string dir = test::fixtures_dir() + "/../tests/fuzz/regressions/arsc";
  size_t replayed = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string data = test::read_text(e.path().string());
    AnomalySink sink;
    auto t = ArscTable::parse(Bytes(reinterpret_cast<const uint8_t*>(data.data()), data.size()), "resources.arsc", sink);
    if (t) {
      for (const auto& p : t->packages())
        for (const auto& s : p.specs)
          for (uint32_t i = 0; i < s.entry_count && i < 2000; ++i) {
            uint32_t id = (p.runtime_id << 24) | (uint32_t(s.id) << 16) | i;
            (void)t->string_value(id);
            (void)t->resource_name(id);
          }
      t->for_each_entry([](const ArscPackage&, const ArscType& ty, uint32_t, const std::optional<ArscEntry>&) {
        (void)ty.config.to_string();
      });
      (void)t->strings().check_all();
    }
    ++replayed;
  }
  MESSAGE("replayed " << replayed << " arsc fuzz regressions");
}
