// Component labels (android:label on activities, services...) against `aapt dump badging`, which
// prints each launchable activity with its own label resolved in the default configuration
// (launchable-activity: name='...'  label='...'). Reviewed disagreements: tests/resources/known_differences.tsv
// (kind launchable_label).
#include <doctest/doctest.h>

#include <map>

#include "manifest/manifest_facts.h"
#include "resources/resources_support.h"

using namespace apkvet;

namespace {

// name -> label of every launchable-activity line of the stored `aapt dump badging` output.
std::map<std::string, std::string> aapt_launchable_labels(const std::string& apk_name) {
  std::map<std::string, std::string> out;
  std::string stem = apk_name.substr(0, apk_name.rfind('.'));
  std::istringstream in(test::read_text(test::corpus_dir() + "/truth/" + stem + ".aapt.txt"));
  static const std::string kName = "launchable-activity: name='", kLabel = "'  label='", kIcon = "' icon='";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kName, 0) != 0) continue;
    size_t name_end = line.find(kLabel, kName.size()), label_end = line.rfind(kIcon);
    if (name_end == std::string::npos || label_end == std::string::npos || label_end < name_end) continue;
    out[line.substr(kName.size(), name_end - kName.size())] =
        line.substr(name_end + kLabel.size(), label_end - name_end - kLabel.size());
  }
  return out;
}

}  // namespace

TEST_CASE("launchable activity labels equal aapt dump badging launchable-activity on the corpus") {
  auto known = test::known_differences("launchable_label");
  size_t apps = 0, compared = 0, agreed = 0, reviewed = 0, resolved_through_table = 0;
  for (const auto& path : test::corpus_apks()) {
    std::string name = path.filename().string();
    if (!test::badging_truth(name).aapt_ok) continue;
    auto theirs = aapt_launchable_labels(name);
    if (theirs.empty()) continue;
    auto t = test::open_table(path.string());
    REQUIRE_MESSAGE(t, name);
    AnomalySink sink;
    ManifestFacts m = analyze_manifest(*t->app, t->table.get(), sink);
    ++apps;
    bool differs = false;
    for (const auto& [activity, label] : theirs) {
      const ManifestComponent* c = nullptr;
      for (const auto& x : m.components)
        if (x.kind == ComponentKind::activity && x.name == activity) c = &x;
      ++compared;
      std::string ours = c && c->label_resolved ? test::aapt_normalize(*c->label_resolved) : "";
      resolved_through_table += c && c->label && c->label->rfind("@", 0) == 0 && c->label_resolved;
      if (c && ours == label) {
        ++agreed;
      } else {
        differs = true;
        if (!known.count(name))
          FAIL_CHECK(name << " " << activity << ": ours '" << (c ? ours : "<no such activity>") << "' aapt '" << label << "'");
      }
    }
    if (differs && known.count(name)) ++reviewed;
    if (!differs) CHECK_MESSAGE(!known.count(name), name << ": listed as a known launchable_label difference but agrees now");
  }
  MESSAGE("apps " << apps << ", launchable activities compared " << compared << ", equal " << agreed
                  << " (through resources.arsc: " << resolved_through_table << "), apps with reviewed differences " << reviewed);
  CHECK(apps >= 90);
  CHECK(resolved_through_table >= 20);  // the references, not only literal labels, are exercised
}
