// The evidence model: what every fact and finding cites, and the anomalies parsers report.
// Evidence says where in the input something was seen, so a reviewer can check it by hand.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace apkvet {

using Json = nlohmann::json;  // std::map-backed: object keys are emitted sorted, so output is stable.

// Where a fact was seen. `file` is the path inside the input; nested archives are joined with "!"
// (for example "split_config.arm64_v8a.apk!lib/arm64-v8a/libfoo.so"). `location` is a class and
// method ("Lcom/foo/Bar;->run()V"), an element path, or an offset ("offset 0x1a2b").
struct Evidence {
  std::string file;
  std::string location;
  std::string value;  // the raw value, truncated to kMaxEvidenceValue bytes

  static constexpr size_t kMaxEvidenceValue = 200;
  static std::string truncate(std::string_view v);
  static std::string offset(uint64_t off);
};

enum class Severity { info, low, medium, high, critical };
const char* to_string(Severity s);

// Something a parser saw that the format does not allow or that tools disagree on: tampering,
// evasion, or plain damage. The scan goes on; the anomaly is reported with its evidence.
struct Anomaly {
  std::string id;  // stable dotted id, e.g. "zip.duplicate_entry", "axml.bad_chunk_size"
  Severity severity = Severity::medium;
  std::string message;  // one sentence a security officer can read
  Evidence evidence;
};

// Collects anomalies for one app. Capped so a hostile input cannot flood the report.
class AnomalySink {
 public:
  void add(std::string id, Severity severity, std::string message, Evidence evidence);
  const std::vector<Anomaly>& all() const { return anomalies_; }
  size_t dropped() const { return dropped_; }
  bool has(std::string_view id) const;

  static constexpr size_t kMaxAnomalies = 500;

 private:
  std::vector<Anomaly> anomalies_;
  size_t dropped_ = 0;
};

void to_json(Json& j, const Evidence& e);
void to_json(Json& j, const Anomaly& a);

}  // namespace apkvet
