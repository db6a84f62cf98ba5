#include "manifest/manifest_facts.h"

#include "axml/axml_decoder.h"

namespace apkvet {

void to_json(Json& j, const ManifestFacts& f) { j = Json{{"decoded", f.decoded}, {"package", f.package}}; }

ManifestFacts analyze_manifest(const AppPackage& app, const ResourceTable*, AnomalySink& anomalies) {
  ManifestFacts f;
  const ApkPart& base = app.base();
  auto bytes = base.zip->read("AndroidManifest.xml");
  if (!bytes) return f;
  f.xml = std::make_shared<pugi::xml_document>();
  f.decoded = decode_axml(*bytes, base.evidence_path("AndroidManifest.xml"), anomalies, *f.xml);
  return f;
}

}  // namespace apkvet
