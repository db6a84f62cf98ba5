#include "catalogue/dashboard.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "report/app_diff.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "version.h"

namespace apkvet::catalogue {

namespace fs = std::filesystem;

std::string csv_field(const std::string& s) {
  std::string v = s;
  // Spreadsheet formula injection: an app label like "=HYPERLINK(...)" must stay text.
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {

const char* kAxes[] = {"data_access", "egress", "code_integrity", "hygiene"};

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

const Json* child(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// The dashboard's per-app summary, read from the stored report (the same facts every renderer reads).
void derive(CatalogueApp& app, const Json& report) {
  if (const Json* j = child(report, "judgement")) {
    if (const Json* reasons = child(*j, "reasons"); reasons && reasons->is_array())
      for (const auto& r : *reasons)
        if (r.is_object()) add_unique(app.top_reasons, r.value("reason", ""));
    if (const Json* findings = child(*j, "findings"); findings && findings->is_array())
      for (const auto& f : *findings) {
        if (app.top_reasons.size() >= 3) break;
        if (f.is_object() && f.value("severity", "") != "info") add_unique(app.top_reasons, f.value("title", ""));
      }
  }
  if (app.top_reasons.size() > 3) app.top_reasons.resize(3);
  if (const Json* m = child(report, "manifest")) {
    if (const Json* label = child(*m, "label"); label && label->is_string()) app.label = label->get<std::string>();
  }
  if (const Json* code = child(report, "code")) {
    if (const Json* t = child(*code, "trackers"); t && t->is_array())
      for (const auto& tr : *t)
        if (tr.is_object()) add_unique(app.trackers, tr.value("name", ""));
    // A data category is reached when the app holds a dangerous permission group that grants it.
    if (const Json* p = child(*code, "permissions"))
      if (const Json* groups = child(*p, "dangerous_groups"); groups && groups->is_array())
        for (const auto& g : *groups)
          if (const Json* cats = child(g, "categories"); cats && cats->is_array())
            for (const auto& c : *cats)
              if (c.is_string()) add_unique(app.data_categories, c.get<std::string>());
  }
  if (const Json* strings = child(report, "strings"))
    if (const Json* hosts = child(*strings, "hosts"); hosts && hosts->is_array())
      for (const auto& h : *hosts)
        if (const Json* jur = child(h, "jurisdiction"); jur && jur->is_string()) add_unique(app.jurisdictions, jur->get<std::string>());
  for (auto* v : {&app.trackers, &app.data_categories, &app.jurisdictions}) std::sort(v->begin(), v->end());
}

long long version_number(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }

std::vector<std::string> split_signers(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

// Our own comparison of two versions: what the catalogue needs even without report/app_diff.h.
Json own_diff(const CatalogueApp& old_app, const CatalogueApp& new_app) {
  auto side = [](const CatalogueApp& a) {
    return Json{{"package", a.row.package}, {"version", a.row.version_name.empty() ? a.row.version_code : a.row.version_name},
                {"verdict", a.row.verdict}};
  };
  Json d{{"old", side(old_app)}, {"new", side(new_app)}, {"changed", false}};
  if (old_app.row.verdict != new_app.row.verdict) {
    d["verdict"] = Json{{"old", old_app.row.verdict}, {"new", new_app.row.verdict}};
    d["changed"] = true;
  }
  if (old_app.row.signer_sha256 != new_app.row.signer_sha256) {
    d["signer_changed"] = Json{{"old", split_signers(old_app.row.signer_sha256)},
                               {"new", split_signers(new_app.row.signer_sha256)}, {"grave", true}};
    d["changed"] = true;
  }
  return d;
}

}  // namespace

Catalogue load_catalogue(Store& store, const ReportVisitor& visit) {
  Catalogue cat;
  std::map<std::string, std::vector<std::string>> paths;
  for (auto& p : store.paths()) paths[p.sha256].push_back(p.path);
  // The rows without their reports: each report is read and parsed once, below, and let go.
  for (auto& row : store.results(false)) {
    CatalogueApp app;
    app.paths = paths[row.sha256];
    app.row = std::move(row);
    (app.row.status == "ok" ? cat.apps : cat.failures).push_back(std::move(app));
  }
  std::sort(cat.apps.begin(), cat.apps.end(), [](const CatalogueApp& a, const CatalogueApp& b) {
    if (a.row.package != b.row.package) return a.row.package < b.row.package;
    long long va = version_number(a.row.version_code), vb = version_number(b.row.version_code);
    if (va != vb) return va < vb;
    if (a.row.signer_sha256 != b.row.signer_sha256) return a.row.signer_sha256 < b.row.signer_sha256;
    return a.row.sha256 < b.row.sha256;
  });
  // Each version of a package is compared with the one stored before it (any signer): a signer change
  // between versions is exactly what a review must not miss. Apps without a package are not chained.
  // In this order each report is parsed once, for what the dashboard shows of it and for the diffs
  // to the versions before and after it.
  Json previous;  // the report of the app before this one
  for (size_t i = 0; i < cat.apps.size(); ++i) {
    CatalogueApp& cur = cat.apps[i];
    const std::string report_json = store.report_json(cur.row.sha256);
    Json report = Json::parse(report_json, nullptr, false);
    if (!report.is_discarded()) derive(cur, report);
    if (i > 0 && !cur.row.package.empty() && cur.row.package == cat.apps[i - 1].row.package) {
      const CatalogueApp& prev = cat.apps[i - 1];
      cur.previous_sha256 = prev.row.sha256;
      Json d = own_diff(prev, cur);
      Json full = diff_app_reports(previous, report);
      if (full.is_object()) {
        for (auto& [k, v] : d.items())
          if (!full.contains(k) || (k == "changed" && v == true)) full[k] = v;
        d = std::move(full);
      }
      cur.diff = std::move(d);
    }
    if (visit) visit(cur, report_json, report);
    previous = std::move(report);
  }
  std::map<std::string, std::set<std::string>> signers_of;
  for (const auto& a : cat.apps)
    if (!a.row.package.empty()) signers_of[a.row.package].insert(a.row.signer_sha256);
  for (auto& a : cat.apps) a.signer_changed = !a.row.package.empty() && signers_of[a.row.package].size() > 1;
  // Shown grouped by package + signer (what an allowlist entry is), versions in order within a group.
  std::stable_sort(cat.apps.begin(), cat.apps.end(), [](const CatalogueApp& a, const CatalogueApp& b) {
    if (a.row.package != b.row.package) return a.row.package < b.row.package;
    return a.row.signer_sha256 < b.row.signer_sha256;
  });
  cat.input_errors = store.input_errors();
  return cat;
}

namespace {

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string short_hash(const std::string& s) { return s.size() > 16 ? s.substr(0, 16) + "…" : s; }

// Horizontal bar chart as inline SVG; labels are app data, so escaped.
std::string svg_bars(const std::string& title, std::vector<std::pair<std::string, size_t>> data, size_t limit) {
  std::stable_sort(data.begin(), data.end(), [](auto& a, auto& b) { return a.second > b.second; });
  if (data.size() > limit) data.resize(limit);
  size_t max = 1;
  for (auto& d : data) max = std::max(max, d.second);
  const int row = 22, label_w = 190, bar_w = 220;
  int height = int(data.size()) * row + 30;
  std::ostringstream o;
  o << "<figure class=\"chart\"><figcaption>" << html_escape(title) << "</figcaption>";
  if (data.empty()) return o.str() + "<p class=\"none\">none</p></figure>";
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label_w + bar_w + 50 << "\" height=\"" << height
    << "\" role=\"img\" aria-label=\"" << html_escape(title) << "\">";
  for (size_t i = 0; i < data.size(); ++i) {
    int y = int(i) * row + 4;
    int w = int(double(bar_w) * double(data[i].second) / double(max));
    std::string label = data[i].first.size() > 28 ? data[i].first.substr(0, 27) + "…" : data[i].first;
    std::string cls = data[i].first == "reject" ? "bar reject" : data[i].first == "review" ? "bar review"
                      : data[i].first == "approve" ? "bar approve" : "bar";
    o << "<text x=\"" << label_w - 6 << "\" y=\"" << y + 14 << "\" text-anchor=\"end\">" << html_escape(label)
      << "</text><rect class=\"" << cls << "\" x=\"" << label_w << "\" y=\"" << y << "\" width=\"" << std::max(w, 1)
      << "\" height=\"" << row - 6 << "\"><title>" << html_escape(data[i].first) << ": " << data[i].second
      << "</title></rect><text x=\"" << label_w + w + 6 << "\" y=\"" << y + 14 << "\">" << data[i].second << "</text>";
  }
  o << "</svg></figure>";
  return o.str();
}

std::vector<std::pair<std::string, size_t>> count(const std::vector<CatalogueApp>& apps,
                                                  std::vector<std::string> CatalogueApp::*field) {
  std::map<std::string, size_t> n;
  for (const auto& a : apps)
    for (const auto& v : a.*field) ++n[v];
  return {n.begin(), n.end()};
}

std::string diff_summary(const CatalogueApp& a) {
  if (a.diff.is_null()) return "";
  std::vector<std::string> parts;
  if (a.diff.contains("signer_changed")) parts.push_back("SIGNER CHANGED");
  if (const Json* v = child(a.diff, "verdict")) parts.push_back("verdict " + v->value("old", "") + " → " + v->value("new", ""));
  for (const char* k : {"permissions", "endpoints", "trackers", "data_categories"})
    if (const Json* c = child(a.diff, k)) {
      size_t added = c->contains("added") ? (*c)["added"].size() : 0, removed = c->contains("removed") ? (*c)["removed"].size() : 0;
      if (added || removed) parts.push_back(std::string(k) + " +" + std::to_string(added) + "/−" + std::to_string(removed));
    }
  std::string old_version;
  if (const Json* o = child(a.diff, "old")) old_version = o->value("version", "");
  return "vs " + old_version + (parts.empty() ? ": no change in verdict or signer" : ": " + join(parts, "; "));
}

const char* kStyle = R"css(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:1.6em}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}
.chart{margin:0} .chart figcaption{font-weight:600;margin-bottom:.3em}
.chart text{font-size:12px;fill:#333} .bar{fill:#5b7fb3} .bar.approve{fill:#3a8a4a} .bar.review{fill:#c89211} .bar.reject{fill:#b83232}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f2f2f2;position:sticky;top:0} th.sorted-asc::after{content:" ▲"} th.sorted-desc::after{content:" ▼"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict-approve{color:#2d6e3a;font-weight:600} .verdict-review{color:#946b00;font-weight:600} .verdict-reject{color:#a02020;font-weight:600}
.flag{color:#a02020;font-weight:700} .hash{font-family:monospace;font-size:12px} .small{font-size:12px;color:#555}
#filters{margin:.8em 0} #filters input{width:22em}
)css";

// Sorting and filtering over the rows already in the page (no data is injected into the script).
const char* kScript = R"js(
(function(){
  var table=document.getElementById('apps'), body=table.tBodies[0];
  var rows=Array.prototype.slice.call(body.rows);
  var text=document.getElementById('filter-text'), verdict=document.getElementById('filter-verdict');
  function apply(){
    var q=text.value.toLowerCase(), v=verdict.value, shown=0;
    rows.forEach(function(r){
      var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(!v||r.getAttribute('data-verdict')===v);
      r.hidden=!ok; if(ok)shown++;
    });
    document.getElementById('shown').textContent=shown;
  }
  text.addEventListener('input',apply); verdict.addEventListener('change',apply);
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('sorted-asc'), numeric=th.getAttribute('data-type')==='num';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(h){h.classList.remove('sorted-asc','sorted-desc');});
      th.classList.add(asc?'sorted-asc':'sorted-desc');
      rows.sort(function(a,b){
        var x=a.cells[col].getAttribute('data-sort')||a.cells[col].textContent;
        var y=b.cells[col].getAttribute('data-sort')||b.cells[col].textContent;
        var c=numeric?(parseFloat(x)-parseFloat(y)):x.localeCompare(y);
        return asc?c:-c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  apply();
  document.body.setAttribute('data-rows',String(rows.length));
})();
)js";

}  // namespace

ReportFiles write_catalogue_report(Store& store, const std::string& out_dir) {
  fs::create_directories(fs::path(out_dir) / "apps");
  ReportFiles files;
  // Per-app pages: the stored report as JSON, and as HTML (with the diff to the previous version).
  auto write_app_pages = [&](CatalogueApp& a, const std::string& report_json, Json& report) {
    write_file(fs::path(out_dir) / "apps" / (a.row.sha256 + ".json"), report_json + "\n");
    a.report_link = "apps/" + a.row.sha256 + ".json";
    if (!report.is_discarded()) {
      Json scan{{"schema", kScanSchema}, {"schema_version", kScanSchemaVersion},
                {"tool", Json{{"name", "apkvet"}, {"version", a.row.key.analyzer_version}}},
                {"scan_date", a.row.analysed_at.substr(0, 10)}, {"rules_version", a.row.key.rules_version},
                {"results", Json::array()}};
      if (!a.row.policy.empty()) scan["policy"] = a.row.policy;
      // Lent to the page and given back, not copied: the next version's diff needs it.
      scan["results"].push_back(std::move(report));
      write_file(fs::path(out_dir) / "apps" / (a.row.sha256 + ".html"), html_report(scan));
      report = std::move(scan["results"][0]);
      a.report_link = "apps/" + a.row.sha256 + ".html";
      if (!a.diff.is_null())
        write_file(fs::path(out_dir) / "apps" / (a.row.sha256 + ".diff.html"), html_diff(a.diff));
    }
    ++files.app_pages;
  };
  const Catalogue cat = load_catalogue(store, write_app_pages);
  const std::vector<CatalogueApp>& apps = cat.apps;
  files.apps = cat.apps.size();
  files.failures = cat.failures.size();

  // apps.csv and apps.jsonl: one row per analysed app, failures included with their reason.
  std::ostringstream csv, jsonl;
  csv << "sha256,package,label,version_code,version_name,signer_sha256,verdict,policy,score_data_access,score_egress,"
         "score_code_integrity,score_hygiene,top_reasons,trackers,data_categories,jurisdictions,signer_changed,"
         "previous_sha256,status,reason,paths\n";
  auto emit = [&](const CatalogueApp& a) {
    const ResultRow& r = a.row;
    std::vector<std::string> f = {r.sha256, r.package, a.label, r.version_code, r.version_name, r.signer_sha256,
                                  r.verdict, r.policy};
    for (int s : r.scores) f.push_back(s < 0 ? "" : std::to_string(s));
    for (const auto* v : {&a.top_reasons, &a.trackers, &a.data_categories, &a.jurisdictions}) f.push_back(join(*v, "; "));
    f.push_back(a.signer_changed ? "yes" : "");
    f.push_back(a.previous_sha256);
    f.push_back(r.status);
    f.push_back(r.reason);
    f.push_back(join(a.paths, "; "));
    for (size_t i = 0; i < f.size(); ++i) csv << (i ? "," : "") << csv_field(f[i]);
    csv << "\n";
    Json j{{"sha256", r.sha256}, {"package", r.package}, {"label", a.label}, {"version_code", r.version_code},
           {"version_name", r.version_name}, {"signer_sha256", split_signers(r.signer_sha256)}, {"verdict", r.verdict},
           {"policy", r.policy}, {"status", r.status}, {"reason", r.reason}, {"paths", a.paths},
           {"top_reasons", a.top_reasons}, {"trackers", a.trackers}, {"data_categories", a.data_categories},
           {"jurisdictions", a.jurisdictions}, {"signer_changed", a.signer_changed},
           {"analyzer_version", r.key.analyzer_version}, {"rules_version", r.key.rules_version}};
    Json scores = Json::object();
    for (int i = 0; i < 4; ++i)
      if (r.scores[size_t(i)] >= 0) scores[kAxes[i]] = r.scores[size_t(i)];
    j["scores"] = scores;
    if (!a.previous_sha256.empty()) j["previous_sha256"] = a.previous_sha256, j["diff"] = a.diff;
    jsonl << dump_json(j, -1) << "\n";
  };
  for (const auto& a : apps) emit(a);
  for (const auto& a : cat.failures) emit(a);
  write_file(fs::path(out_dir) / "apps.csv", csv.str());
  write_file(fs::path(out_dir) / "apps.jsonl", jsonl.str());

  // Allowlist: a (package, signer certificate) pair is approved when the newest stored version signed
  // with it was approved under a policy. Without a policy nothing is approved.
  std::map<std::pair<std::string, std::string>, const CatalogueApp*> newest;
  for (const auto& a : apps)
    if (!a.row.package.empty() && !a.row.signer_sha256.empty()) newest[{a.row.package, a.row.signer_sha256}] = &a;
  Json allow = Json::array();
  std::ostringstream allow_csv;
  allow_csv << "package,signer_sha256,version_code,version_name,apk_sha256,policy,signer_changed\n";
  for (const auto& [key, a] : newest) {
    if (a->row.verdict != "approve" || a->row.policy.empty()) continue;
    for (const auto& cert : split_signers(a->row.signer_sha256)) {
      allow.push_back(Json{{"package", a->row.package}, {"signer_sha256", cert}, {"version_code", a->row.version_code},
                           {"version_name", a->row.version_name}, {"apk_sha256", a->row.sha256},
                           {"policy", a->row.policy}, {"signer_changed", a->signer_changed}});
      allow_csv << csv_field(a->row.package) << "," << cert << "," << csv_field(a->row.version_code) << ","
                << csv_field(a->row.version_name) << "," << a->row.sha256 << "," << csv_field(a->row.policy) << ","
                << (a->signer_changed ? "yes" : "") << "\n";
      ++files.approved_pairs;
    }
  }
  write_file(fs::path(out_dir) / "allowlist.json",
             dump_json(Json{{"schema", "apkvet.allowlist"}, {"schema_version", 1},
                            {"tool", Json{{"name", "apkvet"}, {"version", APKVET_VERSION}}}, {"apps", allow}}) +
                 "\n");
  write_file(fs::path(out_dir) / "allowlist.csv", allow_csv.str());

  // The dashboard.
  std::map<std::string, size_t> verdicts;
  for (const auto& a : apps) ++verdicts[a.row.verdict.empty() ? "no policy" : a.row.verdict];
  if (!cat.failures.empty()) verdicts["failed"] = cat.failures.size();
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">"
       "<title>apkvet catalogue</title><style>"
    << kStyle << "</style></head><body>\n<h1>apkvet catalogue</h1>\n<p class=\"small\">" << apps.size()
    << " apps analysed, " << cat.failures.size() << " failed, " << cat.input_errors.size()
    << " unreadable inputs; apkvet " << APKVET_VERSION << "</p>\n<div class=\"charts\">"
    << svg_bars("Verdicts", {verdicts.begin(), verdicts.end()}, 10)
    << svg_bars("Top trackers (apps)", count(apps, &CatalogueApp::trackers), 10)
    << svg_bars("Data categories reached (apps)", count(apps, &CatalogueApp::data_categories), 12)
    << svg_bars("Endpoint jurisdictions (apps)", count(apps, &CatalogueApp::jurisdictions), 12) << "</div>\n";
  h << "<h2>Apps</h2><div id=\"filters\"><input id=\"filter-text\" type=\"search\" placeholder=\"filter: package, "
       "reason, tracker…\"> <select id=\"filter-verdict\"><option value=\"\">any verdict</option><option>approve</option>"
       "<option>review</option><option>reject</option></select> <span id=\"shown\">"
    << apps.size() << "</span> shown</div>\n";
  h << "<table id=\"apps\"><thead><tr><th>Package</th><th>Version</th><th>Verdict</th><th data-type=\"num\">Data access"
       "</th><th data-type=\"num\">Egress</th><th data-type=\"num\">Code integrity</th><th data-type=\"num\">Hygiene</th>"
       "<th>Top reasons</th><th>Signer</th><th>Change from previous version</th><th>Report</th></tr></thead><tbody>\n";
  for (const auto& a : apps) {
    const ResultRow& r = a.row;
    h << "<tr data-verdict=\"" << html_escape(r.verdict) << "\"><td>" << html_escape(r.package);
    if (!a.label.empty()) h << "<br><span class=\"small\">" << html_escape(a.label) << "</span>";
    h << "</td><td data-sort=\"" << version_number(r.version_code) << "\">" << html_escape(r.version_name)
      << " <span class=\"small\">(" << html_escape(r.version_code) << ")</span></td><td class=\"verdict-"
      << html_escape(r.verdict) << "\">" << html_escape(r.verdict.empty() ? "-" : r.verdict) << "</td>";
    for (int s : r.scores) h << "<td class=\"num\" data-sort=\"" << s << "\">" << (s < 0 ? "-" : std::to_string(s)) << "</td>";
    h << "<td>";
    for (size_t i = 0; i < a.top_reasons.size(); ++i) h << (i ? "<br>" : "") << html_escape(a.top_reasons[i]);
    h << "</td><td class=\"hash\" title=\"" << html_escape(r.signer_sha256) << "\">" << (r.signer_sha256.empty() ? std::string("unsigned") : html_escape(short_hash(r.signer_sha256)));
    if (a.signer_changed) h << " <span class=\"flag\" title=\"this package is also stored with another signer\">⚠ other signer</span>";
    h << "</td><td>";
    std::string ds = diff_summary(a);
    if (a.diff.contains("signer_changed")) h << "<span class=\"flag\">" << html_escape(ds) << "</span>";
    else h << html_escape(ds);
    h << "</td><td><a href=\"" << html_escape(a.report_link) << "\">report</a>";
    if (!a.diff.is_null()) h << " · <a href=\"apps/" << html_escape(r.sha256) << ".diff.html\">diff</a>";
    h << "</td></tr>\n";
  }
  h << "</tbody></table>\n";
  if (!cat.failures.empty() || !cat.input_errors.empty()) {
    h << "<h2>Could not be analysed</h2><table id=\"failures\"><thead><tr><th>Input</th><th>SHA-256</th><th>Reason</th>"
         "</tr></thead><tbody>\n";
    for (const auto& a : cat.failures)
      h << "<tr><td>" << html_escape(join(a.paths, ", ")) << "</td><td class=\"hash\">" << html_escape(a.row.sha256)
        << "</td><td>" << html_escape(a.row.reason) << "</td></tr>\n";
    for (const auto& e : cat.input_errors)
      h << "<tr><td>" << html_escape(e.path) << "</td><td></td><td>" << html_escape(e.reason) << "</td></tr>\n";
    h << "</tbody></table>\n";
  }
  h << "<p class=\"small\">Exports: <a href=\"apps.csv\">apps.csv</a> · <a href=\"apps.jsonl\">apps.jsonl</a> · "
       "<a href=\"allowlist.json\">allowlist.json</a> · <a href=\"allowlist.csv\">allowlist.csv</a></p>\n<script>"
    << kScript << "</script></body></html>\n";
  write_file(fs::path(out_dir) / "index.html", h.str());
  return files;
}

}  // namespace apkvet::catalogue
