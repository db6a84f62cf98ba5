#include "report/app_diff.h"

#include <algorithm>
#include <map>
#include <set>

namespace apkvet {
namespace {

std::string str(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}
const Json& at(const Json& j, const char* key) {
  static const Json null;
  if (!j.is_object()) return null;
  auto it = j.find(key);
  return it == j.end() ? null : *it;
}
// Iterates an array member, or nothing.
const Json& list(const Json& j, const char* key) {
  static const Json empty = Json::array();
  const Json& v = at(j, key);
  return v.is_array() ? v : empty;
}

// Everything compared, keyed by name so that added/removed are set differences. The value is what
// the diff shows for that name (a string, or an object with detail).
struct Side {
  std::string status, package, version, verdict;
  std::map<std::string, Json> permissions, data_categories, endpoints, owners, jurisdictions, trackers, findings;
  std::vector<std::string> signers;  // certificate SHA-256, sorted
  std::map<std::string, int> scores;
};

Side read_side(const Json& r) {
  Side s;
  s.status = str(r, "status");
  const Json& m = at(r, "manifest");
  s.package = str(m, "package");
  s.version = str(m, "version_name") + " (" + str(m, "version_code") + ")";
  for (const auto& p : list(m, "uses_permissions")) {
    std::string name = str(p, "name");
    bool dangerous = str(at(p, "info"), "base_protection") == "dangerous";
    s.permissions[name] = Json{{"name", name}, {"dangerous", dangerous}};
  }
  const Json& code = at(r, "code");
  for (const auto& g : list(at(code, "permissions"), "dangerous_groups"))
    if (!list(g, "requested").empty())
      for (const auto& c : list(g, "categories")) {
        std::string name = c.get<std::string>() + " (by permission)";
        s.data_categories[name] = name;
      }
  for (const auto& u : list(code, "sensitive_api_use")) {
    std::string name = str(u, "category") + " (by code)";
    s.data_categories[name] = name;
  }
  const Json& strings = at(r, "strings");
  for (const auto& e : list(strings, "endpoints")) s.endpoints[str(e, "value")] = str(e, "value");
  for (const auto& h : list(strings, "hosts")) {
    if (!str(h, "owner_name").empty()) s.owners[str(h, "owner_name")] = str(h, "owner_name");
    if (!str(h, "jurisdiction").empty()) s.jurisdictions[str(h, "jurisdiction")] = str(h, "jurisdiction");
    for (const auto& t : list(h, "trackers")) s.trackers[t.get<std::string>()] = t;
  }
  for (const auto& t : list(code, "trackers")) s.trackers[str(t, "name")] = str(t, "name");
  for (const auto& c : list(at(r, "signing"), "signer_certificates")) s.signers.push_back(str(c, "sha256"));
  std::sort(s.signers.begin(), s.signers.end());
  const Json& j = at(r, "judgement");
  s.verdict = str(j, "verdict");
  for (const auto& f : list(j, "findings"))
    s.findings[str(f, "rule")] = Json{{"rule", str(f, "rule")}, {"severity", str(f, "severity")}, {"title", str(f, "title")}};
  if (at(j, "scores").is_object())
    for (const auto& [axis, sc] : at(j, "scores").items())
      if (at(sc, "score").is_number()) s.scores[axis] = at(sc, "score").get<int>();
  return s;
}

// {added, removed} between two keyed sets, or null when equal.
Json set_diff(const std::map<std::string, Json>& a, const std::map<std::string, Json>& b) {
  Json added = Json::array(), removed = Json::array();
  for (const auto& [k, v] : b)
    if (!a.count(k)) added.push_back(v);
  for (const auto& [k, v] : a)
    if (!b.count(k)) removed.push_back(v);
  if (added.empty() && removed.empty()) return nullptr;
  return Json{{"added", added}, {"removed", removed}};
}

std::string safe(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return s;
}

}  // namespace

Json diff_app_reports(const Json& old_report, const Json& new_report) {
  Side a = read_side(old_report), b = read_side(new_report);
  auto summary = [](const Side& s, const Json& r) {
    Json j{{"status", s.status}, {"package", s.package}, {"version", s.version}, {"verdict", s.verdict}};
    j["input"] = str(at(r, "input"), "path");
    return j;
  };
  Json d{{"old", summary(a, old_report)}, {"new", summary(b, new_report)}};
  if (a.status != "ok" || b.status != "ok") {
    // An unreadable input has no facts: say so rather than report everything as removed or added.
    d["changed"] = a.status != b.status;
    if (a.status != b.status) d["status"] = {{"old", a.status}, {"new", b.status}};
    return d;
  }
  if (a.package != b.package) d["package"] = {{"old", a.package}, {"new", b.package}};
  if (a.version != b.version) d["version"] = {{"old", a.version}, {"new", b.version}};
  // A different signing key is the gravest change: Android refuses the update unless the key was
  // rotated, and a new key can mean a different publisher or a repackaged app.
  if (a.signers != b.signers) d["signer_changed"] = {{"old", a.signers}, {"new", b.signers}, {"grave", true}};
  struct Named {
    const char* key;
    std::map<std::string, Json> Side::*member;
  };
  for (const Named& n : {Named{"permissions", &Side::permissions}, Named{"data_categories", &Side::data_categories},
                         Named{"endpoints", &Side::endpoints}, Named{"owners", &Side::owners},
                         Named{"jurisdictions", &Side::jurisdictions}, Named{"trackers", &Side::trackers},
                         Named{"findings", &Side::findings}}) {
    Json sd = set_diff(a.*n.member, b.*n.member);
    if (!sd.is_null()) d[n.key] = sd;
  }
  Json scores = Json::object();
  for (const auto& [axis, score] : b.scores) {
    int old_score = a.scores.count(axis) ? a.scores.at(axis) : 0;
    if (old_score != score) scores[axis] = {{"old", old_score}, {"new", score}, {"delta", score - old_score}};
  }
  if (!scores.empty()) d["scores"] = scores;
  if (a.verdict != b.verdict) d["verdict"] = {{"old", a.verdict}, {"new", b.verdict}};
  d["changed"] = d.size() > 2;
  return d;
}

void write_text_diff(std::ostream& out, const Json& d) {
  const Json& o = at(d, "old");
  const Json& n = at(d, "new");
  out << "== " << safe(str(o, "package")) << " " << safe(str(o, "version")) << "  ->  " << safe(str(n, "package")) << " "
      << safe(str(n, "version")) << "\n";
  if (!at(d, "changed").is_boolean() || !at(d, "changed").get<bool>()) {
    out << "  no change\n";
    return;
  }
  if (d.contains("status"))
    out << "  status     " << str(d["status"], "old") << " -> " << str(d["status"], "new") << "\n";
  if (d.contains("signer_changed")) {
    out << "  !!! SIGNER CERTIFICATE CHANGED: the new version is signed with a different key (a different\n"
           "  !!! publisher or a repackaged app; Android refuses it as an update unless the key was rotated)\n";
    for (const auto& c : d["signer_changed"]["old"]) out << "      old " << c.get<std::string>() << "\n";
    for (const auto& c : d["signer_changed"]["new"]) out << "      new " << c.get<std::string>() << "\n";
  }
  if (d.contains("verdict"))
    out << "  verdict    " << str(d["verdict"], "old") << " -> " << str(d["verdict"], "new") << "\n";
  if (d.contains("scores"))
    for (const auto& [axis, s] : d["scores"].items())
      out << "  score      " << axis << " " << str(s, "old") << " -> " << str(s, "new") << "\n";
  for (const char* key : {"permissions", "data_categories", "endpoints", "owners", "jurisdictions", "trackers", "findings"}) {
    if (!d.contains(key)) continue;
    for (const char* side : {"added", "removed"})
      for (const auto& item : d[key][side]) {
        out << "  " << (side[0] == 'a' ? "+ " : "- ") << key << "  ";
        if (item.is_object()) {
          out << safe(item.contains("rule") ? str(item, "rule") + " " + str(item, "title") : str(item, "name"));
          if (!str(item, "severity").empty()) out << " [" << str(item, "severity") << "]";
          if (item.value("dangerous", false)) out << " [dangerous]";
        } else {
          out << safe(str(Json{{"v", item}}, "v"));
        }
        out << "\n";
      }
  }
}

}  // namespace apkvet
