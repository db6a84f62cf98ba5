// Configuration selection: ResTable_config match/isBetterThan on hand-made configs (density scaling,
// sdk, smallest width, locales), and on the corpus against aapt dump badging's per-density icons
// (application-icon-<dpi>) and per-locale labels (application-label-<locale>).
#include <doctest/doctest.h>

#include <functional>
#include <vector>

#include "resources_support.h"

using namespace apkvet;

namespace {

ResConfig config(const std::function<void(ResConfig&)>& set) {
  ResConfig c;
  c.size = ResConfig::kKnownSize;
  set(c);
  return c;
}

// The index of the configuration chosen for `request` the way ResTable::getEntry walks them.
int choose(const std::vector<ResConfig>& candidates, const ResConfig& request) {
  int best = -1;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!candidates[i].match(request)) continue;
    if (best >= 0 && !candidates[i].is_better_than(candidates[best], request)) continue;
    best = int(i);
  }
  return best;
}

ResConfig density(uint16_t d) {
  return config([&](ResConfig& c) { c.density = d; });
}

ResConfig locale(const char* tag) {
  return config([&](ResConfig& c) { c.set_locale(tag); });
}

}  // namespace

TEST_CASE("aapt's default request matches unqualified and compatible configs only") {
  ResConfig req = ResConfig::aapt_default();
  CHECK(req.to_string() == "sw320dp-w320dp-h480dp-normal-port-mdpi-v10000");
  CHECK(ResConfig().match(req));
  CHECK(density(480).match(req));  // any density matches: it scales
  CHECK(config([](ResConfig& c) { c.sdk_version = 21; }).match(req));
  CHECK(config([](ResConfig& c) { c.orientation = 1; }).match(req));
  CHECK_FALSE(config([](ResConfig& c) { c.orientation = 2; }).match(req));  // land
  CHECK_FALSE(locale("fr").match(req));
  CHECK_FALSE(config([](ResConfig& c) { c.smallest_screen_width_dp = 600; }).match(req));
  CHECK_FALSE(config([](ResConfig& c) { c.ui_mode = 0x20; }).match(req));  // night
  CHECK_FALSE(config([](ResConfig& c) { c.mcc = 310; }).match(req));
  CHECK_FALSE(config([](ResConfig& c) { c.sdk_version = 10001; }).match(req));
  CHECK_FALSE(config([](ResConfig& c) { c.screen_layout = 0x03; }).match(req));  // large
}

TEST_CASE("density: exact bucket, else scale down before up, anydpi first") {
  ResConfig req = ResConfig::aapt_default();  // mdpi
  CHECK(choose({ResConfig(), density(240), density(160), density(320)}, req) == 2);
  CHECK(choose({density(320), density(240)}, req) == 1);  // both above: the nearer one
  CHECK(choose({density(120), density(320)}, req) == 1);  // (2*120-160)*320 == 160^2: the bigger
  CHECK(choose({density(120), density(213)}, req) == 1);
  CHECK(choose({density(160), density(ResConfig::kDensityAny)}, req) == 1);
  CHECK(choose({ResConfig(), density(120)}, req) == 0);  // unqualified counts as mdpi
  req.density = 480;
  CHECK(choose({density(160), density(320), density(640)}, req) == 2);
}

TEST_CASE("version, smallest width and screen size qualifiers") {
  ResConfig req = ResConfig::aapt_default();
  auto v = [](uint16_t sdk) { return config([&](ResConfig& c) { c.sdk_version = sdk; }); };
  CHECK(choose({ResConfig(), v(21), v(14)}, req) == 1);
  auto sw = [](uint16_t dp) { return config([&](ResConfig& c) { c.smallest_screen_width_dp = dp; }); };
  CHECK(choose({ResConfig(), sw(200), sw(320), sw(600)}, req) == 2);
  auto size = [](uint8_t s) { return config([&](ResConfig& c) { c.screen_layout = s; }); };
  CHECK(choose({ResConfig(), size(1), size(2)}, req) == 2);  // normal beats undefined (== normal) and small
}

TEST_CASE("locales: language must match, an exact region wins, the default is the fallback") {
  ResConfig req = ResConfig::aapt_default();
  req.set_locale("fr-FR");
  std::vector<ResConfig> c{ResConfig(), locale("fr"), locale("fr-FR"), locale("fr-CA"), locale("de")};
  CHECK(choose(c, req) == 2);
  req.set_locale("fr-BE");
  CHECK(choose(c, req) == 1);
  req.set_locale("it");
  CHECK(choose(c, req) == 0);
  req.set_locale("");
  CHECK(choose(c, req) == 0);
  req.set_locale("sr-Latn");
  CHECK(choose({locale("sr"), locale("sr-Latn")}, req) == 1);
  CHECK(locale("es-419").to_string() == "es-r419");
  CHECK(locale("es-419").locale_tag() == "es-419");
  CHECK(locale("sr-Latn").to_string() == "b+sr+Latn");
  CHECK(locale("fil-PH").to_string() == "fil-rPH");
}

namespace {

constexpr uint32_t kLabelAttr = 0x01010001, kIconAttr = 0x01010002;

// The <application> attribute with that resource id, from the decoded manifest.
std::optional<AxmlAttribute> application_attr(const AppPackage& app, uint32_t id) {
  auto bytes = app.base().zip->read("AndroidManifest.xml");
  if (!bytes) return std::nullopt;
  AnomalySink sink;
  AxmlDocument doc;
  decode_axml(*bytes, "AndroidManifest.xml", sink, doc);
  if (!doc.root()) return std::nullopt;
  for (size_t i : doc.root()->children)
    if (doc.elements[i].name == "application") {
      const AxmlAttribute* a = doc.elements[i].android_attr(id);
      if (a) return *a;
      return std::nullopt;
    }
  return std::nullopt;
}

// `prefix<key>:'value'` lines of the badging truth.
std::vector<std::pair<std::string, std::string>> truth_lines(const std::string& apk, const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string stem = apk.substr(0, apk.rfind('.'));
  std::istringstream in(test::read_text(test::corpus_dir() + "/truth/" + stem + ".aapt.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    size_t colon = line.find(":'");
    if (colon == std::string::npos || line.back() != '\'') continue;
    out.push_back({line.substr(prefix.size(), colon - prefix.size()), line.substr(colon + 2, line.size() - colon - 3)});
  }
  return out;
}

}  // namespace

TEST_CASE("per-density icons equal aapt dump badging application-icon-<dpi> on the corpus") {
  auto known = test::known_differences("icon");
  size_t compared = 0, agreed = 0;
  for (const auto& path : test::corpus_apks()) {
    std::string name = path.filename().string();
    if (!test::badging_truth(name).aapt_ok) continue;
    auto icons = truth_lines(name, "application-icon-");
    if (icons.empty()) continue;
    auto t = test::open_table(path.string());
    REQUIRE(t);
    auto attr = application_attr(*t->app, kIconAttr);
    bool all = true;
    for (const auto& [dpi, expected] : icons) {
      ResConfig req = ResConfig::aapt_default();
      req.set_locale("en-US");  // aapt sets its en_US config for icons
      req.density = uint16_t(std::stoi(dpi));
      std::optional<std::string> ours;
      if (attr && (attr->type == kAxmlReference || attr->type == kAxmlDynamicReference) && t->table) ours = t->table->string_value(attr->data, req);
      ++compared;
      if (ours.value_or("") == expected) {
        ++agreed;
      } else {
        all = false;
        if (!known.count(name)) FAIL_CHECK(name << " icon-" << dpi << ": ours '" << ours.value_or("<none>") << "' aapt '" << expected << "'");
      }
    }
    if (all) CHECK_MESSAGE(!known.count(name), name << ": listed as a known icon difference but agrees now");
  }
  MESSAGE("icons compared " << compared << ", equal " << agreed);
  CHECK(compared >= 300);
}

TEST_CASE("per-locale labels equal aapt dump badging application-label-<locale> on the corpus") {
  auto known = test::known_differences("locale-label");
  size_t compared = 0, agreed = 0;
  for (const auto& path : test::corpus_apks()) {
    std::string name = path.filename().string();
    if (!test::badging_truth(name).aapt_ok) continue;
    auto labels = truth_lines(name, "application-label-");
    if (labels.empty()) continue;
    auto t = test::open_table(path.string());
    REQUIRE(t);
    auto attr = application_attr(*t->app, kLabelAttr);
    bool all = true;
    for (const auto& [tag, expected] : labels) {
      ResConfig req = ResConfig::aapt_default();
      req.set_locale(tag);
      std::optional<std::string> ours;
      if (attr && attr->type == kAxmlString) ours = attr->string_data;
      else if (attr && (attr->type == kAxmlReference || attr->type == kAxmlDynamicReference) && t->table) ours = t->table->string_value(attr->data, req);
      std::string shown = test::aapt_normalize(ours.value_or(""));
      ++compared;
      if (shown == expected) {
        ++agreed;
      } else {
        all = false;
        if (!known.count(name)) FAIL_CHECK(name << " label-" << tag << ": ours '" << shown << "' aapt '" << expected << "'");
      }
    }
    if (all) CHECK_MESSAGE(!known.count(name), name << ": listed as a known locale-label difference but agrees now");
  }
  MESSAGE("localized labels compared " << compared << ", equal " << agreed);
  CHECK(compared >= 500);
}
