// Android binary XML (AXML): the compiled form of AndroidManifest.xml and res/xml/*.xml.
// Decodes to a pugixml document the way the platform's parser reads it, tolerating the tampering
// that Android tolerates and reporting it as anomalies.
#pragma once
#include <string>

#include <pugixml.hpp>

#include "core/byte_reader.h"
#include "facts/evidence.h"

namespace apkvet {

// Fills `out` with the decoded document. Attributes in the android namespace are named "android:x".
// Returns false (with an anomaly naming `evidence_file`) when nothing could be decoded.
bool decode_axml(Bytes data, const std::string& evidence_file, AnomalySink& anomalies, pugi::xml_document& out);

}  // namespace apkvet
