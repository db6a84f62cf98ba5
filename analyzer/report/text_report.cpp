#include "report/text_report.h"

#include <cstdio>

namespace apkvet {
namespace {

std::string str(const Json& j, const char* key) {
  if (!j.is_object()) return "-";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Strips control characters from app-controlled text so it cannot drive the terminal.
std::string safe(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

struct Paint {
  bool on;
  std::string operator()(const char* code, const std::string& s) const {
    return on ? std::string("\x1b[") + code + "m" + s + "\x1b[0m" : s;
  }
};

const char* severity_color(const std::string& s) {
  if (s == "critical") return "1;35";
  if (s == "high") return "1;31";
  if (s == "medium") return "33";
  if (s == "low") return "36";
  return "2";
}

}  // namespace

void write_text_report(std::ostream& out, const AppReport& r, const TextStyle& style) {
  Paint paint{style.color};
  if (!r.ok) {
    out << safe(r.input_path) << ": " << paint("1;31", "ERROR") << ": " << safe(r.error) << "\n";
    return;
  }
  const Json& f = r.facts;
  const Json& m = f.contains("manifest") ? f["manifest"] : Json::object();
  const rules::Judgement& j = r.judgement;
  out << paint("1", "== " + safe(r.input_path)) << "\n";
  if (!j.policy_id.empty()) {
    std::string v = rules::to_string(j.verdict);
    const char* c = v == "reject" ? "1;31" : v == "review" ? "1;33" : "1;32";
    out << "  verdict    " << paint(c, v) << "  (policy " << j.policy_id << ")\n";
    for (const auto& reason : j.reasons) {
      out << "    because  " << safe(reason.reason);
      if (!reason.rules.empty()) {
        out << " [";
        for (size_t i = 0; i < reason.rules.size() && i < 6; ++i) out << (i ? ", " : "") << reason.rules[i];
        if (reason.rules.size() > 6) out << ", ...";
        out << "]";
      }
      out << "\n";
    }
  }
  out << "  scores    ";
  for (const auto& s : j.scores) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " %s %d", rules::to_string(s.axis), static_cast<int>(s.score));
    out << buf;
  }
  out << "   (0-100, higher is riskier)\n";
  out << "  app        " << safe(str(m, "package")) << "  version " << safe(str(m, "version_name")) << " ("
      << str(m, "version_code") << ")";
  if (m.contains("label")) out << "  \"" << safe(str(m, "label")) << "\"";
  out << "\n";
  if (f.contains("input"))
    out << "  sha256     " << str(f["input"], "sha256") << " (" << str(f["input"], "container") << ")\n";
  size_t shown = 0;
  if (!j.findings.empty()) out << "  findings (" << j.findings.size() << ")\n";
  for (const auto& finding : j.findings) {
    if (shown++ == style.max_findings) {
      out << "    ... " << (j.findings.size() - style.max_findings) << " more in --format json/html\n";
      break;
    }
    std::string sev = apkvet::to_string(finding.rule->severity);
    char tag[16];
    std::snprintf(tag, sizeof tag, "%-8s", sev.c_str());
    out << "    " << paint(severity_color(sev), tag) << " " << finding.rule->id << "  " << safe(finding.rule->title);
    if (!finding.citations.empty() && finding.citations[0].value.is_string())
      out << "  (" << safe(Evidence::truncate(finding.citations[0].value.get<std::string>()).substr(0, 60)) << ")";
    if (finding.waiver) out << "  [waived until " << finding.waiver->expires << "]";
    out << "\n";
  }
  const Json& anomalies = f.contains("anomalies") ? f["anomalies"] : Json::array();
  if (!anomalies.empty()) {
    out << "  anomalies (" << anomalies.size() << ")\n";
    size_t n = 0;
    for (const auto& a : anomalies) {
      if (n++ == 10) {
        out << "    ... " << (anomalies.size() - 10) << " more\n";
        break;
      }
      out << "    " << str(a, "severity") << " " << str(a, "id") << ": " << safe(str(a, "message")) << " ("
          << safe(str(a["evidence"], "file")) << ")\n";
    }
  }
  for (const auto& note : j.notes) out << "  note       " << safe(note) << "\n";
}

}  // namespace apkvet
