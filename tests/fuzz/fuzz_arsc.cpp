// Fuzzes the resources.arsc reader: chunk walking, string pools, type specs and configs, entry reads,
// config selection, reference chains, names and the facts walk; and, on the same bytes, the App Bundle
// resource table reader (resources.pb, protobuf). Seeds: corpus resources.arsc files, bundles' resources.pb.
#include <cstddef>
#include <cstdint>

#include "resources/arsc_table.h"
#include "resources/proto_resource_table.h"

namespace {

void exercise(const apkvet::ArscTable& t) {
  using namespace apkvet;
  ResConfig fr = ResConfig::aapt_default();
  fr.language[0] = 'f', fr.language[1] = 'r';
  size_t budget = 2000;  // ids tried per input, so one input stays fast
  for (const auto& p : t.packages()) {
    (void)t.type_name(p, 1);
    for (const auto& spec : p.specs)
      for (uint32_t i = 0; i < spec.entry_count && budget; ++i, --budget) {
        uint32_t id = (p.id << 24) | (uint32_t(spec.id) << 16) | i;
        (void)t.string_value(id);
        (void)t.string_value(id, fr);
        (void)t.resource_name(id);
      }
    (void)t.find_id(uint8_t(p.id), "xml", "network_security_config");
  }
  (void)t.string_value(0x7f010000);
  (void)t.file_path(0x7f020000);
  size_t entries = 0;
  t.for_each_entry([&](const ArscPackage&, const ArscType& ty, uint32_t, const std::optional<ArscEntry>& e) {
    (void)ty.config.to_string();
    (void)ty.config.locale_tag();
    if (e && !e->complex && e->data_type == kResString) (void)t.strings().at(e->data);
    ++entries;
  });
  (void)t.strings().check_all();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  apkvet::AnomalySink anomalies;
  try {
    auto table = apkvet::ArscTable::parse(apkvet::Bytes(data, size), "resources.arsc", anomalies);
    if (table) exercise(*table);
  } catch (const apkvet::ParseError&) {
    // Reads are bounds-checked; a ParseError escaping is tolerated here but means a missed check.
  }
  apkvet::ResourceFacts facts;
  if (auto proto = apkvet::read_proto_resource_table(apkvet::Bytes(data, size), "resources.pb", anomalies, facts)) {
    size_t budget = 2000;
    for (const auto& p : facts.packages)
      for (uint32_t i = 0; i < 64 && budget; ++i, --budget) {
        uint32_t id = (p.id << 24) | (1u << 16) | i;
        (void)proto->string_value(id);
        (void)proto->integer_value(id);
        (void)proto->file_path(id);
        (void)proto->resource_name(id);
      }
    (void)proto->find_id(0x7f, "xml", "network_security_config");
  }
  return 0;
}
