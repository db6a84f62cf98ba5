// Zip bombs (fixtures/built/tampered/zip_bomb_*.apk): bounded work, a clear anomaly, no OOM.
// Two levels: what a scan reports on its own, and what reading every entry (as the string-pool
// and nested-code parsers do) reports and costs.
#include "tamper_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

// Reads every entry of every part; returns the total bytes handed out.
uint64_t read_everything(const AppPackage& app) {
  uint64_t total = 0;
  for (const auto& part : app.parts())
    for (const auto& e : part.zip->entries())
      if (auto b = part.zip->read(e)) total += b->size();
  return total;
}

}  // namespace

TEST_CASE("ratio bomb (16 MiB of zeros, ~1030:1): reading it raises zip.bomb_ratio") {
  AppPackage app(tampered("zip_bomb_ratio.apk"));
  read_everything(app);
  INFO("anomalies: " << app.anomalies().all().size());
  CHECK(app.anomalies().has("zip.bomb_ratio"));
}

TEST_CASE("declared-size bomb (3.75 GiB declared): not inflated, zip.bomb_entry_size, little memory") {
  AppPackage app(tampered("zip_bomb_declared.apk"));
  const auto* e = app.base().zip->find("assets/huge.bin");
  REQUIRE(e != nullptr);
  CHECK_FALSE(app.base().zip->read(*e).has_value());
  CHECK(app.anomalies().has("zip.bomb_entry_size"));
  read_everything(app);
  CHECK(app.base().zip->bytes_inflated() < (1u << 20));
}

TEST_CASE("overlapping-entries bomb: found from the central directory alone, reading it stays bounded") {
  auto r = scan_ok(tampered("zip_bomb_overlap.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.overlapping_entries"));
  AppPackage app(tampered("zip_bomb_overlap.apk"));
  CHECK(app.base().zip->entries().size() == 3 + 32);  // clean.apk without its signature files, plus the bomb
  read_everything(app);
  CHECK(app.base().zip->bytes_inflated() <= OpenOptions{}.zip.max_total_inflate);
}

TEST_CASE("overlapping-entries bomb under a small inflate budget: budget anomaly, never more") {
  OpenOptions limits;
  limits.zip.max_total_inflate = 8u << 20;  // 32 files x ~1 MiB each would need ~33 MiB
  AppPackage app(tampered("zip_bomb_overlap.apk"), limits);
  read_everything(app);
  CHECK(app.anomalies().has("zip.bomb_total_size"));
  CHECK(app.base().zip->bytes_inflated() <= limits.zip.max_total_inflate);
}

// A scan must report a bomb even when no parser happens to read the entry: the central directory
// alone shows a declared size past the limit and a declared ratio past the threshold. Fails while
// zip_archive.cpp checks sizes and ratios only inside inflate() (see the final report).
TEST_CASE("a scan reports bombs sitting in unread assets") {
  auto ratio = scan_ok(tampered("zip_bomb_ratio.apk"));
  INFO("ratio bomb: " << anomaly_ids(ratio));
  CHECK(has_anomaly(ratio, "zip.bomb_ratio"));
  auto declared = scan_ok(tampered("zip_bomb_declared.apk"));
  INFO("declared bomb: " << anomaly_ids(declared));
  CHECK(has_anomaly(declared, "zip.bomb_entry_size"));
}
