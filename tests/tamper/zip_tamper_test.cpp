// ZIP-level tampering (fixtures/built/tampered/, made from clean.apk by tools/make-tampered.py):
// each file scans without a crash, raises the anomaly fixtures/README.md lists for it, and the
// entries Android would read still read with the original bytes.
#include "tamper_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

// The original bytes of an entry of clean.apk, to compare with what the tampered copy yields.
std::vector<uint8_t> clean_entry(std::string_view name) {
  AppPackage clean(fixture("clean.apk"));
  return read_entry(clean, name);
}

void check_reads_like_clean(const AppPackage& app) {
  for (const char* name : {"AndroidManifest.xml", "classes.dex", "resources.arsc"}) {
    INFO("entry " << name);
    CHECK(read_entry(app, name) == clean_entry(name));
  }
}

}  // namespace

TEST_CASE("duplicate entry names: anomaly, and the first copy is the one analysed") {
  auto r = scan_ok(tampered("duplicate_entry.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.duplicate_entry"));
  AppPackage app(tampered("duplicate_entry.apk"));
  CHECK(std::count_if(app.base().zip->entries().begin(), app.base().zip->entries().end(),
                      [](const ZipEntry& e) { return e.name == "classes.dex"; }) == 2);
  check_reads_like_clean(app);
}

TEST_CASE("BadPack: bogus compression method in the local header only - the central directory wins") {
  auto r = scan_ok(tampered("badpack_local_method.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.local_header_mismatch"));
  CHECK_FALSE(has_anomaly(r, "zip.unknown_compression_method"));  // the central directory is fine
  AppPackage app(tampered("badpack_local_method.apk"));
  check_reads_like_clean(app);
}

TEST_CASE("local header disagrees with the central directory on name and sizes") {
  auto r = scan_ok(tampered("local_header_mismatch.apk"));
  INFO(anomaly_ids(r));
  REQUIRE(has_anomaly(r, "zip.local_header_mismatch"));
  auto it = std::find_if(r.facts.anomalies.begin(), r.facts.anomalies.end(),
                         [](const Anomaly& a) { return a.id == "zip.local_header_mismatch"; });
  CHECK(it->evidence.file == "classes.dex");
  CHECK(it->evidence.value.find("name") != std::string::npos);
  CHECK(it->evidence.value.find("sizes") != std::string::npos);
  AppPackage app(tampered("local_header_mismatch.apk"));
  check_reads_like_clean(app);
}

TEST_CASE("encrypted flag on entries that are not encrypted: anomaly, entries still read") {
  auto r = scan_ok(tampered("encrypted_flag.apk"));
  INFO(anomaly_ids(r));
  CHECK(count_anomalies(r, "zip.encrypted_flag") == 6);  // every entry of clean.apk
  AppPackage app(tampered("encrypted_flag.apk"));
  check_reads_like_clean(app);
}

TEST_CASE("unknown compression method on a stored entry: anomaly, read as stored like Android") {
  auto r = scan_ok(tampered("unknown_method_stored.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.unknown_compression_method"));
  CHECK_FALSE(has_anomaly(r, "zip.local_header_mismatch"));  // both headers carry the same method
  AppPackage app(tampered("unknown_method_stored.apk"));
  check_reads_like_clean(app);
}

TEST_CASE("path traversal, absolute and backslash names: one anomaly each") {
  auto r = scan_ok(tampered("path_traversal.apk"));
  INFO(anomaly_ids(r));
  CHECK(count_anomalies(r, "zip.suspicious_entry_name") == 3);
  std::vector<std::string> files;
  for (const auto& a : r.facts.anomalies)
    if (a.id == "zip.suspicious_entry_name") files.push_back(a.evidence.file);
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"../../evil.so", "/data/local/tmp/evil.so",
                                          "lib\\arm64-v8a\\..\\..\\evil.so"});
}

TEST_CASE("two end records (a fake one in the comment): anomaly, the central directory still reads") {
  auto r = scan_ok(tampered("two_eocd.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.multiple_eocd"));
  AppPackage app(tampered("two_eocd.apk"));
  CHECK(app.base().zip->entries().size() == 6);
  check_reads_like_clean(app);
}

TEST_CASE("data prepended with offsets adjusted (self-extractor style): anomaly, archive reads") {
  auto r = scan_ok(tampered("prepended_data.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.data_before_archive"));
  CHECK_FALSE(has_anomaly(r, "zip.janus_dex_prefix"));
  AppPackage app(tampered("prepended_data.apk"));
  CHECK(app.base().zip->archive_start() == 512);
  check_reads_like_clean(app);
}

// Android refuses this file (its offsets are off by the prefix), but Info-ZIP and Python's zipfile
// read it by measuring the shift; so must we, with an anomaly.
TEST_CASE("data prepended without adjusting offsets: anomaly, archive still reads") {
  auto r = scan_file(tampered("prepended_data_unadjusted.apk"));
  INFO("scan error: " << r.error);
  INFO(anomaly_ids(r));
  REQUIRE(r.ok);
  CHECK((has_anomaly(r, "zip.central_directory_offset") || has_anomaly(r, "zip.data_before_archive")));
  CHECK(r.facts.input.parts.size() == 1);
  AppPackage app(tampered("prepended_data_unadjusted.apk"));
  check_reads_like_clean(app);
}

TEST_CASE("Janus: a valid DEX in front of the ZIP is a critical anomaly") {
  auto r = scan_ok(tampered("janus_dex_prefix.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.janus_dex_prefix"));
  CHECK_FALSE(has_anomaly(r, "zip.data_before_archive"));
  AppPackage app(tampered("janus_dex_prefix.apk"));
  check_reads_like_clean(app);
}

TEST_CASE("entry count in the end record disagrees with the central directory") {
  auto r = scan_ok(tampered("entry_count_mismatch.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.entry_count_mismatch"));
  CHECK_FALSE(has_anomaly(r, "zip.multi_disk"));
  AppPackage app(tampered("entry_count_mismatch.apk"));
  check_reads_like_clean(app);
}

TEST_CASE("file cut inside the central directory (no end record): a clean error naming the file") {
  const std::string path = tampered("truncated_cd.apk");
  auto r = scan_file(path);
  CHECK_FALSE(r.ok);
  CHECK(r.error.rfind(path, 0) == 0);
  CHECK(r.error.find('\n') == std::string::npos);
}

TEST_CASE("central directory cut mid-record before the end record: anomaly, earlier entries read") {
  auto r = scan_ok(tampered("truncated_cd_with_eocd.apk"));
  INFO(anomaly_ids(r));
  CHECK(has_anomaly(r, "zip.central_directory_truncated"));
  AppPackage app(tampered("truncated_cd_with_eocd.apk"));
  CHECK(app.base().zip->entries().size() == 5);  // META-INF/MANIFEST.MF's record is cut
  check_reads_like_clean(app);
}

TEST_CASE("libzip's second opinion: it refuses the archives Android still installs, not the clean one") {
  // libzip (ZIP_CHECKCONS) compares local headers with the central directory and counts entries.
  for (const char* name : {"duplicate_entry.apk", "local_header_mismatch.apk", "badpack_local_method.apk",
                           "entry_count_mismatch.apk", "prepended_data_unadjusted.apk"}) {
    INFO(name);
    auto r = scan_ok(tampered(name));
    INFO(anomaly_ids(r));
    CHECK(r.facts.input.checked_with_libzip);
    CHECK(has_anomaly(r, "zip.strict_reader_refuses"));
  }
  auto clean = scan_ok(fixture("clean.apk"));
  CHECK(clean.facts.input.checked_with_libzip);
  CHECK_FALSE(has_anomaly(clean, "zip.strict_reader_refuses"));
}

TEST_CASE("--only without the archive area: libzip is not asked, our own reader's findings remain") {
  ScanOptions manifest_only;
  manifest_only.only = {"manifest", "resources"};
  ScanResult r = scan_file(tampered("duplicate_entry.apk"), manifest_only);
  REQUIRE(r.ok);
  INFO(anomaly_ids(r));
  CHECK_FALSE(r.facts.input.checked_with_libzip);
  CHECK_FALSE(has_anomaly(r, "zip.strict_reader_refuses"));
  CHECK(has_anomaly(r, "zip.duplicate_entry"));  // apkvet's reader, which every area reads through
  ScanOptions with_archive;
  with_archive.only = {"archive", "manifest"};
  ScanResult checked = scan_file(tampered("duplicate_entry.apk"), with_archive);
  REQUIRE(checked.ok);
  CHECK(checked.facts.input.checked_with_libzip);
  CHECK(has_anomaly(checked, "zip.strict_reader_refuses"));
}
