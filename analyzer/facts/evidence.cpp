#include "facts/evidence.h"

#include <cstdio>

namespace apkvet {

std::string Evidence::truncate(std::string_view v) {
  if (v.size() <= kMaxEvidenceValue) return std::string(v);
  // Cut on a UTF-8 boundary so the JSON stays valid text.
  size_t cut = kMaxEvidenceValue;
  while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
  return std::string(v.substr(0, cut)) + "...";
}

std::string Evidence::offset(uint64_t off) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "offset 0x%llx", static_cast<unsigned long long>(off));
  return buf;
}

const char* to_string(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
    case Severity::critical: return "critical";
  }
  return "unknown";
}

void AnomalySink::add(std::string id, Severity severity, std::string message, Evidence evidence) {
  if (anomalies_.size() >= kMaxAnomalies) {
    ++dropped_;
    return;
  }
  evidence.value = Evidence::truncate(evidence.value);
  anomalies_.push_back({std::move(id), severity, std::move(message), std::move(evidence)});
}

bool AnomalySink::has(std::string_view id) const {
  for (const auto& a : anomalies_)
    if (a.id == id) return true;
  return false;
}

void to_json(Json& j, const Evidence& e) {
  j = Json::object();
  j["file"] = e.file;
  if (!e.location.empty()) j["location"] = e.location;
  if (!e.value.empty()) j["value"] = e.value;
}

void to_json(Json& j, const Anomaly& a) {
  j = Json{{"id", a.id}, {"severity", to_string(a.severity)}, {"message", a.message}, {"evidence", a.evidence}};
}

}  // namespace apkvet
