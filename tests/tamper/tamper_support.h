// Helpers for the tamper tests: scan a built fixture, look for anomaly ids, read entries as
// downstream parsers would. Fixtures are in fixtures/built/ (tools/build-fixtures.sh).
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "scan/scan.h"
#include "test_support.h"

namespace apkvet::test {

inline std::string tampered(const std::string& name) { return fixture("tampered/" + name); }

inline size_t count_anomalies(const ScanResult& r, std::string_view id) {
  return static_cast<size_t>(std::count_if(r.facts.anomalies.begin(), r.facts.anomalies.end(),
                                           [&](const Anomaly& a) { return a.id == id; }));
}
inline bool has_anomaly(const ScanResult& r, std::string_view id) { return count_anomalies(r, id) > 0; }
inline bool has_anomaly_prefix(const ScanResult& r, std::string_view prefix) {
  return std::any_of(r.facts.anomalies.begin(), r.facts.anomalies.end(),
                     [&](const Anomaly& a) { return a.id.rfind(prefix, 0) == 0; });
}
inline std::string anomaly_ids(const ScanResult& r) {
  std::string out;
  for (const auto& a : r.facts.anomalies) out += (out.empty() ? "" : ", ") + a.id + " [" + a.evidence.file + "]";
  return out.empty() ? "(none)" : out;
}

inline ScanResult scan_ok(const std::string& path) {
  ScanResult r = scan_file(path);
  INFO("scan error: " << r.error);
  REQUIRE(r.ok);
  return r;
}

inline std::vector<uint8_t> to_vector(Bytes b) { return {b.begin(), b.end()}; }

// The uncompressed bytes of one entry of the base part, as a parser downstream would read them.
inline std::vector<uint8_t> read_entry(const AppPackage& app, std::string_view name) {
  auto bytes = app.base().zip->read(name);
  REQUIRE_MESSAGE(bytes.has_value(), "entry not readable: " << std::string(name));
  return to_vector(*bytes);
}

}  // namespace apkvet::test
