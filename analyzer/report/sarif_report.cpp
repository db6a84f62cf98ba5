#include "report/sarif_report.h"

#include <algorithm>
#include <map>

#include "core/digest.h"

namespace apkvet {
namespace {

std::string str(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// A file path as a URI reference: SARIF's artifactLocation.uri is a URI, so characters that are not
// allowed there (space, '%', '#', '?', non-ASCII, ...) are percent-encoded; '/' stays a separator.
std::string path_to_uri(const std::string& path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                 c == '_' || c == '~' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// GitHub code scanning ranks security results by this property (a number as a string, 0-10).
const char* security_severity(const std::string& severity) {
  if (severity == "critical") return "9.5";
  if (severity == "high") return "8.0";
  if (severity == "medium") return "5.5";
  if (severity == "low") return "3.0";
  return "1.0";
}

Json rule_descriptor(const std::string& id, const std::string& title, const std::string& rationale,
                     const std::vector<std::string>& references, const std::string& severity,
                     const std::string& axis) {
  Json d{{"id", id},
         {"name", id},
         {"shortDescription", {{"text", title}}},
         {"fullDescription", {{"text", rationale.empty() ? title : rationale}}},
         {"defaultConfiguration", {{"level", sarif_level(severity)}}},
         {"properties",
          {{"axis", axis},
           {"severity", severity},
           {"security-severity", security_severity(severity)},
           {"references", references},
           {"tags", Json::array({"security", axis})}}}};
  std::string help = rationale;
  for (const auto& ref : references) {
    if (d.find("helpUri") == d.end() && ref.rfind("https://", 0) == 0) d["helpUri"] = ref;
    help += "\n- " + ref;
  }
  d["help"] = {{"text", help}};
  return d;
}

// Where a piece of evidence is inside the APK. "Lcom/x/Y;->m()V @0x4" names a method and a bytecode
// offset; "manifest/application/provider" an XML element; anything else is kept as text.
Json logical_location(const Json& ev) {
  std::string file = str(ev, "file"), where = str(ev, "location");
  std::string name = where, offset;
  if (size_t at = where.rfind(" @0x"); at != std::string::npos) {
    name = where.substr(0, at);
    offset = where.substr(at + 2);
  }
  const char* kind = name.find("->") != std::string::npos                      ? "function"
                     : file.size() > 4 && file.compare(file.size() - 4, 4, ".xml") == 0 ? "element"
                                                                                : "resource";
  Json l{{"fullyQualifiedName", name.empty() ? file : file + "!" + name}, {"kind", kind}};
  if (!name.empty()) l["name"] = name;
  return l;
}

}  // namespace

const char* sarif_level(const std::string& severity) {
  if (severity == "critical" || severity == "high") return "error";
  if (severity == "medium") return "warning";
  return "note";
}

Json sarif_report(const Json& report, const rules::RuleSet* rules) {
  Json descriptors = Json::array();
  std::map<std::string, size_t> rule_index;
  if (rules)
    for (const auto& r : rules->rules) {
      rule_index[r.id] = descriptors.size();
      descriptors.push_back(rule_descriptor(r.id, r.title, r.rationale, r.references, to_string(r.severity),
                                            rules::to_string(r.axis)));
    }
  const Json& results_in = report.contains("results") ? report["results"] : Json::array();
  // Rules known only from the findings (a stored report rendered without its rule set).
  for (const auto& app : results_in)
    if (app.contains("judgement"))
      for (const auto& f : app["judgement"].value("findings", Json::array())) {
        std::string id = str(f, "rule");
        if (rule_index.count(id)) continue;
        rule_index[id] = descriptors.size();
        descriptors.push_back(rule_descriptor(id, str(f, "title"), str(f, "rationale"),
                                              f.value("references", std::vector<std::string>{}), str(f, "severity"),
                                              str(f, "axis")));
      }

  Json artifacts = Json::array(), results = Json::array(), notifications = Json::array(), verdicts = Json::array();
  bool all_ok = true;
  for (const auto& app : results_in) {
    const Json& input = app.value("input", Json::object());
    std::string uri = path_to_uri(str(input, "path"));
    size_t artifact = artifacts.size();
    Json a{{"location", {{"uri", uri}}}, {"roles", Json::array({"analysisTarget"})}};
    if (!str(input, "sha256").empty()) a["hashes"] = {{"sha-256", str(input, "sha256")}};
    if (input.contains("size") && input["size"].is_number()) a["length"] = input["size"];
    artifacts.push_back(std::move(a));
    Json where{{"physicalLocation", {{"artifactLocation", {{"uri", uri}, {"index", artifact}}}}}};
    if (str(app, "status") != "ok") {
      all_ok = false;
      notifications.push_back({{"level", "error"},
                               {"message", {{"text", str(app, "error")}}},
                               {"locations", Json::array({where})}});
      continue;
    }
    const Json& j = app.value("judgement", Json::object());
    std::string package = app.contains("manifest") ? str(app["manifest"], "package") : "";
    if (j.contains("verdict"))
      verdicts.push_back({{"uri", uri}, {"package", package}, {"verdict", j["verdict"]}, {"reasons", j.value("reasons", Json::array())}});
    for (const auto& f : j.value("findings", Json::array())) {
      std::string id = str(f, "rule"), severity = str(f, "severity");
      Json locations = Json::array();
      std::string first_value;
      for (const auto& c : f.value("evidence", Json::array())) {
        if (first_value.empty() && c.contains("value") && c["value"].is_string()) first_value = c["value"].get<std::string>();
        Json evs = c.contains("evidence") ? c["evidence"] : Json();
        if (evs.is_object()) evs = Json::array({evs});
        if (!evs.is_array() || evs.empty()) evs = Json::array({Json::object()});
        for (const auto& ev : evs) {
          if (locations.size() == 10) break;  // enough to find it; the JSON report has all of them
          Json l = where;
          l["id"] = locations.size();
          l["message"] = {{"text", str(c, "path") + " = " + (c.contains("value") && c["value"].is_string()
                                                                  ? c["value"].get<std::string>()
                                                                  : str(c, "value"))}};
          if (ev.is_object() && !ev.empty()) {
            l["logicalLocations"] = Json::array({logical_location(ev)});
            Json props{{"file", str(ev, "file")}, {"location", str(ev, "location")}};
            if (ev.contains("value")) props["value"] = ev["value"];
            std::string where_in = str(ev, "location");
            if (size_t at = where_in.rfind(" @0x"); at != std::string::npos) props["offset"] = where_in.substr(at + 2);
            l["properties"] = props;
          }
          locations.push_back(std::move(l));
        }
      }
      if (locations.empty()) locations.push_back(where);
      std::string text = str(f, "title");
      if (!first_value.empty()) text += ": " + first_value;
      if (!package.empty()) text += " (" + package + ")";
      Json r{{"ruleId", id},
             {"ruleIndex", rule_index[id]},
             {"level", sarif_level(severity)},
             {"message", {{"text", text}}},
             {"locations", locations},
             {"properties",
              {{"axis", str(f, "axis")},
               {"severity", severity},
               {"evidence_total", f.value("evidence_total", 0)},
               {"package", package}}}};
      // Code-scanning services match results across runs by fingerprint: the same rule on the same
      // package with the same cited values is the same result, whatever the APK's file name or version.
      {
        std::vector<std::string> cited;
        for (const auto& c : f.value("evidence", Json::array()))
          cited.push_back(str(c, "path") + "=" + (c.contains("value") && c["value"].is_string()
                                                       ? c["value"].get<std::string>()
                                                       : str(c, "value")));
        std::sort(cited.begin(), cited.end());
        std::string key = package + "\n" + id;
        for (const auto& c : cited) key += "\n" + c;
        r["partialFingerprints"] = {{"apkvetFinding/v1", sha256_hex(key)}};
      }
      if (f.contains("waiver"))
        r["suppressions"] = Json::array({{{"kind", "external"},
                                          {"status", "accepted"},
                                          {"justification", str(f["waiver"], "justification")},
                                          {"properties", f["waiver"]}}});
      results.push_back(std::move(r));
    }
  }
  Json invocation{{"executionSuccessful", all_ok}};
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = notifications;
  Json run_props{{"scan_date", str(report, "scan_date")},
                 {"rules_version", str(report, "rules_version")},
                 {"schema", str(report, "schema")}};
  if (!str(report, "policy").empty()) run_props["policy"] = str(report, "policy");
  if (!verdicts.empty()) run_props["verdicts"] = verdicts;
  const Json& tool = report.value("tool", Json::object());
  Json run{{"tool",
            {{"driver",
              {{"name", "apkvet"},
               {"version", str(tool, "version")},
               {"rules", descriptors}}}}},
           {"artifacts", artifacts},
           {"invocations", Json::array({invocation})},
           {"results", results},
           {"columnKind", "unicodeCodePoints"},
           {"properties", run_props}};
  return Json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"}, {"runs", Json::array({run})}};
}

}  // namespace apkvet
