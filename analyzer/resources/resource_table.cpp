#include "resources/resource_table.h"

#include "resources/proto_resource_table.h"

#include <algorithm>
#include <set>

#include "resources/arsc_table.h"

namespace apkvet {

void to_json(Json& j, const ResourceFacts& f) {
  j = Json{{"has_resource_table", f.has_resource_table}};
  if (!f.has_resource_table) return;
  Json packages = Json::array();
  for (const auto& p : f.packages)
    packages.push_back({{"id", p.id}, {"name", p.name}, {"types", p.types}, {"entries", p.entries},
                        {"configs", p.configs}, {"libraries", p.libraries}, {"evidence", p.evidence}});
  j.update(Json{{"parsed", f.parsed},
                {"evidence", f.evidence},
                {"packages", packages},
                {"strings", f.strings},
                {"strings_utf8", f.strings_utf8},
                {"values", f.values},
                {"complex_values", f.complex_values},
                {"locales", f.locales},
                {"formats", f.formats}});
}

namespace {

void describe(const ArscTable& t, ResourceFacts& f, AnomalySink& anomalies) {
  const std::string& file = t.evidence_file();
  f.strings = t.strings().size();
  f.strings_utf8 = t.strings().utf8();
  auto check = t.strings().check_all();
  if (check.bad)
    anomalies.add("arsc.invalid_string", Severity::medium,
                  std::to_string(check.bad) + " string(s) of the global pool cannot be read (bad length or terminator)",
                  {file, Evidence::offset(t.strings().string_offset(check.first_bad)),
                   "first: #" + std::to_string(check.first_bad)});

  std::set<std::string> locales, formats;
  size_t bad_entries = 0, bad_strings = 0, first_bad_entry = 0, first_bad_string = 0;
  std::set<uint8_t> ids;
  for (const auto& p : t.packages()) {
    if (!ids.insert(uint8_t(p.id)).second)
      anomalies.add("arsc.duplicate_package", Severity::medium, "two package chunks share id " + std::to_string(p.id),
                    {file, Evidence::offset(p.offset), p.name});
    ResourcePackageFacts pf;
    pf.id = p.id;
    pf.name = p.name;
    pf.evidence = {file, Evidence::offset(p.offset), Evidence::truncate(p.name)};
    pf.types = p.specs.size();
    pf.libraries = p.libraries.size();
    for (const auto& s : p.specs) {
      pf.entries += s.entry_count;
      pf.configs += s.types.size();
      for (const auto& ty : s.types) {
        if (ty.config.has_locale()) locales.insert(ty.config.locale_tag());
        if (ty.flags & ArscType::kSparse) formats.insert("sparse");
        else if (ty.flags & ArscType::kOffset16) formats.insert("offset16");
      }
    }
    f.packages.push_back(std::move(pf));
  }
  t.for_each_entry([&](const ArscPackage&, const ArscType& ty, uint32_t, const std::optional<ArscEntry>& e) {
    if (!e) {
      if (!bad_entries++) first_bad_entry = ty.offset;
      return;
    }
    ++f.values;
    if (e->complex) ++f.complex_values;
    if (e->compact) formats.insert("compact");
    if (!e->complex && e->data_type == kResString && e->data >= t.strings().size()) {
      if (!bad_strings++) first_bad_string = e->offset;
    }
  });
  if (bad_entries)
    anomalies.add("arsc.bad_entry", Severity::medium,
                  std::to_string(bad_entries) + " entry offset(s) point outside their type chunk or are unaligned",
                  {file, Evidence::offset(first_bad_entry), ""});
  if (bad_strings)
    anomalies.add("arsc.string_index_out_of_range", Severity::medium,
                  std::to_string(bad_strings) + " string value(s) index past the global string pool",
                  {file, Evidence::offset(first_bad_string), ""});
  f.locales.assign(locales.begin(), locales.end());
  f.formats.assign(formats.begin(), formats.end());
}

}  // namespace

ResourceFacts analyze_resources(const AppPackage& app, AnomalySink& anomalies, std::shared_ptr<const ResourceTable>& table) {
  ResourceFacts f;
  const ApkPart& base = app.base();
  const ZipEntry* entry = base.zip->find("resources.arsc");
  if (!entry) {
    // An App Bundle module has its table in protobuf form instead.
    const ZipEntry* pb = base.zip->find("resources.pb");
    if (!pb) return f;
    auto bytes = base.zip->read(*pb);
    if (!bytes) return f;
    f.has_resource_table = true;
    f.evidence = {base.evidence_path("resources.pb"), "", ""};
    table = read_proto_resource_table(*bytes, f.evidence.file, anomalies, f);
    f.parsed = table != nullptr;
    return f;
  }
  f.has_resource_table = true;
  std::string file = base.evidence_path("resources.arsc");
  f.evidence = {file, "", ""};
  if (entry->method != 0)
    anomalies.add("arsc.compressed", Severity::info,
                  "resources.arsc is compressed (Android 11+ refuses that for apps targeting API 30 or later)",
                  {file, "", "method " + std::to_string(entry->method)});
  auto bytes = base.zip->read(*entry);
  if (!bytes) return f;
  std::shared_ptr<const ArscTable> parsed = ArscTable::parse(*bytes, file, anomalies);
  if (!parsed) return f;
  f.parsed = true;
  describe(*parsed, f, anomalies);
  table = parsed;
  return f;
}

}  // namespace apkvet
