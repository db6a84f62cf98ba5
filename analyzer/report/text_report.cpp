#include "report/text_report.h"

#include "report/json_report.h"

namespace apkvet {
namespace {

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

// Renders from the JSON form of the facts, so the text and JSON reports cannot disagree.
void write_text_report(std::ostream& out, const ScanResult& result) {
  if (!result.ok) {
    out << result.input_path << ": ERROR: " << result.error << "\n";
    return;
  }
  Json j = result.facts;
  const Json& m = j["manifest"];
  out << "== " << result.input_path << "\n";
  out << "  sha256     " << str(j["input"], "sha256") << " (" << str(j["input"], "container") << ", "
      << j["input"]["parts"].size() << " part(s))\n";
  out << "  package    " << str(m, "package") << "  version " << str(m, "version_name") << " ("
      << str(m, "version_code") << ")\n";
  if (m.contains("sdk"))
    out << "  sdk        min " << str(m["sdk"], "min") << ", target " << str(m["sdk"], "target") << "\n";
  if (m.contains("label")) out << "  label      " << str(m, "label") << "\n";
  if (m.contains("permissions") && m["permissions"].is_array()) {
    out << "  permissions (" << m["permissions"].size() << ")\n";
    for (const auto& p : m["permissions"]) {
      out << "    " << str(p, "name");
      if (p.contains("protection_level")) out << "  [" << str(p, "protection_level") << "]";
      out << "\n";
    }
  }
  const Json& anomalies = j["anomalies"];
  if (!anomalies.empty()) {
    out << "  anomalies (" << anomalies.size() << ")\n";
    for (const auto& a : anomalies)
      out << "    [" << str(a, "severity") << "] " << str(a, "id") << ": " << str(a, "message") << "  ("
          << str(a["evidence"], "file") << ")\n";
  }
}

}  // namespace apkvet
