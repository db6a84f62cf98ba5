#include "scan/app_facts.h"

namespace apkvet {

void to_json(Json& j, const InputFacts& f) {
  j = Json{{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}, {"container", f.container},
           {"nested_dex", f.nested_dex}, {"nested_elf", f.nested_elf},
           {"checked_with_libzip", f.checked_with_libzip}, {"searched_nested", f.searched_nested}};
  Json parts = Json::array();
  for (const auto& p : f.parts)
    parts.push_back({{"name", p.name}, {"role", p.role}, {"depth", p.depth}, {"entries", p.entries}, {"size", p.size}});
  j["parts"] = std::move(parts);
}

void to_json(Json& j, const AppFacts& f) {
  j = Json{{"input", f.input},     {"resources", f.resources}, {"manifest", f.manifest}, {"network_security", f.network_security},
           {"signing", f.signing}, {"dex", f.dex}, {"code", f.code},             {"native", f.native_code},
           {"anomalies", f.anomalies}};
  j["strings"] = f.strings;
  if (f.anomalies_dropped) j["anomalies_dropped"] = f.anomalies_dropped;
}

void to_json(Json& j, const ScanResult& r) {
  if (r.ok) {
    j = r.facts;
    j["status"] = "ok";
  } else {
    j = Json{{"status", "error"}, {"error", r.error}, {"input", Json{{"path", r.input_path}}}};
  }
}

}  // namespace apkvet
