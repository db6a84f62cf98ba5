// apkvet catalogue report over stores of real corpus APKs: the exports agree with the store, versions
// are chained with signer changes flagged, app strings cannot inject markup, and the dashboard
// renders in a real browser (headless Debian chromium) with its script working.
#include <doctest/doctest.h>

#include <fstream>

#include <set>

#include "catalogue/dashboard.h"
#include "catalogue_support.h"
#include "report/app_diff.h"
#include "report/json_report.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string read_text(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

// Corpus files whose package is `package` (manifest.tsv), up to n, sorted.
std::vector<fs::path> corpus_package(const std::string& package, size_t n) {
  std::ifstream tsv(corpus_dir() + "/manifest.tsv");
  std::string line;
  std::getline(tsv, line);
  std::vector<fs::path> out;
  while (std::getline(tsv, line) && out.size() < n) {
    std::vector<std::string> cols;
    std::stringstream in(line);
    for (std::string c; std::getline(in, c, '\t');) cols.push_back(c);
    if (cols.size() > 12 && cols[12] == package) out.push_back(fs::path(corpus_dir()) / "apks" / cols[9]);
  }
  return out;
}

bool have_chromium() { return std::system("command -v chromium >/dev/null 2>&1") == 0; }

std::string chromium(const std::string& args) {
  TempDir tmp("chromium");
  std::string out = tmp / "out";
  std::string cmd = "timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir=" +
                    shell_quote(tmp / "profile") + " " + args + " >" + shell_quote(out) + " 2>/dev/null";
  std::system(cmd.c_str());
  return read_text(out);
}

}  // namespace

TEST_CASE("catalogue report of real APKs - exports match the store and versions are chained and signer changes flagged") {
  TempDir tmp("dashboard");
  auto apks = corpus_package("android.appsecurity.cts.tinyapp", 6);
  auto others = corpus_subset({{"benign", 2}, {"malformed", 1}});
  apks.insert(apks.end(), others.begin(), others.end());
  fs::path in = tmp.path / "in";
  link_all(apks, in);
  std::string db = tmp / "store.db";
  CommandResult b = run_apkvet("batch --db " + shell_quote(db) + " --jobs 2 --policy rules/policies/government-device.yaml " +
                               shell_quote(in.string()));
  INFO(b.err);
  std::string out = tmp / "report";
  CommandResult r = run_apkvet("catalogue report --db " + shell_quote(db) + " --out " + shell_quote(out));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  catalogue::Store store(db);
  auto results = store.results();
  size_t ok = 0;
  std::map<std::string, std::set<std::string>> signers;
  for (const auto& row : results)
    if (row.status == "ok") ++ok, signers[row.package].insert(row.signer_sha256);
  REQUIRE(ok >= 6);
  // apps.csv: a header and one row per stored result; apps.jsonl: one document per result.
  CHECK(lines_of(out + "/apps.csv").size() == results.size() + 1);
  auto jsonl = lines_of(out + "/apps.jsonl");
  REQUIRE(jsonl.size() == results.size());
  std::map<std::string, Json> by_sha;
  size_t chained = 0, full_diff_keys = 0;
  for (const auto& l : jsonl) {
    Json j = Json::parse(l);
    by_sha[j["sha256"]] = j;
  }
  for (const auto& [sha, j] : by_sha) {
    if (j["status"] != "ok") continue;
    // The flag is our own check: the package is stored under more than one signer set.
    CHECK(j["signer_changed"] == (signers[j["package"]].size() > 1));
    if (j.contains("previous_sha256")) {
      ++chained;
      REQUIRE(by_sha.count(j["previous_sha256"]) == 1);
      const Json& prev = by_sha[j["previous_sha256"]];
      CHECK(prev.value("package", "") == j["package"]);
      bool signer_differs = prev["signer_sha256"] != j["signer_sha256"];
      CHECK(j["diff"].contains("signer_changed") == signer_differs);
      // The diff holds the full diff of the two stored reports (the reports issue's), not only the
      // catalogue's own checks: each report is parsed once, and the next version's diff is taken
      // against it after its pages were written.
      Json full = diff_app_reports(Json::parse(store.report_json(prev["sha256"])), Json::parse(store.report_json(sha)));
      REQUIRE(full.is_object());
      for (const auto& [key, value] : full.items()) {
        if (key == "changed") continue;
        INFO("diff key " << key << " of " << sha);
        CHECK(j["diff"].value(key, Json()) == value);
        ++full_diff_keys;
      }
    }
  }
  CHECK(chained >= 5);  // the six tinyapp variants form one chain
  CHECK(full_diff_keys > 0);  // and their reports differ in more than the catalogue's own checks
  // The tinyapp variants are signed with different keys: the dashboard must say so.
  CHECK(signers["android.appsecurity.cts.tinyapp"].size() > 1);

  // Allowlist: exactly the (package, signer) pairs whose newest version was approved under the policy.
  Json allow = Json::parse(read_text(out + "/allowlist.json"));
  CHECK(allow["schema"] == "apkvet.allowlist");
  for (const auto& e : allow["apps"]) {
    const Json& app = by_sha[e["apk_sha256"]];
    CHECK(app["verdict"] == "approve");
    CHECK(app["policy"] != "");
    auto certs = app["signer_sha256"].get<std::vector<std::string>>();
    CHECK(std::find(certs.begin(), certs.end(), e["signer_sha256"].get<std::string>()) != certs.end());
  }
  CHECK(lines_of(out + "/allowlist.csv").size() == allow["apps"].size() + 1);

  std::string html = read_text(out + "/index.html");
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("android.appsecurity.cts.tinyapp") != std::string::npos);
  for (const auto& row : results) {
    if (row.status != "ok") continue;
    CHECK(fs::exists(out + "/apps/" + row.sha256 + ".json"));
    // Each app links to its own review page, rendered from the store.
    CHECK(fs::file_size(out + "/apps/" + row.sha256 + ".html") > 1000);
    CHECK(html.find("href=\"apps/" + row.sha256 + ".html\"") != std::string::npos);
  }
  for (const auto& [sha, j] : by_sha)
    if (j.contains("previous_sha256")) CHECK(fs::exists(out + "/apps/" + sha + ".diff.html"));
  if (!have_chromium()) {
    WARN_MESSAGE(false, "SKIPPED browser check: chromium not installed (tools/install-deps.sh installs it)");
    return;
  }
  std::string dom = chromium("--dump-dom " + shell_quote("file://" + out + "/index.html"));
  // The page's own script ran over every app row (sorting and filtering work on them).
  CHECK(dom.find("data-rows=\"" + std::to_string(ok) + "\"") != std::string::npos);

  // Clicking and typing, in the browser: a copy of the page with a probe script that clicks the
  // Egress header twice, types into the filter and picks a verdict, and writes what the table then
  // shows into an attribute that --dump-dom prints.
  std::string probe_page = out + "/probe.html";
  {
    std::string page = html;
    size_t end = page.rfind("</body>");
    REQUIRE(end != std::string::npos);
    page.insert(end, R"(<script>(function(){
var t=document.getElementById('apps'),body=t.tBodies[0],th=t.tHead.rows[0].cells,out=[];
function col(i){return Array.prototype.map.call(body.rows,function(r){return r.cells[i].getAttribute('data-sort');}).join(',');}
function visible(){return Array.prototype.filter.call(body.rows,function(r){return !r.hidden;});}
th[4].click();out.push('asc='+col(4));th[4].click();out.push('desc='+col(4));
var f=document.getElementById('filter-text');f.value='TINYAPP';f.dispatchEvent(new Event('input'));
out.push('typed='+visible().length+'/'+document.getElementById('shown').textContent);
f.value='';f.dispatchEvent(new Event('input'));
var v=document.getElementById('filter-verdict');['approve','review','reject'].forEach(function(x){
v.value=x;v.dispatchEvent(new Event('change'));
out.push(x+'='+visible().map(function(r){return r.getAttribute('data-verdict');}).join(','));});
document.body.setAttribute('data-probe',out.join(';'));})();</script>)");
    std::ofstream(probe_page, std::ios::binary) << page;
  }
  std::string probed = chromium("--dump-dom " + shell_quote("file://" + probe_page));
  size_t at = probed.find("data-probe=\"");
  REQUIRE(at != std::string::npos);
  std::string probe = probed.substr(at + 12, probed.find('"', at + 12) - at - 12);
  INFO(probe);
  std::map<std::string, std::string> shown;
  for (size_t from = 0; from <= probe.size();) {
    size_t semi = std::min(probe.find(';', from), probe.size());
    std::string part = probe.substr(from, semi - from);
    shown[part.substr(0, part.find('='))] = part.substr(part.find('=') + 1);
    from = semi + 1;
  }
  // The Egress column, sorted by one click and reversed by the second: the stored scores in order.
  std::vector<int> egress;
  std::map<std::string, size_t> verdicts;
  size_t tinyapp = 0;
  for (const auto& row : results)
    if (row.status == "ok") {
      egress.push_back(row.scores[1]);
      ++verdicts[row.verdict];
      tinyapp += row.package.find("tinyapp") != std::string::npos;
    }
  std::sort(egress.begin(), egress.end());
  auto joined = [](const std::vector<int>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
    return s;
  };
  REQUIRE(egress.front() != egress.back());  // the order is visible
  CHECK(shown["asc"] == joined(egress));
  std::reverse(egress.begin(), egress.end());
  CHECK(shown["desc"] == joined(egress));
  // The filter is case-blind over each row's text; the count beside it follows.
  CHECK(shown["typed"] == std::to_string(tinyapp) + "/" + std::to_string(tinyapp));
  // Each verdict picked in the menu leaves exactly the apps with that verdict.
  REQUIRE(verdicts.size() >= 2);  // more than one verdict, or the menu would show everything
  for (const char* verdict : {"approve", "review", "reject"}) {
    std::string expect;
    for (size_t i = 0; i < verdicts[verdict]; ++i) expect += (i ? "," : "") + std::string(verdict);
    CHECK(shown[verdict] == expect);
  }
  std::string png = out + "/dashboard.png";
  chromium("--window-size=1400,1800 --screenshot=" + shell_quote(png) + " " + shell_quote("file://" + out + "/index.html"));
  REQUIRE(fs::exists(png));
  CHECK(fs::file_size(png) > 20000);
  CHECK(read_text(png).substr(1, 3) == "PNG");
}

TEST_CASE("app-controlled strings cannot inject markup or formulas into the catalogue outputs") {
  TempDir tmp("escape");
  std::string db = tmp / "store.db";
  {
    catalogue::Store store(db);
    // A report as an app could make it: package, label and version are whatever its manifest says.
    Json report = Json::parse(R"J({"status":"ok","input":{"sha256":"ab"},
      "manifest":{"package":"<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">",
                  "label":"</td></tr></table><script>document.body.setAttribute('data-pwned','2')</script>",
                  "version_code":1,"version_name":"=HYPERLINK(\"http://evil\")"},
      "signing":{"signers":[{"certificate":{"sha256":"c0ffee\"><b>x</b>"}}]},
      "code":{"trackers":[{"name":"<i>tracker</i>"}]},
      "judgement":{"verdict":"approve","policy":"p","reasons":[{"reason":"<u>reason</u>"}],"findings":[],
                   "scores":{"data_access":{"score":1},"egress":{"score":2},"code_integrity":{"score":3},"hygiene":{"score":4}}}})J");
    catalogue::ResultRow row;
    row.sha256 = std::string(64, 'a');
    row.key = {"0", "0"};
    row.status = "ok";
    row.report_json = dump_json(report, -1);
    row.analysed_at = "2026-01-01T00:00:00Z";
    catalogue::fill_from_report(row, report);
    CHECK(row.verdict == "approve");
    CHECK(row.scores[3] == 4);
    REQUIRE(store.put_result(row, {"/x/<evil>.apk"}) == "");
  }
  std::string out = tmp / "report";
  REQUIRE(run_apkvet("catalogue report --db " + shell_quote(db) + " --out " + shell_quote(out)).exit_code == 0);
  std::string html = read_text(out + "/index.html");
  CHECK(html.find("<img src=x") == std::string::npos);
  CHECK(html.find("&lt;img src=x onerror=&quot;") != std::string::npos);
  CHECK(html.find("<script>document.body") == std::string::npos);
  CHECK(html.find("<i>tracker</i>") == std::string::npos);
  CHECK(html.find("<u>reason</u>") == std::string::npos);
  CHECK(html.find("<b>x</b>") == std::string::npos);
  std::string csv = read_text(out + "/apps.csv");
  CHECK(csv.find(",\"'=HYPERLINK(\"\"http://evil\"\")\",") != std::string::npos);
  if (!have_chromium()) {
    WARN_MESSAGE(false, "SKIPPED browser check: chromium not installed");
    return;
  }
  std::string dom = chromium("--dump-dom " + shell_quote("file://" + out + "/index.html"));
  CHECK(dom.find("data-rows=\"1\"") != std::string::npos);  // the page's script ran...
  CHECK(dom.find("data-pwned=\"") == std::string::npos);     // ...and none of the app's did
}
