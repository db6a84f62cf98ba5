// XML in aapt2's protobuf form (Resources.proto, message XmlNode): how an Android App Bundle (.aab)
// stores AndroidManifest.xml and res/xml/*.xml in its modules (bundletool turns it into binary XML
// when it builds the APKs a device installs). Decoded into the same AxmlDocument as binary XML, so
// the manifest, the network security config and `apkvet manifest` read either.
//
// Protobuf's wire format is read here directly for the eight messages an XML tree uses (XmlNode,
// XmlElement, XmlNamespace, XmlAttribute, SourcePosition, Item, Reference, Primitive and the string
// wrappers): a few tagged varints and length-delimited fields, every read bounded by the message that
// holds it. libprotobuf would need aapt2's schema compiled in (protoc) to read the same fields.
#pragma once
#include <string>

#include "axml/axml_decoder.h"
#include "core/protobuf_reader.h"

namespace apkvet {

// A compiled value (aapt2's message Item) as binary XML or resources.arsc would hold it.
struct ProtoItem {
  uint8_t type = kAxmlNull;         // Res_value type (kAxmlString for strings and file references)
  uint32_t data = 0;                // Res_value data: the resource id of a reference, an integer, ...
  std::optional<std::string> text;  // a string's value, a file reference's path
  bool file = false;                // a FileReference (res/xml/x.xml)
};
ProtoItem read_proto_item(ProtoMessage item);

// Whether `data` starts like a protobuf XmlNode holding an element (field 1, length-delimited) and
// not like binary XML (chunk type 0x0003).
bool looks_like_proto_xml(Bytes data);

// Fills `out` from a protobuf XmlNode. Element offsets are those of their messages in the file;
// `line` comes from the source position aapt2 recorded. Returns false (with an anomaly naming
// `evidence_file`) when no element could be decoded.
bool decode_proto_xml(Bytes data, const std::string& evidence_file, AnomalySink& anomalies, AxmlDocument& out);

}  // namespace apkvet
