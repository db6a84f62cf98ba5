// Differential tests of the resources.arsc reader against aapt (Debian aapt 1:10.0.0+r36, the corpus
// truth tool): the default application label against `aapt dump badging`, and every entry of every
// configuration against `aapt dump resources`. Reviewed disagreements: known_differences.tsv.
#include <doctest/doctest.h>

#include <cstdio>
#include <set>

#include "resources_support.h"

using namespace apkvet;

namespace {

constexpr uint32_t kLabelAttr = 0x01010001;

// Our `application-label:` the way aapt computes it: the first <application> under the root, its
// android:label (by resource id); a string as written, a reference resolved in the default config.
std::optional<std::string> our_label(const test::OpenedTable& t) {
  auto manifest = t.app->base().zip->read("AndroidManifest.xml");
  if (!manifest) return std::nullopt;
  AnomalySink sink;
  AxmlDocument doc;
  decode_axml(*manifest, "AndroidManifest.xml", sink, doc);
  const AxmlElement* root = doc.root();
  if (!root) return std::nullopt;
  for (size_t child : root->children) {
    const AxmlElement& e = doc.elements[child];
    if (e.name != "application") continue;
    const AxmlAttribute* a = e.android_attr(kLabelAttr);
    if (!a) return std::nullopt;
    // aapt prints no line for an empty label.
    if (a->type == kAxmlString && a->string_data && !a->string_data->empty()) return *a->string_data;
    if ((a->type == kAxmlReference || a->type == kAxmlDynamicReference) && t.table) {
      auto v = t.table->string_value(a->data);
      if (v && !v->empty()) return *v;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::string hex8(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// `aapt dump resources` entry lines, reduced to "config|id|name|t=..|d=.." (or "|<bag>").
std::multiset<std::string> aapt_entries(const std::string& dump) {
  std::multiset<std::string> out;
  std::istringstream in(dump);
  std::string line, config;
  while (std::getline(in, line)) {
    size_t p = line.find_first_not_of(' ');
    if (p == std::string::npos) continue;
    std::string_view l(line.c_str() + p);
    if (l.rfind("config ", 0) == 0) {
      config = std::string(l.substr(7, l.size() - 8));
      if (config == "(default)") config.clear();
    } else if (l.rfind("resource 0x", 0) == 0) {
      std::string id(l.substr(9, 10));
      size_t name_end = l.find(": ", 20);
      if (name_end == std::string_view::npos) continue;
      std::string name(l.substr(20, name_end - 20));
      std::string_view rest = l.substr(name_end + 2);
      std::string value = rest.rfind("<bag>", 0) == 0 ? "<bag>" : std::string(rest.substr(0, rest.find(" (s=")));
      out.insert(config + "|" + id + "|" + name + "|" + value);
    }
  }
  return out;
}

std::multiset<std::string> our_entries(const ArscTable& t) {
  std::multiset<std::string> out;
  t.for_each_entry([&](const ArscPackage& p, const ArscType& ty, uint32_t index, const std::optional<ArscEntry>& e) {
    if (!e) return;
    uint32_t id = (p.runtime_id << 24) | (uint32_t(ty.id) << 16) | index;
    std::string name = p.name + ":" + t.type_name(p, ty.id).value_or("?") + "/" + p.key_strings.at(e->key).value_or("?");
    char value[48];
    std::snprintf(value, sizeof value, "t=0x%02x d=0x%08x", e->data_type, e->data);
    out.insert(ty.config.to_string() + "|" + hex8(id) + "|" + name + "|" + (e->complex ? "<bag>" : value));
  });
  return out;
}

}  // namespace

TEST_CASE("default application label equals aapt dump badging application-label on the corpus") {
  auto known = test::known_differences("label");
  size_t compared = 0, agreed = 0, reviewed = 0;
  for (const auto& path : test::corpus_apks()) {
    std::string name = path.filename().string();
    auto truth = test::badging_truth(name);
    if (!truth.aapt_ok) continue;
    auto t = test::open_table(path.string());
    REQUIRE_MESSAGE(t, name);
    auto ours = our_label(*t);
    std::optional<std::string> shown;
    if (ours) shown = test::aapt_normalize(*ours);
    ++compared;
    if (shown == truth.label) {
      ++agreed;
      CHECK_MESSAGE(!known.count(name), name << ": listed as a known label difference but agrees now");
    } else if (known.count(name)) {
      ++reviewed;
    } else {
      FAIL_CHECK(name << ": ours '" << shown.value_or("<none>") << "' aapt '" << truth.label.value_or("<none>") << "'");
    }
  }
  MESSAGE("labels compared " << compared << ", equal " << agreed << ", reviewed differences " << reviewed);
  CHECK(compared >= 120);
}

TEST_CASE("every entry of every configuration equals aapt dump resources on the corpus") {
  auto known = test::known_differences("entries");
  size_t compared = 0, agreed = 0, entries = 0;
  for (const auto& path : test::corpus_apks()) {
    std::string name = path.filename().string();
    if (!test::badging_truth(name).aapt_ok) continue;
    auto t = test::open_table(path.string());
    REQUIRE(t);
    auto [dump, status] = test::run_tool("aapt dump resources '" + path.string() + "'");
    if (status != 0 || !t->table) continue;
    auto theirs = aapt_entries(dump);
    auto ours = our_entries(*t->table);
    ++compared;
    entries += ours.size();
    if (theirs == ours) {
      ++agreed;
      CHECK_MESSAGE(!known.count(name), name << ": listed as a known entries difference but agrees now");
      continue;
    }
    if (known.count(name)) continue;
    std::vector<std::string> only_ours, only_theirs;
    std::set_difference(ours.begin(), ours.end(), theirs.begin(), theirs.end(), std::back_inserter(only_ours));
    std::set_difference(theirs.begin(), theirs.end(), ours.begin(), ours.end(), std::back_inserter(only_theirs));
    FAIL_CHECK(name << ": " << only_ours.size() << " entries only ours (first: "
                    << (only_ours.empty() ? "" : only_ours.front()) << "), " << only_theirs.size()
                    << " only aapt's (first: " << (only_theirs.empty() ? "" : only_theirs.front()) << ")");
  }
  MESSAGE("tables compared " << compared << ", identical " << agreed << ", entries " << entries);
  CHECK(compared >= 100);
}
