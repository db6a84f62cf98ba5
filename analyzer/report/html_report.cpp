#include "report/html_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "core/utf8.h"
#include "report/json_report.h"
#include "version.h"

namespace apkvet {

std::string html_escape(std::string_view s) {
  static const char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(s.size() + 16);
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default:
          // Control characters (other than tab and newline) have no business in a report.
          if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) out += kReplacement;
          else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // Copy a well-formed UTF-8 sequence as is; anything else becomes U+FFFD, so the browser never
    // has to guess how a stray byte combines with the markup after it.
    size_t len = utf8_sequence_length(s, i);
    if (len > 0) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += kReplacement;
      ++i;
    }
  }
  return out;
}

namespace {

const Json& empty_array() {
  static const Json a = Json::array();
  return a;
}
const Json& empty_object() {
  static const Json o = Json::object();
  return o;
}
const Json& arr(const Json& j, const char* key) {
  if (!j.is_object()) return empty_array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty_array();
}
const Json& obj(const Json& j, const char* key) {
  if (!j.is_object()) return empty_object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty_object();
}
// A scalar as text ("" when absent or null).
std::string str(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return dump_json(j, -1);
}
std::string str(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it == j.end() ? "" : str(*it);
}
bool flag(const Json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
std::string e(const std::string& s) { return html_escape(s); }
std::string yes_no(bool b) { return b ? "yes" : "no"; }

// Joins a JSON array of scalars, escaped.
std::string join(const Json& a, const char* sep = ", ", size_t limit = 20) {
  std::string out;
  size_t n = 0;
  for (const auto& v : a) {
    if (n == limit) {
      out += sep + std::string("… ") + std::to_string(a.size() - limit) + " more";
      break;
    }
    out += (n++ ? sep : "") + e(str(v));
  }
  return out;
}

const char* score_color(int score) {
  if (score >= 70) return "#b3261e";
  if (score >= 40) return "#c77700";
  if (score >= 15) return "#8a8a00";
  return "#2e7d32";
}

const char* kStyle = R"(body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a1a1a;background:#f4f5f7}
header.doc{background:#1f2a44;color:#fff;padding:16px 32px}header.doc h1{margin:0 0 4px;font-size:22px}
header.doc p{margin:0;font-size:13px;color:#cfd6e6}
article.app{background:#fff;margin:24px 32px;padding:8px 24px 24px;border-radius:6px;box-shadow:0 1px 3px #0002}
h2{font-size:20px;border-bottom:2px solid #1f2a44;padding-bottom:6px}h3{font-size:17px;margin-top:28px;color:#1f2a44}
h4{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}th,td{border:1px solid #d5d8de;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#eef0f4}td code,li code{word-break:break-all}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.verdict{display:inline-block;font-size:20px;font-weight:700;padding:6px 18px;border-radius:4px;color:#fff}
.v-reject{background:#b3261e}.v-review{background:#c77700}.v-approve{background:#2e7d32}.v-none{background:#666}
.sev{font-weight:600}.sev-critical{color:#7b1fa2}.sev-high{color:#b3261e}.sev-medium{color:#c77700}.sev-low{color:#00838f}
.sev-info{color:#666}.warn{color:#b3261e;font-weight:600}.muted{color:#666}.ok{color:#2e7d32}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;font-size:13px}dl.kv dt{font-weight:600}dl.kv dd{margin:0}
.error{color:#b3261e;font-weight:600})";

void open_section(std::ostream& o, const std::string& id, const char* title) {
  o << "<section id=\"" << id << "\"><h3>" << title << "</h3>\n";
}

// ---- sections ----

void identity(std::ostream& o, const Json& r) {
  const Json& m = obj(r, "manifest");
  const Json& app = obj(m, "application");
  std::string label = str(app, "label_resolved");
  if (label.empty()) label = str(app, "label");
  const Json& in = obj(r, "input");
  o << "<h2>" << e(label.empty() ? str(m, "package") : label) << " <span class=\"muted\">" << e(str(m, "package"))
    << "</span></h2>\n<dl class=\"kv\"><dt>Package</dt><dd><code>" << e(str(m, "package"))
    << "</code></dd><dt>Version</dt><dd>" << e(str(m, "version_name")) << " (" << e(str(m, "version_code"))
    << ")</dd><dt>SDK</dt><dd>min " << e(str(m, "min_sdk")) << ", target " << e(str(m, "target_sdk"))
    << "</dd><dt>Input</dt><dd><code>" << e(str(in, "path")) << "</code> (" << e(str(in, "container")) << ", "
    << e(str(in, "size")) << " bytes)</dd><dt>SHA-256</dt><dd><code>" << e(str(in, "sha256")) << "</code></dd></dl>\n";
}

void verdict(std::ostream& o, const std::string& p, const Json& j) {
  open_section(o, p + "verdict", "Verdict");
  std::string v = str(j, "verdict");
  if (v.empty()) {
    o << "<p><span class=\"verdict v-none\">no policy</span> Findings and scores only; run with "
         "<code>--policy</code> for a verdict.</p>\n";
  } else {
    o << "<p><span class=\"verdict v-" << e(v) << "\">" << e(v) << "</span> under policy <code>"
      << e(str(j, "policy")) << "</code></p>\n";
    const Json& reasons = arr(j, "reasons");
    if (!reasons.empty()) {
      o << "<ul>\n";
      for (const auto& reason : reasons)
        o << "<li>" << e(str(reason, "reason")) << " <span class=\"muted\">(" << join(arr(reason, "rules"))
          << "; " << e(str(reason, "clause")) << ")</span></li>\n";
      o << "</ul>\n";
    }
  }
  for (const auto& note : arr(j, "notes")) o << "<p class=\"muted\">Note: " << e(str(note)) << "</p>\n";
  o << "</section>\n";
}

void scores(std::ostream& o, const std::string& p, const Json& j) {
  open_section(o, p + "scores", "Risk scores");
  static const std::pair<const char*, const char*> kAxes[] = {{"data_access", "Data access"},
                                                              {"egress", "Egress"},
                                                              {"code_integrity", "Code integrity"},
                                                              {"hygiene", "Platform hygiene"}};
  const Json& sc = obj(j, "scores");
  // Horizontal bars, 0-100 mapped to 400 px; integers only, so the bytes never depend on float printing.
  o << "<svg role=\"img\" aria-label=\"Risk scores by axis, 0 to 100, higher is riskier\" width=\"600\" "
       "height=\"150\" viewBox=\"0 0 600 150\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  int y = 10;
  for (const auto& [key, name] : kAxes) {
    const Json& a = obj(sc, key);
    int s = a.contains("score") && a["score"].is_number() ? a["score"].get<int>() : 0;
    s = std::max(0, std::min(100, s));
    o << "<text x=\"0\" y=\"" << y + 15 << "\" font-size=\"13\">" << name << "</text>"
      << "<rect x=\"130\" y=\"" << y << "\" width=\"400\" height=\"22\" fill=\"#e6e8ec\"/>"
      << "<rect x=\"130\" y=\"" << y << "\" width=\"" << s * 4 << "\" height=\"22\" fill=\"" << score_color(s)
      << "\"/><text x=\"540\" y=\"" << y + 16 << "\" font-size=\"13\" font-weight=\"700\">" << s << "</text>\n";
    y += 34;
  }
  o << "</svg>\n<table><tr><th>Axis</th><th>Score (0-100)</th><th>Top contributors</th></tr>\n";
  for (const auto& [key, name] : kAxes) {
    const Json& a = obj(sc, key);
    o << "<tr><td>" << name << "</td><td>" << e(str(a, "score")) << "</td><td>" << join(arr(a, "top_contributors"))
      << "</td></tr>\n";
  }
  o << "</table>\n</section>\n";
}

void data_reached(std::ostream& o, const std::string& p, const Json& r) {
  open_section(o, p + "data", "Data the app can reach");
  const Json& code = obj(r, "code");
  struct Category {
    std::set<std::string> requested, needed_by_code;
    const Json* api = nullptr;
  };
  std::map<std::string, Category> cats;
  for (const auto& g : arr(obj(code, "permissions"), "dangerous_groups"))
    for (const auto& c : arr(g, "categories")) {
      Category& cat = cats[str(c)];
      for (const auto& perm : arr(g, "requested")) cat.requested.insert(str(perm));
      for (const auto& perm : arr(g, "used")) cat.needed_by_code.insert(str(perm));
    }
  for (const auto& use : arr(code, "sensitive_api_use")) cats[str(use, "category")].api = &use;
  if (cats.empty()) {
    o << "<p>No sensitive data category is reached by a dangerous permission or by code.</p>\n</section>\n";
    return;
  }
  o << "<p class=\"muted\">Permission: dangerous permissions the manifest requests. Code: calls to APIs that reach "
       "the data, with the calling method. Reachability: whether a call is reachable from a component Android "
       "can start.</p>\n<table><tr><th>Data category</th><th>Permission requested</th><th>Code use (caller)</th>"
       "<th>Reachability</th></tr>\n";
  for (const auto& [name, cat] : cats) {
    o << "<tr><td>" << e(name);
    if (cat.api && !str(*cat.api, "label").empty()) o << "<br><span class=\"muted\">" << e(str(*cat.api, "label")) << "</span>";
    o << "</td><td>";
    if (cat.requested.empty()) o << "<span class=\"muted\">none</span>";
    for (const auto& perm : cat.requested) o << "<code>" << e(perm) << "</code><br>";
    o << "</td><td>";
    if (!cat.api) {
      o << "<span class=\"muted\">no call found</span></td><td>-</td></tr>\n";
      continue;
    }
    const Json& api = *cat.api;
    o << e(str(api, "uses")) << " call(s) from " << e(str(api, "callers")) << " method(s)<ul>";
    for (const auto& ex : arr(api, "examples")) {
      const Json& ev = obj(ex, "evidence");
      o << "<li><code>" << e(str(ex, "caller_method")) << "</code> calls <code>" << e(str(ex, "target"))
        << "</code> <span class=\"muted\">(" << e(str(ev, "file"));
      if (!str(ex, "reach").empty()) o << "; " << e(str(ex, "reach"));
      o << ")</span></li>";
    }
    o << "</ul></td><td>";
    std::string reachable = str(api, "reachable_uses");
    if (!reachable.empty()) o << e(reachable) << " of " << e(str(api, "uses")) << " call(s) reachable";
    o << "</td></tr>\n";
  }
  o << "</table>\n</section>\n";
}

void egress(std::ostream& o, const std::string& p, const Json& r) {
  open_section(o, p + "egress", "Where data can go");
  const Json& strings = obj(r, "strings");
  const Json& hosts = arr(strings, "hosts");
  // Hosts grouped by (jurisdiction, owner): who receives the data and under which law.
  struct Group {
    std::string party;
    std::vector<const Json*> hosts;
    std::set<std::string> trackers;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  std::map<std::string, int> per_jurisdiction;
  // The endpoints (URLs, addresses) seen for each host, shown under it.
  std::map<std::string, std::vector<std::string>> endpoints_of;
  for (const auto& ep : arr(strings, "endpoints"))
    if (!str(ep, "host").empty()) endpoints_of[str(ep, "host")].push_back(str(ep, "value"));
  for (const auto& h : hosts) {
    std::string jur = str(h, "jurisdiction");
    if (jur.empty()) jur = "unknown";
    std::string owner = str(h, "owner_name");
    if (owner.empty()) owner = "unknown owner (" + str(h, "registrable_domain") + ")";
    Group& g = groups[{jur, owner}];
    g.party = str(h, "party");
    g.hosts.push_back(&h);
    for (const auto& t : arr(h, "trackers")) g.trackers.insert(str(t));
    per_jurisdiction[jur]++;
  }
  if (hosts.empty()) {
    o << "<p>No network endpoint found in the app.</p>\n";
  } else {
    int max = 1;
    for (const auto& [jur, n] : per_jurisdiction) max = std::max(max, n);
    int height = 10 + 26 * static_cast<int>(per_jurisdiction.size());
    o << "<h4>Hosts per jurisdiction</h4>\n<svg role=\"img\" aria-label=\"Number of hosts per jurisdiction\" "
         "width=\"600\" height=\""
      << height << "\" viewBox=\"0 0 600 " << height << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
    int y = 5;
    for (const auto& [jur, n] : per_jurisdiction) {
      o << "<text x=\"0\" y=\"" << y + 14 << "\" font-size=\"13\">" << e(jur) << "</text><rect x=\"90\" y=\"" << y
        << "\" width=\"" << n * 400 / max << "\" height=\"18\" fill=\"#1f5fa8\"/><text x=\"" << 96 + n * 400 / max
        << "\" y=\"" << y + 14 << "\" font-size=\"13\">" << n << "</text>\n";
      y += 26;
    }
    o << "</svg>\n<h4>Hosts by owner and jurisdiction</h4>\n<table><tr><th>Jurisdiction</th><th>Owner</th><th>Party</th>"
         "<th>Hosts</th><th>Trackers</th></tr>\n";
    for (const auto& [key, g] : groups) {
      o << "<tr><td>" << e(key.first) << "</td><td>" << e(key.second) << "</td><td>" << e(g.party) << "</td><td>";
      for (const Json* h : g.hosts) {
        o << "<code>" << e(str(*h, "host")) << "</code>";
        if (flag(*h, "cleartext")) o << " <span class=\"warn\">cleartext</span>";
        else if (flag(*h, "cleartext_permitted")) o << " <span class=\"warn\">cleartext permitted</span>";
        if (flag(*h, "pinned")) o << " <span class=\"ok\">pinned</span>";
        o << "<br>";
        size_t shown = 0;
        const auto& eps = endpoints_of[str(*h, "host")];
        for (const auto& v : eps) {
          if (v == str(*h, "host")) continue;
          if (shown++ == 5) {
            o << "<span class=\"muted\">… " << eps.size() - 5 << " more</span><br>";
            break;
          }
          o << "<span class=\"muted\">&nbsp;&nbsp;<code>" << e(v) << "</code></span><br>";
        }
      }
      o << "</td><td>";
      for (const auto& t : g.trackers) o << e(t) << "<br>";
      o << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  std::vector<const Json*> cleartext;
  for (const auto& ep : arr(strings, "endpoints"))
    if (flag(ep, "cleartext")) cleartext.push_back(&ep);
  if (!cleartext.empty()) {
    o << "<h4>Cleartext endpoints</h4>\n<ul>\n";
    for (const Json* ep : cleartext) o << "<li><code>" << e(str(*ep, "value")) << "</code></li>\n";
    o << "</ul>\n";
  }
  const Json& trackers = arr(obj(r, "code"), "trackers");
  o << "<h4>Tracker libraries in the code</h4>\n";
  if (trackers.empty()) {
    o << "<p>None found.</p>\n";
  } else {
    o << "<table><tr><th>Tracker</th><th>Owner</th><th>Categories</th><th>Reachability</th></tr>\n";
    for (const auto& t : trackers) {
      const Json& owner = obj(t, "owner");
      o << "<tr><td>" << e(str(t, "name")) << "</td><td>" << e(str(owner, "name")) << " (" << e(str(owner, "country"))
        << ")</td><td>" << join(arr(t, "categories")) << "</td><td>" << e(str(t, "reach")) << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "</section>\n";
}

// What each library did when its initialisers and JNI_OnLoad ran under the emulator: what it
// registered for Java, looked up, asked the system, and the strings it decoded.
void native_emulation(std::ostream& o, const Json& libs) {
  bool heading = false;
  for (const auto& l : libs) {
    const Json& em = obj(l, "emulation");
    if (em.empty()) continue;
    if (!heading) o << "<h4>Native code run in an emulator (initialisers and JNI_OnLoad)</h4>\n";
    heading = true;
    o << "<p><code>" << e(str(l, "file")) << "</code>: " << e(str(em, "status"));
    for (const auto& r : arr(em, "ran")) o << "; " << e(str(r));
    if (!str(em, "detail").empty() && arr(em, "ran").empty()) o << " (" << e(str(em, "detail")) << ")";
    o << "</p>\n";
    const Json& reg = arr(em, "registered_natives");
    const Json& calls = arr(em, "calls");
    const Json& looks = arr(em, "lookups");
    const Json& decoded = arr(em, "decoded_strings");
    if (reg.empty() && calls.empty() && looks.empty() && decoded.empty()) continue;
    o << "<table><tr><th>What</th><th>Detail</th></tr>\n";
    for (const auto& x : reg)
      o << "<tr><td>registers native</td><td><code>" << e(str(x, "class")) << "." << e(str(x, "method"))
        << e(str(x, "signature")) << "</code> &rarr; <code>" << e(str(x, "function")) << "</code> at "
        << e(str(x, "address")) << "</td></tr>\n";
    for (const auto& x : looks) {
      std::string what = str(x, "class");
      if (!str(x, "name").empty()) what += "." + str(x, "name") + " " + str(x, "signature");
      o << "<tr><td>" << e(str(x, "call")) << "</td><td><code>" << e(what) << "</code></td></tr>\n";
    }
    for (const auto& x : calls) {
      std::string args;
      for (const auto& a : arr(x, "args")) args += (args.empty() ? "\"" : ", \"") + str(a) + "\"";
      o << "<tr><td>calls</td><td><code>" << e(str(x, "callee")) << "(" << e(args) << ")</code> from "
        << e(str(x, "from")) << "</td></tr>\n";
    }
    for (const auto& x : decoded)
      o << "<tr><td>decoded string</td><td><code>" << e(str(x, "value")) << "</code> ("
        << (str(x, "where") == "heap" ? std::string("on the heap") : "at " + e(str(x, "where"))) << ")</td></tr>\n";
    o << "</table>\n";
  }
}

void code_capabilities(std::ostream& o, const std::string& p, const Json& r) {
  open_section(o, p + "code", "What the code can do");
  const Json& native = obj(r, "native");
  const Json& libs = arr(native, "libraries");
  o << "<h4>Native libraries</h4>\n";
  if (libs.empty()) {
    o << "<p>None.</p>\n";
  } else {
    o << "<table><tr><th>File</th><th>ABI</th><th>Status</th><th>Capabilities</th><th>Packers</th></tr>\n";
    for (const auto& l : libs) {
      std::string caps;
      for (const auto& c : arr(l, "capabilities")) caps += (caps.empty() ? "" : ", ") + e(str(c, "name"));
      o << "<tr><td><code>" << e(str(l, "file")) << "</code></td><td>" << e(str(l, "abi")) << "</td><td>"
        << e(str(l, "status")) << "</td><td>" << caps << "</td><td>" << join(arr(l, "packers")) << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  native_emulation(o, libs);
  const Json& java_natives = arr(native, "java_natives");
  if (!java_natives.empty()) {
    o << "<h4>Java native methods and what implements them</h4>\n<table><tr><th>Method</th><th>Status</th>"
         "<th>Implemented by</th></tr>\n";
    for (const auto& m : java_natives) {
      std::string impl;
      for (const auto& i : arr(m, "implemented_by"))
        impl += (impl.empty() ? "" : "<br>") + std::string("<code>") + e(str(i, "library")) + "</code> <code>" +
                e(str(i, "function")) + "</code> (" + e(str(i, "how")) + ")";
      o << "<tr><td><code>" << e(str(m, "method")) << "</code></td><td>" << e(str(m, "status")) << "</td><td>"
        << (impl.empty() ? std::string("none in the APK") : impl) << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  const Json& java_apis = arr(native, "java_apis");
  if (!java_apis.empty()) {
    o << "<h4>Java APIs native code looks up through JNI</h4>\n<table><tr><th>API</th><th>Data</th><th>Permissions"
         "</th><th>Library</th></tr>\n";
    for (const auto& a : java_apis)
      o << "<tr><td><code>" << e(str(a, "descriptor")) << "</code></td><td>" << join(arr(a, "categories")) << "</td><td>"
        << join(arr(a, "permissions")) << "</td><td><code>" << e(str(a, "library")) << "</code></td></tr>\n";
    o << "</table>\n";
  }
  // Dynamic behaviour: code that can change what the app does after review.
  static const char* kDynamic[] = {"dynamic_code_loading", "reflection", "runtime_exec", "native_code"};
  o << "<h4>Dynamic code loading, reflection and command execution</h4>\n";
  bool any = false;
  for (const auto& use : arr(obj(r, "code"), "sensitive_api_use")) {
    std::string cat = str(use, "category");
    bool dynamic = false;
    for (const char* d : kDynamic) dynamic = dynamic || cat == d;
    if (!dynamic) continue;
    if (!any) o << "<table><tr><th>Kind</th><th>Calls</th><th>Callers (examples)</th></tr>\n";
    any = true;
    o << "<tr><td>" << e(cat) << "</td><td>" << e(str(use, "uses")) << "</td><td>";
    for (const auto& ex : arr(use, "examples"))
      o << "<code>" << e(str(ex, "caller_method")) << "</code> calls <code>" << e(str(ex, "target")) << "</code><br>";
    o << "</td></tr>\n";
  }
  o << (any ? "</table>\n" : "<p>None found.</p>\n");
  const Json& ob = obj(obj(r, "code"), "obfuscation");
  const Json& in = obj(r, "input");
  char ratio[32];
  double cr = ob.contains("class_renaming_ratio") && ob["class_renaming_ratio"].is_number()
                  ? ob["class_renaming_ratio"].get<double>()
                  : 0.0;
  std::snprintf(ratio, sizeof ratio, "%.0f%%", cr * 100);
  std::string packers = join(arr(ob, "packers"));
  std::string native_packers = join(arr(native, "packers"));
  o << "<h4>Obfuscation and packing</h4>\n<dl class=\"kv\"><dt>Renamed identifiers</dt><dd>"
    << yes_no(flag(ob, "renamed")) << " (" << ratio << " of classes)</dd><dt>String encryption suspected</dt><dd>"
    << yes_no(flag(ob, "string_encryption_suspected")) << "</dd><dt>Packers (DEX)</dt><dd>"
    << (packers.empty() ? "none" : packers) << "</dd><dt>Packers (native)</dt><dd>"
    << (native_packers.empty() ? "none" : native_packers) << "</dd><dt>Nested DEX / ELF files</dt><dd>"
    << arr(in, "nested_dex").size() << " / " << arr(in, "nested_elf").size() << "</dd></dl>\n</section>\n";
}

constexpr size_t kMaxMetaDataRows = 60;

// What can start an exported component, one line per intent filter: its actions (the common
// android.intent.action. prefix dropped) and the URIs it accepts (scheme://host:port/path); for a
// provider, its content:// authorities.
std::string intent_filters_html(const Json& component) {
  std::string out;
  for (const auto& f : arr(component, "intent_filters")) {
    std::string actions;
    for (const auto& a : arr(f, "actions")) {
      std::string name = str(a);
      if (name.rfind("android.intent.action.", 0) == 0) name = name.substr(22);
      actions += (actions.empty() ? "" : ", ") + e(name);
    }
    std::string uris;
    for (const auto& d : arr(f, "data")) {
      std::string uri = str(d, "scheme");
      if (!str(d, "host").empty()) uri += (uri.empty() ? "" : "://") + str(d, "host");
      if (!str(d, "port").empty()) uri += ":" + str(d, "port");
      for (const char* path : {"path", "path_prefix", "path_pattern"}) uri += str(d, path);
      if (!str(d, "mime_type").empty()) uri += (uri.empty() ? "" : " ") + std::string("type ") + str(d, "mime_type");
      if (!uri.empty()) uris += (uris.empty() ? "" : ", ") + std::string("<code>") + e(uri) + "</code>";
    }
    if (actions.empty() && uris.empty()) continue;
    out += (out.empty() ? "" : "<br>") + actions + (uris.empty() ? "" : (actions.empty() ? "" : ": ") + uris);
  }
  for (const auto& authority : arr(component, "authorities"))  // a provider is reached by its URIs
    out += (out.empty() ? "" : "<br>") + std::string("<code>content://") + e(str(authority)) + "/</code>";
  return out.empty() ? "—" : out;
}

void hygiene(std::ostream& o, const std::string& p, const Json& r) {
  open_section(o, p + "hygiene", "Platform hygiene");
  const Json& sig = obj(r, "signing");
  const Json& app = obj(obj(r, "manifest"), "application");
  const Json& nsc = obj(r, "network_security");
  o << "<h4>Signing</h4>\n<dl class=\"kv\"><dt>Verified</dt><dd>"
    << (flag(sig, "verified") ? "yes" : "<span class=\"warn\">no</span>") << "</dd><dt>Schemes verified</dt><dd>"
    << join(arr(sig, "schemes_verified")) << "</dd></dl>\n";
  const Json& certs = arr(sig, "signer_certificates");
  if (!certs.empty()) {
    o << "<table><tr><th>Signer subject</th><th>Certificate SHA-256</th><th>Key</th><th>Debug key</th></tr>\n";
    for (const auto& c : certs)
      o << "<tr><td>" << e(str(c, "subject")) << "</td><td><code>" << e(str(c, "sha256")) << "</code></td><td>"
        << e(str(c, "key_algorithm")) << " " << e(str(c, "key_bits")) << "</td><td>"
        << (flag(c, "android_debug") ? "<span class=\"warn\">yes</span>" : "no") << "</td></tr>\n";
    o << "</table>\n";
  }
  auto warn_if = [](bool b) { return b ? std::string("<span class=\"warn\">yes</span>") : std::string("no"); };
  o << "<h4>Manifest</h4>\n<dl class=\"kv\"><dt>Debuggable</dt><dd>" << warn_if(flag(app, "debuggable"))
    << "</dd><dt>Backup allowed</dt><dd>" << warn_if(flag(app, "allow_backup"))
    << "</dd><dt>Cleartext traffic (manifest)</dt><dd>" << warn_if(flag(app, "uses_cleartext_traffic"))
    << "</dd></dl>\n";
  std::vector<const Json*> exported;
  for (const auto& c : arr(obj(r, "manifest"), "components"))
    if (flag(c, "exported")) exported.push_back(&c);
  o << "<h4>Exported components</h4>\n";
  if (exported.empty()) {
    o << "<p>None.</p>\n";
  } else {
    o << "<table><tr><th>Kind</th><th>Name</th><th>Label</th><th>Why exported</th><th>Permission</th>"
         "<th>Opened by</th></tr>\n";
    for (const Json* c : exported) {
      std::string perm = str(*c, "permission");
      std::string label = str(*c, "label_resolved");
      if (label.empty()) label = str(*c, "label");
      o << "<tr><td>" << e(str(*c, "kind")) << "</td><td><code>" << e(str(*c, "name")) << "</code></td><td>"
        << e(label) << "</td><td>" << e(str(*c, "exported_reason")) << "</td><td>"
        << (perm.empty() ? "<span class=\"warn\">none</span>" : "<code>" + e(perm) + "</code>") << "</td><td>"
        << intent_filters_html(*c) << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  // Configuration the app ships for its SDKs (API keys, app ids, feature switches): names third
  // parties and sometimes their credentials.
  const Json& meta = arr(obj(r, "manifest"), "meta_data");
  o << "<h4>Application meta-data</h4>\n";
  if (meta.empty()) {
    o << "<p>None.</p>\n";
  } else {
    o << "<table><tr><th>Name</th><th>Value</th></tr>\n";
    size_t shown = 0;
    for (const auto& m : meta) {
      if (shown++ == kMaxMetaDataRows) {
        o << "<tr><td colspan=\"2\" class=\"muted\">… " << meta.size() - kMaxMetaDataRows << " more (in the JSON report)</td></tr>\n";
        break;
      }
      std::string value = str(m, "value");
      if (value.empty()) value = str(m, "resource");
      o << "<tr><td><code>" << e(str(m, "name")) << "</code></td><td><code>" << e(value) << "</code></td></tr>\n";
    }
    o << "</table>\n";
  }
  std::string cleartext_domains;
  for (const auto& d : arr(nsc, "cleartext_domains"))
    cleartext_domains += (cleartext_domains.empty() ? "" : ", ") + e(str(d, "name"));
  o << "<h4>Network security configuration</h4>\n<dl class=\"kv\"><dt>Config</dt><dd>"
    << (str(nsc, "config_resource").empty() && str(app, "network_security_config_path").empty()
            ? std::string("none")
            : "<code>" + e(str(app, "network_security_config_path")) + "</code>")
    << "</dd><dt>Cleartext permitted globally</dt><dd>" << warn_if(flag(nsc, "cleartext_permitted_globally"))
    << "</dd><dt>Cleartext domains</dt><dd>" << (cleartext_domains.empty() ? "none" : cleartext_domains)
    << "</dd><dt>User-installed CAs trusted</dt><dd>"
    << (flag(nsc, "user_ca_trusted") ? std::string("<span class=\"warn\">yes</span>")
        : flag(nsc, "user_ca_trusted_debug_only")
            ? std::string(flag(nsc, "debug_overrides_apply")
                              ? "<span class=\"warn\">in debug builds, and this build is debuggable</span>"
                              : "in debug builds only")
            : std::string("no"))
    << "</dd><dt>Certificate pins</dt><dd>" << arr(nsc, "pins").size()
    << (flag(nsc, "has_expired_pins") ? " <span class=\"warn\">(some expired)</span>" : "") << "</dd></dl>\n</section>\n";
}

// Dynamic evidence (apkvet traffic): which planted device identifiers were seen leaving the test
// device, grouped by the host that received them, then every leak with its flow and packet.
void observed_traffic(std::ostream& o, const std::string& p, const Json& r) {
  const Json& t = obj(r, "traffic");
  if (t.empty()) return;
  open_section(o, p + "traffic", "Observed traffic: identifiers that left the test device");
  const Json& leaks = arr(t, "leaks");
  o << "<p>" << leaks.size() << " leak(s) of " << arr(t, "identifiers_leaked").size()
    << " planted identifier type(s) to " << arr(t, "hosts_receiving").size() << " host(s), in "
    << arr(t, "captures").size() << " capture(s).";
  if (!flag(t, "app_correlated")) o << " <span class=\"muted\">Not correlated with an APK (use --apk).</span>";
  o << "</p>\n";
  // How much of the TLS the captures hold was read: "no identifier found" means little for TLS that
  // stayed closed.
  uint64_t hellos = 0, sessions = 0, decrypted = 0, quic = 0, quic_unread = 0;
  for (const auto& c : arr(t, "captures")) {
    hellos += c.value("tls_client_hellos", uint64_t(0));
    sessions += c.value("tls_sessions", uint64_t(0));
    decrypted += c.value("tls_sessions_decrypted", uint64_t(0));
    quic += c.value("quic_connections", uint64_t(0));
    quic_unread += c.value("quic_connections_not_read", uint64_t(0));
  }
  if (sessions > 0)
    o << "<p>TLS: " << decrypted << " of " << sessions << " connection(s) decrypted with the device's key log"
      << (decrypted < sessions ? "; the others were read only as far as their SNI." : ".") << "</p>\n";
  else if (hellos > 0)
    o << "<p class=\"warn\">" << hellos << " TLS connection(s) were not read inside (no key log): only their server "
      << "names were checked. Identifiers sent inside TLS are not visible here; capture the device's TLS secrets "
         "(SSLKEYLOGFILE) and pass them with --tls-keylog.</p>\n";
  if (quic_unread > 0)
    o << "<p class=\"warn\">" << quic_unread << " of " << quic << " QUIC connection(s) were read only as far as their "
      << "server names (no secrets for them in the key log); pass the device's key log, or block UDP port 443 on the "
         "test network so that apps fall back to TLS over TCP.</p>\n";
  else if (quic > 0)
    o << "<p>QUIC: " << quic << " connection(s) decrypted with the device's key log (HTTP/3 read).</p>\n";
  if (leaks.empty()) {
    // Only an all-clear when everything captured was read: TLS or QUIC left closed may hold leaks.
    if ((hellos > 0 && decrypted == 0) || quic_unread > 0)
      o << "<p class=\"warn\">No planted identifier was found in the traffic that could be read; the encrypted "
           "traffic above was not checked.</p>\n</section>\n";
    else
      o << "<p class=\"ok\">No planted identifier was found in the captured traffic.</p>\n</section>\n";
    return;
  }
  struct HostRow {
    const Json* first = nullptr;
    std::set<std::string> identifiers, encodings;
    bool cleartext = false, side_channel = false;
  };
  std::map<std::string, HostRow> by_host;
  for (const auto& l : leaks) {
    HostRow& h = by_host[str(l, "host").empty() ? str(l, "ip") : str(l, "host")];
    if (!h.first) h.first = &l;
    h.identifiers.insert(str(l, "identifier"));
    h.encodings.insert(str(l, "encoding"));
    h.cleartext |= flag(l, "cleartext");
    h.side_channel |= flag(l, "side_channel");
  }
  auto joined = [](const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + e(i);
    return out;
  };
  o << "<h4>By receiving host</h4>\n<table><tr><th>Host</th><th>Owner</th><th>Jurisdiction</th><th>Party</th>"
       "<th>Identifiers</th><th>Encodings</th><th>Transport</th></tr>\n";
  for (const auto& [host, h] : by_host) {
    const Json& l = *h.first;
    o << "<tr><td><code>" << e(host) << "</code></td><td>" << e(str(l, "owner_name").empty() ? str(l, "owner") : str(l, "owner_name"))
      << "</td><td>" << e(str(l, "jurisdiction")) << " <span class=\"muted\">" << join(arr(l, "jurisdiction_groups"))
      << "</span></td><td>" << e(str(l, "party")) << "</td><td>" << joined(h.identifiers)
      << (h.side_channel ? " <span class=\"warn\">possible side channel</span>" : "") << "</td><td>"
      << joined(h.encodings) << "</td><td>" << (h.cleartext ? "<span class=\"warn\">cleartext</span>" : "TLS")
      << "</td></tr>\n";
  }
  o << "</table>\n<h4>Every leak</h4>\n<table><tr><th>Identifier</th><th>Encoding</th><th>Host</th><th>Where</th>"
       "<th>Flow</th><th>Capture, packet, time</th></tr>\n";
  size_t shown = 0;
  for (const auto& l : leaks) {
    if (shown++ == 500) {
      o << "<tr><td colspan=\"6\">… " << leaks.size() - 500 << " more in the JSON report</td></tr>\n";
      break;
    }
    o << "<tr><td>" << e(str(l, "identifier")) << "</td><td>" << e(str(l, "encoding")) << "</td><td><code>"
      << e(str(l, "host")) << "</code></td><td>" << e(str(l, "location"))
      << (str(l, "field").empty() ? "" : " <code>" + e(str(l, "field")) + "</code>") << "</td><td><code>"
      << e(str(l, "flow")) << "</code></td><td>" << e(str(l, "capture")) << " #" << e(str(l, "packet")) << " "
      << e(str(l, "time")) << "</td></tr>\n";
  }
  o << "</table>\n</section>\n";
}

void findings(std::ostream& o, const std::string& p, const Json& j) {
  open_section(o, p + "findings", "Findings");
  const Json& fs = arr(j, "findings");
  if (fs.empty()) {
    o << "<p>No rule fired.</p>\n</section>\n";
    return;
  }
  o << "<table><tr><th>Severity</th><th>Rule</th><th>Title</th><th>Axis</th><th>Evidence</th></tr>\n";
  size_t n = 0;
  for (const auto& f : fs) {
    std::string sev = str(f, "severity");
    o << "<tr><td class=\"sev sev-" << e(sev) << "\">" << e(sev) << "</td><td><code>" << e(str(f, "rule"))
      << "</code></td><td>" << e(str(f, "title"));
    if (f.contains("waiver"))
      o << " <span class=\"muted\">[waived until " << e(str(f["waiver"], "expires")) << "]</span>";
    o << "</td><td>" << e(str(f, "axis")) << "</td><td><a href=\"#" << p << "ev-" << n++ << "\">"
      << e(str(f, "evidence_total")) << " item(s)</a></td></tr>\n";
  }
  o << "</table>\n</section>\n";
}

void evidence_item(std::ostream& o, const Json& ev) {
  o << "<code>" << e(str(ev, "file")) << "</code>";
  if (!str(ev, "location").empty()) o << " at <code>" << e(str(ev, "location")) << "</code>";
  if (!str(ev, "value").empty()) o << ": <code>" << e(str(ev, "value")) << "</code>";
}

void appendix(std::ostream& o, const std::string& p, const Json& r, const Json& j) {
  open_section(o, p + "evidence", "Evidence appendix");
  o << "<p class=\"muted\">Every finding's evidence: the file inside the APK, then the class and method or offset "
       "where it was found.</p>\n";
  size_t n = 0;
  for (const auto& f : arr(j, "findings")) {
    o << "<h4 id=\"" << p << "ev-" << n++ << "\">" << e(str(f, "rule")) << ": " << e(str(f, "title")) << "</h4>\n<p>"
      << e(str(f, "rationale")) << "</p>\n";
    if (!arr(f, "references").empty()) o << "<p class=\"muted\">References: " << join(arr(f, "references")) << "</p>\n";
    o << "<ul>\n";
    for (const auto& c : arr(f, "evidence")) {
      o << "<li><code>" << e(str(c, "path")) << "</code> = <code>" << e(str(c, "value")) << "</code>";
      const Json& ev = c.contains("evidence") ? c["evidence"] : empty_object();
      if (ev.is_object() && !ev.empty()) {
        o << "<br>";
        evidence_item(o, ev);
      } else if (ev.is_array()) {
        for (const auto& item : ev) {
          o << "<br>";
          evidence_item(o, item);
        }
      }
      o << "</li>\n";
    }
    size_t total = f.contains("evidence_total") && f["evidence_total"].is_number() ? f["evidence_total"].get<size_t>() : 0;
    if (total > arr(f, "evidence").size())
      o << "<li class=\"muted\">… " << total - arr(f, "evidence").size() << " more (see the JSON report)</li>\n";
    o << "</ul>\n";
  }
  const Json& anomalies = arr(r, "anomalies");
  if (!anomalies.empty()) {
    o << "<h4>Parser anomalies</h4>\n<table><tr><th>Severity</th><th>Id</th><th>Message</th><th>Where</th></tr>\n";
    for (const auto& a : anomalies) {
      o << "<tr><td>" << e(str(a, "severity")) << "</td><td><code>" << e(str(a, "id")) << "</code></td><td>"
        << e(str(a, "message")) << "</td><td>";
      evidence_item(o, obj(a, "evidence"));
      o << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "</section>\n";
}

void document_start(std::ostream& o, const std::string& title) {
  // The CSP is belt and braces: the document has no script and loads nothing, and says so.
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
    << e(title) << "</title>\n<style>\n" << kStyle << "\n</style>\n</head>\n<body>\n";
}

}  // namespace

std::string html_report(const Json& report) {
  std::ostringstream o;
  const Json& results = arr(report, "results");
  std::string title = "apkvet app review";
  if (results.size() == 1) title += ": " + str(obj(results[0], "manifest"), "package");
  document_start(o, title);
  o << "<header class=\"doc\"><h1>App security review</h1><p>apkvet " << e(str(obj(report, "tool"), "version"))
    << " · scan date " << e(str(report, "scan_date")) << " · rules " << e(str(report, "rules_version"));
  if (!str(report, "policy").empty()) o << " · policy " << e(str(report, "policy"));
  o << " · " << results.size() << " app(s)</p></header>\n";
  size_t n = 0;
  for (const auto& r : results) {
    std::string p = "a" + std::to_string(++n) + "-";  // ids stay unique with several apps in one file
    o << "<article class=\"app\" id=\"app-" << n << "\">\n";
    if (str(r, "status") != "ok") {
      o << "<h2>" << e(str(obj(r, "input"), "path")) << "</h2>\n<p class=\"error\">Could not be analysed: "
        << e(str(r, "error")) << "</p>\n</article>\n";
      continue;
    }
    const Json& j = obj(r, "judgement");
    identity(o, r);
    verdict(o, p, j);
    scores(o, p, j);
    data_reached(o, p, r);
    egress(o, p, r);
    code_capabilities(o, p, r);
    hygiene(o, p, r);
    observed_traffic(o, p, r);
    findings(o, p, j);
    appendix(o, p, r, j);
    o << "</article>\n";
  }
  o << "</body>\n</html>\n";
  return o.str();
}

std::string html_diff(const Json& d) {
  std::ostringstream o;
  const Json& old_app = obj(d, "old");
  const Json& new_app = obj(d, "new");
  document_start(o, "apkvet diff: " + str(new_app, "package"));
  o << "<header class=\"doc\"><h1>What changed between two versions</h1><p>" << e(str(old_app, "package")) << " "
    << e(str(old_app, "version")) << " → " << e(str(new_app, "package")) << " " << e(str(new_app, "version"))
    << "</p></header>\n<article class=\"app\">\n";
  if (!flag(d, "changed")) {
    o << "<p>No change.</p>\n";
  }
  if (d.contains("signer_changed")) {
    const Json& s = d["signer_changed"];
    o << "<section id=\"signer\"><h3 class=\"warn\">Signer certificate changed</h3>\n<p class=\"warn\">The new version "
         "is signed with a different key. Android refuses it as an update unless the old key rotated to the new "
         "one; a changed signer can mean a different publisher or a repackaged app.</p>\n<p>Old: "
      << join(arr(s, "old")) << "<br>New: " << join(arr(s, "new")) << "</p></section>\n";
  }
  if (d.contains("verdict"))
    o << "<section id=\"verdict\"><h3>Verdict</h3><p>" << e(str(d["verdict"], "old")) << " → <strong>"
      << e(str(d["verdict"], "new")) << "</strong></p></section>\n";
  if (d.contains("scores")) {
    o << "<section id=\"scores\"><h3>Risk scores</h3><table><tr><th>Axis</th><th>Old</th><th>New</th><th>Change</th></tr>\n";
    for (const auto& [axis, s] : d["scores"].items())
      o << "<tr><td>" << e(axis) << "</td><td>" << e(str(s, "old")) << "</td><td>" << e(str(s, "new")) << "</td><td>"
        << e(str(s, "delta")) << "</td></tr>\n";
    o << "</table></section>\n";
  }
  static const std::pair<const char*, const char*> kLists[] = {
      {"permissions", "Permissions"}, {"data_categories", "Data categories reached"}, {"endpoints", "Endpoints"},
      {"owners", "Endpoint owners"},   {"jurisdictions", "Jurisdictions"},          {"trackers", "Trackers"},
      {"findings", "Findings"}};
  for (const auto& [key, title] : kLists) {
    if (!d.contains(key)) continue;
    o << "<section id=\"" << key << "\"><h3>" << title << "</h3>\n";
    for (const char* side : {"added", "removed"}) {
      const Json& items = arr(d[key], side);
      if (items.empty()) continue;
      o << "<h4>" << (side[0] == 'a' ? "Added" : "Removed") << "</h4><ul>\n";
      for (const auto& item : items) {
        if (item.is_object()) {
          std::string name = str(item, "name");
          if (name.empty()) name = str(item, "rule") + " " + str(item, "title");
          o << "<li>" << e(name);
          if (!str(item, "severity").empty()) o << " <span class=\"sev sev-" << e(str(item, "severity")) << "\">"
                                                << e(str(item, "severity")) << "</span>";
          if (flag(item, "dangerous")) o << " <span class=\"warn\">dangerous</span>";
          o << "</li>\n";
        } else {
          o << "<li><code>" << e(str(item)) << "</code></li>\n";
        }
      }
      o << "</ul>\n";
    }
    o << "</section>\n";
  }
  o << "</article>\n</body>\n</html>\n";
  return o.str();
}

}  // namespace apkvet
