// Android binary XML (AXML): the compiled form of AndroidManifest.xml and res/xml/*.xml.
// Decodes to a pugixml document the way the platform's parser reads it, tolerating the tampering
// that Android tolerates and reporting it as anomalies.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "core/byte_reader.h"
#include "facts/evidence.h"

namespace apkvet {

inline constexpr std::string_view kAndroidNamespace = "http://schemas.android.com/apk/res/android";

// Res_value data types (frameworks ResourceTypes.h).
enum AxmlType : uint8_t {
  kAxmlNull = 0x00,
  kAxmlReference = 0x01,
  kAxmlAttribute = 0x02,
  kAxmlString = 0x03,
  kAxmlFloat = 0x04,
  kAxmlDimension = 0x05,
  kAxmlFraction = 0x06,
  kAxmlDynamicReference = 0x07,
  kAxmlDynamicAttribute = 0x08,
  kAxmlIntDec = 0x10,
  kAxmlIntHex = 0x11,
  kAxmlIntBoolean = 0x12,
  kAxmlIntColorArgb8 = 0x1c,
  kAxmlIntColorRgb8 = 0x1d,
  kAxmlIntColorArgb4 = 0x1e,
  kAxmlIntColorRgb4 = 0x1f,
};

struct AxmlAttribute {
  std::optional<std::string> ns;    // namespace URI; nullopt when the attribute has none
  std::optional<std::string> name;  // the name in the string pool (nullopt when unreadable)
  uint32_t resource_id = 0;         // from the resource map: what Android resolves the attribute by
  std::optional<std::string> raw;   // rawValue string (what aapt prints as Raw: and `package` is read from)
  uint8_t type = kAxmlNull;         // typed value
  uint32_t data = 0;
  std::optional<std::string> string_data;  // TYPE_STRING: the pool string at `data` (what TypedArray reads)
  // False when the platform's attribute lookup never reaches this attribute: an android-namespace
  // attribute without resource id, or one behind a higher resource id (unsorted / duplicated ids).
  bool visible_to_android = true;
  uint64_t offset = 0;  // of the attribute record in the file
  std::string qualified_name;  // "android:name", "package", ... as shown in the decoded document

  bool is_int() const { return type >= kAxmlIntDec && type <= kAxmlIntColorRgb4; }
  // The value rendered for people: strings as they are, booleans true/false, references @0x7f..
  std::string display_value() const;
};

struct AxmlElement {
  std::optional<std::string> ns;
  std::string name;  // local name ("" when unreadable)
  std::string qualified_name;
  std::optional<std::string> comment;
  uint32_t line = 0;
  uint64_t offset = 0;
  std::vector<AxmlAttribute> attributes;
  std::vector<size_t> children;  // indices into AxmlDocument::elements
  size_t parent = SIZE_MAX;
  std::string text;

  // The attribute Android's TypedArray lookup returns for a resource id, or nullptr.
  const AxmlAttribute* android_attr(uint32_t resource_id) const;
  // First attribute with that name and no namespace, as XmlPullParser.getAttributeValue(null, name).
  const AxmlAttribute* plain_attr(std::string_view name) const;
};

// The parser's event stream, kept so `apkvet manifest` can print it exactly as aapt dump xmltree.
struct AxmlEvent {
  enum Kind : uint8_t { start_namespace, end_namespace, start_element, end_element, text };
  Kind kind;
  size_t element = SIZE_MAX;  // start/end element: the element; text: the element it belongs to
  std::optional<std::string> prefix, uri;  // namespaces
  std::string text_value;                  // text
  std::optional<std::string> end_name;     // end element: the name the end record carries
};

struct AxmlDocument {
  std::vector<AxmlElement> elements;  // document order
  std::vector<size_t> roots;          // top-level elements; Android reads only the first
  std::vector<AxmlEvent> events;
  // False when the platform's ResXMLTree refuses the file (Android would not install the app); the
  // document then holds what a lenient reading recovered.
  bool readable_by_android = true;
  std::string android_error;
  // Decoded from aapt2's protobuf form (an App Bundle's modules: axml/proto_xml.h), not binary XML.
  bool protobuf = false;

  const AxmlElement* root() const { return roots.empty() ? nullptr : &elements[roots.front()]; }
};

// Fills `out` with the decoded document. Attributes in the android namespace are named "android:x".
// XML in aapt2's protobuf form (App Bundles) is recognised and decoded into the same document.
// Returns false (with an anomaly naming `evidence_file`) when nothing could be decoded.
bool decode_axml(Bytes data, const std::string& evidence_file, AnomalySink& anomalies, pugi::xml_document& out);

// The full decoding: elements with resource ids, raw and typed values, and the event stream.
bool decode_axml(Bytes data, const std::string& evidence_file, AnomalySink& anomalies, AxmlDocument& out);

// The decoded document as pugixml, with the attributes Android reads (android:* named by resource id).
void to_pugixml(const AxmlDocument& doc, pugi::xml_document& out);

// The public name of an android attribute resource id (0x0101xxxx), or nullptr.
const char* android_attr_name(uint32_t resource_id);

// Renders a typed value for people (no string pool needed): int, hex, bool, float, dimension, ...
std::string format_typed_value(uint8_t type, uint32_t data);

}  // namespace apkvet
