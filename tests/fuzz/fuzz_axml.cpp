// libFuzzer target: binary XML decoding, the pugixml and aapt-layout renderings, and the manifest typing
// built on it. Seeds: corpus AndroidManifest.xml files (tools/fuzz-seeds.sh, kind "axml").
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>

#include "axml/axml_decoder.h"
#include "axml/xmltree_printer.h"
#include "manifest/manifest_facts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  apkvet::AnomalySink sink;
  auto doc = std::make_shared<apkvet::AxmlDocument>();
  apkvet::decode_axml(apkvet::Bytes(data, size), "AndroidManifest.xml", sink, *doc);
  std::ostringstream tree;
  apkvet::print_xmltree(tree, *doc);
  apkvet::ManifestFacts facts = apkvet::type_manifest(doc, "AndroidManifest.xml", nullptr, sink);
  apkvet::Json j;
  apkvet::to_json(j, facts);
  (void)j.dump();  // throws on invalid UTF-8: every string must have been sanitized
  for (const auto& a : sink.all()) {
    apkvet::Json x = a;
    (void)x.dump();
  }
  return 0;
}
