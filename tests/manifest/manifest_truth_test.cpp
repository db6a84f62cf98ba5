// Differential truth test: the typed manifest of every corpus APK and every built fixture against
// aapt (dump xmltree, dump badging; Debian aapt 1:10.0.0+r36) and androguard 3.4 where aapt failed.
// Disagreements must be listed, with who is right and why, in tests/manifest/known_differences.tsv.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "archive/app_package.h"
#include "axml/xmltree_printer.h"
#include "manifest/manifest_facts.h"
#include "test_support.h"
#include "version.h"

using namespace apkvet;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ResTable::normalizeForOutput, as aapt dump badging prints values.
std::string aapt_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\0') break;
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
  return out;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// A set of strings rendered as one comparable value.
std::string set_text(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::string json_text(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

struct Difference {
  std::string file, field, ours, theirs;
};

struct Known {
  std::string ours, theirs, who, why;
  bool used = false;
};

std::map<std::pair<std::string, std::string>, Known> load_known() {
  std::map<std::pair<std::string, std::string>, Known> known;
  std::ifstream in(std::string(APKVET_SOURCE_DIR) + "/tests/manifest/known_differences.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() < 6) continue;
    known[{cols[0], cols[1]}] = {cols[2], cols[3], cols[4], cols[5]};
  }
  return known;
}

class Comparison {
 public:
  explicit Comparison(std::string file) : file_(std::move(file)) {}
  void eq(const std::string& field, const std::string& ours, const std::string& theirs) {
    ++compared_;
    if (ours != theirs) diffs_.push_back({file_, field, ours, theirs});
  }
  size_t compared() const { return compared_; }
  const std::vector<Difference>& diffs() const { return diffs_; }

 private:
  std::string file_;
  size_t compared_ = 0;
  std::vector<Difference> diffs_;
};

std::string opt(const std::optional<std::string>& s) { return s ? *s : "null"; }

std::string sdk(const SdkLevel& l) {
  Json j;
  to_json(j, l);
  return json_text(j);
}

std::vector<std::string> perms(const ManifestFacts& m, std::initializer_list<const char*> tags, bool namespaced) {
  std::vector<std::string> out;
  for (const auto& p : m.uses_permissions)
    for (const char* t : tags)
      if (p.tag == t && p.namespaced_tag == namespaced) out.push_back(p.name);
  return out;
}

std::string exported_raw(const ManifestComponent& c) {
  if (c.exported_explicit) return *c.exported_explicit ? "true" : "false";
  if (c.exported_raw) return *c.exported_raw;
  return "null";
}

// Against the corpus's reduced `aapt dump xmltree` (truth/<name>.aapt-xmltree.json).
void compare_xmltree_truth(Comparison& cmp, const ManifestFacts& m, const Json& t) {
  cmp.eq("package", m.package, t.value("package", ""));
  cmp.eq("version_code", m.version_code ? std::to_string(static_cast<uint32_t>(*m.version_code)) : "null",
         t["version_code"].is_null() ? "null" : std::to_string(t["version_code"].get<int64_t>()));
  cmp.eq("version_name", opt(m.version_name), t["version_name"].is_null() ? "null" : t["version_name"].get<std::string>());
  const Json& u = t["uses_sdk"];
  cmp.eq("min_sdk", sdk(m.min_sdk_declared), json_text(u.value("minSdkVersion", Json())));
  cmp.eq("target_sdk", sdk(m.target_sdk_declared), json_text(u.value("targetSdkVersion", Json())));
  cmp.eq("max_sdk", sdk(m.max_sdk_declared), json_text(u.value("maxSdkVersion", Json())));
  cmp.eq("permissions", set_text(perms(m, {"uses-permission"}, false)),
         set_text(t["permissions"].get<std::vector<std::string>>()));
  cmp.eq("permissions_sdk23", set_text(perms(m, {"uses-permission-sdk-23", "uses-permission-sdk-m"}, false)),
         set_text(t["permissions_sdk23"].get<std::vector<std::string>>()));
  std::vector<std::string> namespaced;
  for (const auto& p : m.uses_permissions)
    if (p.namespaced_tag) namespaced.push_back(p.name);
  std::vector<std::string> truth_ns;
  for (const auto& x : t["namespaced_uses_permission_tags"]) truth_ns.push_back(x.is_string() ? x.get<std::string>() : x.dump());
  cmp.eq("namespaced_uses_permission_tags", set_text(namespaced), set_text(truth_ns));
  std::vector<std::string> declared, truth_declared;
  for (const auto& d : m.declared_permissions)
    if (d.kind == "permission") declared.push_back(d.name);
  for (const auto& d : t["declared_permissions"]) truth_declared.push_back(d.is_string() ? d.get<std::string>() : d.value("name", ""));
  cmp.eq("declared_permissions", set_text(declared), set_text(truth_declared));
  for (const char* kind : {"activity", "activity-alias", "service", "receiver", "provider"}) {
    std::map<std::string, const ManifestComponent*> ours;
    for (const auto& c : m.components)
      if (std::string(to_string(c.kind)) == kind) ours[c.name] = &c;
    std::map<std::string, Json> theirs;
    for (const auto& c : t["components"][kind]) theirs[c.value("name", "")] = c;
    std::vector<std::string> on, tn;
    for (const auto& [n, _] : ours) on.push_back(n);
    for (const auto& [n, _] : theirs) tn.push_back(n);
    cmp.eq(std::string(kind) + ".names", set_text(on), set_text(tn));
    for (const auto& [name, tc] : theirs) {
      auto it = ours.find(name);
      if (it == ours.end()) continue;
      const ManifestComponent& c = *it->second;
      std::string f = std::string(kind) + "[" + name + "]";
      cmp.eq(f + ".exported", exported_raw(c), tc["exported"].is_null() ? "null" : json_text(tc["exported"]));
      cmp.eq(f + ".permission", opt(c.permission), tc["permission"].is_null() ? "null" : json_text(tc["permission"]));
      std::string te = tc["enabled"].is_null() ? "true" : json_text(tc["enabled"]);
      cmp.eq(f + ".enabled", c.enabled_raw ? *c.enabled_raw : (c.enabled ? "true" : "false"), te);
      std::vector<std::string> actions;
      for (const auto& filter : c.intent_filters) actions.insert(actions.end(), filter.actions.begin(), filter.actions.end());
      cmp.eq(f + ".intent_filter_actions", set_text(actions),
             set_text(tc["intent_filter_actions"].get<std::vector<std::string>>()));
    }
  }
}

// Against `aapt dump badging` + `aapt dump permissions` output (stored truth or a live run).
void compare_badging(Comparison& cmp, const ManifestFacts& m, const std::string& text) {
  std::smatch mt;
  std::regex pkg_re("package: name='([^']*)' versionCode='([^']*)' versionName='([^']*)'");
  if (std::regex_search(text, mt, pkg_re)) {
    cmp.eq("badging.package", m.package, mt[1]);
    cmp.eq("badging.version_code", m.version_code ? std::to_string(static_cast<uint32_t>(*m.version_code)) : "",
           mt[2]);
    // badging resolves references through resources; compare only literal strings.
    if (m.version_name && m.version_name->rfind("@0x", 0) != 0)
      cmp.eq("badging.version_name", aapt_escaped(*m.version_name), mt[3]);
  }
  std::regex sdk_re("\nsdkVersion:'([^']*)'");
  if (std::regex_search(text, mt, sdk_re) && m.min_sdk_declared.level)
    cmp.eq("badging.min_sdk", std::to_string(*m.min_sdk_declared.level), mt[1]);
  std::regex target_re("\ntargetSdkVersion:'([^']*)'");
  if (std::regex_search(text, mt, target_re) && m.target_sdk_declared.level)
    cmp.eq("badging.target_sdk", std::to_string(*m.target_sdk_declared.level), mt[1]);
  std::vector<std::string> theirs_perm, theirs_23, launch;
  std::regex perm_re("\n(uses-permission|uses-permission-sdk-23): name='([^']*)'");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), perm_re); it != std::sregex_iterator(); ++it)
    ((*it)[1] == "uses-permission" ? theirs_perm : theirs_23).push_back((*it)[2]);
  std::regex launch_re("\nlaunchable-activity: name='([^']*)'");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), launch_re); it != std::sregex_iterator(); ++it)
    launch.push_back((*it)[1]);
  // aapt badging reads <uses-permission> whatever namespace the tag carries, and lists the permissions
  // its compatibility rules imply as uses-permission too.
  auto plain = perms(m, {"uses-permission"}, false), namespaced = perms(m, {"uses-permission"}, true);
  plain.insert(plain.end(), namespaced.begin(), namespaced.end());
  for (const auto& p : m.implied_permissions)
    if (p.aapt_rule) plain.push_back(p.name);
  cmp.eq("badging.permissions", set_text(plain), set_text(theirs_perm));
  cmp.eq("badging.permissions_sdk23", set_text(perms(m, {"uses-permission-sdk-23", "uses-permission-sdk-m"}, false)),
         set_text(theirs_23));
  cmp.eq("badging.launchable_activity", set_text(m.launchable_activities), set_text(launch));
}

// Against androguard 3.4 (used where aapt failed).
void compare_androguard(Comparison& cmp, const ManifestFacts& m, const Json& t) {
  cmp.eq("androguard.package", m.package, t.value("package", ""));
  cmp.eq("androguard.version_code", m.version_code ? std::to_string(*m.version_code) : "null",
         t["version_code"].is_null() ? "null" : json_text(t["version_code"]));
  cmp.eq("androguard.version_name", opt(m.version_name), t["version_name"].is_null() ? "null" : json_text(t["version_name"]));
  cmp.eq("androguard.min_sdk", sdk(m.min_sdk_declared), t["min_sdk"].is_null() ? "null" : json_text(t["min_sdk"]));
  cmp.eq("androguard.target_sdk", sdk(m.target_sdk_declared), t["target_sdk"].is_null() ? "null" : json_text(t["target_sdk"]));
  cmp.eq("androguard.permissions", set_text(perms(m, {"uses-permission"}, false)),
         set_text(t["permissions"].get<std::vector<std::string>>()));
  const std::pair<const char*, ComponentKind> kinds[] = {{"activities", ComponentKind::activity},
                                                         {"services", ComponentKind::service},
                                                         {"receivers", ComponentKind::receiver},
                                                         {"providers", ComponentKind::provider}};
  for (const auto& [key, kind] : kinds) {
    std::vector<std::string> ours;
    for (const auto& c : m.components)
      if (c.kind == kind) ours.push_back(c.name);
    cmp.eq(std::string("androguard.") + key, set_text(ours), set_text(t[key].get<std::vector<std::string>>()));
  }
  std::vector<std::string> main;
  if (t["main_activity"].is_string()) main.push_back(t["main_activity"]);
  std::vector<std::string> ours_main;
  if (!m.launchable_activities.empty()) ours_main.push_back(m.launchable_activities.front());
  cmp.eq("androguard.main_activity", set_text(ours_main), set_text(main));
}

struct Totals {
  size_t files = 0, compared = 0, agreed = 0, known = 0, xmltree_identical = 0, xmltree_files = 0;
  std::vector<Difference> unexplained;
};

std::string our_xmltree(const ManifestFacts& m) {
  std::ostringstream out;
  print_xmltree(out, *m.document);
  return out.str();
}

// aapt writes its own warnings ("ResourceType W ...") to stdout; they are not part of the tree.
std::string strip_aapt_log(const std::string& s) {
  std::string out;
  std::istringstream in(s);
  std::string line;
  bool skip_blank = false;
  while (std::getline(in, line)) {
    if (line.rfind("ResourceType ", 0) == 0 || line.rfind("W/ResourceType", 0) == 0) {
      skip_blank = true;
      continue;
    }
    if (skip_blank && line.empty()) {
      skip_blank = false;
      continue;
    }
    skip_blank = false;
    out += line + "\n";
  }
  return out;
}

void check_one(const fs::path& apk, const fs::path* truth_dir, Totals& totals, std::map<std::pair<std::string, std::string>, Known>& known) {
  std::string name = apk.filename().string();
  std::string stem = apk.stem().string();
  std::unique_ptr<AppPackage> app;
  try {
    app = std::make_unique<AppPackage>(apk.string());
  } catch (const std::exception& e) {
    if (truth_dir) {
      Json t = Json::parse(slurp(*truth_dir / (stem + ".aapt-xmltree.json")));
      // Refused by our reader: only acceptable where aapt could not read it either.
      CHECK_MESSAGE(!t.value("ok", false), name << ": we refuse it but aapt read it: " << e.what());
    }
    return;
  }
  AnomalySink& sink = app->anomalies();
  ManifestFacts m = analyze_manifest(*app, nullptr, sink);
  ++totals.files;
  Comparison cmp(truth_dir ? name : "fixtures/built/" + apk.lexically_relative(test::fixtures_dir() + "/built").string());
  const std::string aapt_xmltree = strip_aapt_log(test::run_command("aapt dump xmltree " + quote(apk.string()) + " AndroidManifest.xml 2>/dev/null"));
  if (!aapt_xmltree.empty() && m.document) {
    ++totals.xmltree_files;
    std::string ours = our_xmltree(m);
    if (ours == aapt_xmltree) ++totals.xmltree_identical;
    cmp.eq("xmltree_text", ours == aapt_xmltree ? "identical" : "differs", "identical");
  }
  if (truth_dir) {
    Json t = Json::parse(slurp(*truth_dir / (stem + ".aapt-xmltree.json")));
    std::string badging = slurp(*truth_dir / (stem + ".aapt.txt"));
    bool badging_ok = badging.find("### exit: 0") != std::string::npos;
    if (t.value("ok", false)) compare_xmltree_truth(cmp, m, t);
    if (badging_ok) compare_badging(cmp, m, badging);
    if (!badging_ok || !t.value("ok", false)) {
      fs::path ag = *truth_dir / (stem + ".androguard.json");
      if (fs::exists(ag)) {
        Json a = Json::parse(slurp(ag));
        if (a.value("ok", false)) compare_androguard(cmp, m, a);
      }
    }
  } else {
    std::string badging = test::run_command("aapt dump badging " + quote(apk.string()) + " 2>/dev/null; aapt dump permissions " +
                              quote(apk.string()) + " 2>/dev/null");
    if (badging.find("package: name=") != std::string::npos) compare_badging(cmp, m, badging);
  }
  totals.compared += cmp.compared();
  totals.agreed += cmp.compared() - cmp.diffs().size();
  for (const auto& d : cmp.diffs()) {
    auto it = known.find({d.file, d.field});
    if (it != known.end() && it->second.ours == d.ours && it->second.theirs == d.theirs) {
      it->second.used = true;
      ++totals.known;
    } else {
      totals.unexplained.push_back(d);
    }
  }
}

}  // namespace

TEST_CASE("manifest truth: every corpus APK and built fixture agrees with aapt/androguard or a reviewed difference") {
  auto known = load_known();
  Totals totals;
  fs::path truth = test::corpus_dir() + "/truth";
  auto apks = test::corpus_apks();
  REQUIRE(apks.size() == 137);
  for (const auto& apk : apks) check_one(apk, &truth, totals, known);
  std::error_code ec;
  std::vector<fs::path> fixtures;
  for (auto it = fs::recursive_directory_iterator(test::fixtures_dir() + "/built", ec); it != fs::recursive_directory_iterator(); ++it)
    if (it->is_regular_file() && it->path().extension() == ".apk") fixtures.push_back(it->path());
  std::sort(fixtures.begin(), fixtures.end());
  for (const auto& apk : fixtures) check_one(apk, nullptr, totals, known);

  MESSAGE("manifest truth: " << totals.files << " files (" << fixtures.size() << " fixtures), " << totals.compared
                             << " fields compared, " << totals.agreed << " agree, " << totals.known
                             << " reviewed differences, " << totals.unexplained.size() << " unexplained; xmltree text identical for "
                             << totals.xmltree_identical << "/" << totals.xmltree_files);
  for (const auto& d : totals.unexplained)
    FAIL_CHECK("unexplained difference\t" << d.file << "\t" << d.field << "\t" << d.ours << "\t" << d.theirs);
  for (const auto& [key, k] : known)
    if (!k.used && key.first.rfind("fixtures/", 0) != 0)
      FAIL_CHECK("known difference no longer seen (remove it): " << key.first << " " << key.second);
  CHECK(totals.files >= 136);
}
