#include "axml/axml_decoder.h"

namespace apkvet {

bool decode_axml(Bytes, const std::string& evidence_file, AnomalySink& anomalies, pugi::xml_document&) {
  anomalies.add("axml.not_implemented", Severity::info, "AXML decoding is not implemented yet", {evidence_file, "", ""});
  return false;
}

}  // namespace apkvet
