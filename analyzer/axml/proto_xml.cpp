#include "axml/proto_xml.h"

#include "core/protobuf_reader.h"

#include <optional>
#include <utility>
#include <vector>

namespace apkvet {
namespace {

// Bounds against hostile input, as for binary XML.
constexpr size_t kMaxDepth = 512, kMaxElements = 200'000, kMaxAttributes = 1'000'000, kMaxNamespacesPerElement = 64;

using Message = ProtoMessage;
constexpr uint32_t kVarint = ProtoMessage::kVarint, kLengthDelimited = ProtoMessage::kLengthDelimited,
                   kFixed32 = ProtoMessage::kFixed32;

struct Namespace {
  std::string prefix, uri;
};

class ProtoXmlDecoder {
 public:
  ProtoXmlDecoder(Bytes data, const std::string& file, AnomalySink& anomalies, AxmlDocument& out)
      : data_(data), file_(file), anomalies_(anomalies), doc_(out) {}

  bool run() {
    doc_.protobuf = true;
    Message root(data_, 0, data_.size());
    guarded([&] { node(root, SIZE_MAX); });
    if (truncated_)
      anomaly("proto_truncated", Severity::high,
              "Protobuf XML is cut short: a message runs past the end of the file; what precedes the cut is read", 0);
    if (error_) {
      anomalies_.add("axml.proto_parse_failed", Severity::high,
                     std::string("Protobuf XML decoding stopped: ") + error_->what(),
                     {file_, Evidence::offset(error_->offset), ""});
      doc_.readable_by_android = false;
    }
    if (doc_.roots.empty()) {
      anomaly("proto_no_element", Severity::high, "Protobuf XML holds no element", 0);
      return false;
    }
    return true;
  }

 private:
  void anomaly(const std::string& id, Severity s, const std::string& msg, size_t at, std::string value = "") {
    anomalies_.add("axml." + id, s, msg, {file_, Evidence::offset(at), std::move(value)});
  }

  // Runs one step of the decoding; a malformed field ends it (the first error is reported), and what
  // was decoded before stays in the document.
  template <class Step>
  void guarded(Step step) {
    if (error_) return;
    try {
      step();
    } catch (const ParseError& e) {
      error_ = e;
    }
  }

  std::string prefix_for(const std::optional<std::string>& uri) const {
    if (!uri) return {};
    for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it)
      if (it->uri == *uri && !it->prefix.empty()) return it->prefix + ":";
    if (*uri == kAndroidNamespace) return "android:";
    return {};
  }

  // XmlNode: element = 1, text = 2, source = 3.
  void node(Message m, size_t parent) {
    uint32_t field, wire;
    uint32_t line = 0;
    std::optional<Message> element;
    size_t element_at = 0;
    std::optional<std::string> text;
    while (m.next(field, wire)) {
      if (field == 1 && wire == kLengthDelimited) {
        element_at = m.field_start();
        element = m.sub_lenient(truncated_);
      } else if (field == 2 && wire == kLengthDelimited) {
        text = m.string();
      } else if (field == 3 && wire == kLengthDelimited) {
        line = source_line(m.sub());
      } else {
        m.skip(wire);
      }
    }
    if (element) start_element(*element, element_at, line, parent);
    if (text) {
      if (parent != SIZE_MAX) doc_.elements[parent].text += *text;
      doc_.events.push_back({AxmlEvent::text, parent, {}, {}, *text, {}});
    }
  }

  static uint32_t source_line(Message m) {  // SourcePosition: line_number = 1
    uint32_t field, wire, line = 0;
    while (m.next(field, wire)) {
      if (field == 1 && wire == kVarint) line = uint32_t(m.varint());
      else m.skip(wire);
    }
    return line;
  }

  // XmlElement: namespace_declaration = 1, namespace_uri = 2, name = 3, attribute = 4, child = 5.
  void start_element(Message m, size_t at, uint32_t line, size_t parent) {
    if (doc_.elements.size() >= kMaxElements || depth_ >= kMaxDepth || attribute_total_ >= kMaxAttributes) {
      if (!stopped_) anomaly("too_many_elements", Severity::high, "Document is too large or too deep; decoding stopped", at);
      stopped_ = true;
      return;
    }
    // Namespaces and the element's own fields first: children follow once it is in the document.
    std::vector<Message> attributes, children;
    std::vector<Namespace> declared;
    AxmlElement e;
    e.offset = at;
    e.line = line;
    uint32_t field, wire;
    guarded([&] {
    while (m.next(field, wire)) {
      if (wire != kLengthDelimited) {
        m.skip(wire);
        continue;
      }
      switch (field) {
        case 1:
          if (declared.size() < kMaxNamespacesPerElement) declared.push_back(namespace_declaration(m.sub()));
          else m.skip(wire);
          break;
        case 2: {
          std::string uri = m.string();
          if (!uri.empty()) e.ns = std::move(uri);
          break;
        }
        case 3: e.name = m.string(); break;
        case 4: attributes.push_back(m.sub_lenient(truncated_)); break;
        case 5: children.push_back(m.sub_lenient(truncated_)); break;
        default: m.skip(wire); break;
      }
    }
    });
    for (const auto& ns : declared) {
      namespaces_.push_back(ns);
      doc_.events.push_back({AxmlEvent::start_namespace, SIZE_MAX, ns.prefix, ns.uri, {}, {}});
    }
    e.qualified_name = prefix_for(e.ns) + e.name;
    if (e.name.empty()) anomaly("unnamed_element", Severity::medium, "Element has no name", at);
    for (const Message& a : attributes) {
      AxmlAttribute attr;
      bool read = false;
      guarded([&] {
        attr = attribute(a);
        read = true;
      });
      if (!read) break;
      // aapt2 keeps attributes in source order here; the binary XML that bundletool writes for the
      // device has them sorted by resource id, so only a repeated id hides an attribute (the first
      // one stays, as the platform's lookup finds it).
      if (attr.resource_id)
        for (const AxmlAttribute& seen : e.attributes)
          if (seen.resource_id == attr.resource_id) attr.visible_to_android = false;
      e.attributes.push_back(std::move(attr));
    }
    attribute_total_ += attributes.size();
    const size_t index = doc_.elements.size();
    if (parent == SIZE_MAX) {
      doc_.roots.push_back(index);
    } else {
      e.parent = parent;
      doc_.elements[parent].children.push_back(index);
    }
    doc_.elements.push_back(std::move(e));
    doc_.events.push_back({AxmlEvent::start_element, index, {}, {}, {}, {}});
    ++depth_;
    for (const Message& c : children) guarded([&] { node(c, index); });
    --depth_;
    doc_.events.push_back({AxmlEvent::end_element, index, {}, {}, {}, doc_.elements[index].name});
    for (size_t i = declared.size(); i-- > 0;) {
      doc_.events.push_back({AxmlEvent::end_namespace, SIZE_MAX, declared[i].prefix, declared[i].uri, {}, {}});
      namespaces_.pop_back();
    }
  }

  static Namespace namespace_declaration(Message m) {  // prefix = 1, uri = 2
    Namespace ns;
    uint32_t field, wire;
    while (m.next(field, wire)) {
      if (field == 1 && wire == kLengthDelimited) ns.prefix = m.string();
      else if (field == 2 && wire == kLengthDelimited) ns.uri = m.string();
      else m.skip(wire);
    }
    return ns;
  }

  // XmlAttribute: namespace_uri = 1, name = 2, value = 3, source = 4, resource_id = 5, compiled_item = 6.
  AxmlAttribute attribute(Message m) {
    AxmlAttribute a;
    a.offset = m.position();
    std::optional<Message> item;
    uint32_t field, wire;
    while (m.next(field, wire)) {
      if (field == 1 && wire == kLengthDelimited) {
        std::string uri = m.string();
        if (!uri.empty()) a.ns = std::move(uri);
      } else if (field == 2 && wire == kLengthDelimited) {
        a.name = m.string();
      } else if (field == 3 && wire == kLengthDelimited) {
        a.raw = m.string();
      } else if (field == 5 && wire == kVarint) {
        a.resource_id = uint32_t(m.varint());
      } else if (field == 6 && wire == kLengthDelimited) {
        item = m.sub();
      } else {
        m.skip(wire);
      }
    }
    // Without a compiled value the attribute is the plain string aapt2 kept.
    a.type = kAxmlString;
    a.string_data = a.raw.value_or("");
    a.data = 0;
    if (item) {
      ProtoItem v = read_proto_item(*item);
      a.type = v.type;
      a.data = v.data;
      if (v.type == kAxmlString) a.string_data = v.text.value_or("");
      else a.string_data.reset();
    }
    const char* known = android_attr_name(a.resource_id);
    if (known) {
      a.qualified_name = std::string("android:") + known;
    } else {
      a.qualified_name = prefix_for(a.ns) + a.name.value_or("");
      if (a.ns && *a.ns == kAndroidNamespace && a.resource_id == 0) a.visible_to_android = false;
    }
    return a;
  }

  Bytes data_;
  const std::string& file_;
  AnomalySink& anomalies_;
  AxmlDocument& doc_;
  std::vector<Namespace> namespaces_;
  size_t depth_ = 0, attribute_total_ = 0;
  bool stopped_ = false, truncated_ = false;
  std::optional<ParseError> error_;
};

std::optional<std::string> first_string(ProtoMessage m) {
  uint32_t field, wire;
  std::optional<std::string> s;
  while (m.next(field, wire)) {
    if (field == 1 && wire == kLengthDelimited) s = m.string();
    else m.skip(wire);
  }
  return s;
}

// Reference: type = 1 (0 @reference, 1 ?attribute), id = 2, name = 3.
void read_reference(ProtoMessage m, ProtoItem& v) {
  uint32_t field, wire;
  uint64_t type = 0, id = 0;
  while (m.next(field, wire)) {
    if (field == 1 && wire == kVarint) type = m.varint();
    else if (field == 2 && wire == kVarint) id = m.varint();
    else m.skip(wire);
  }
  v.type = type == 1 ? kAxmlAttribute : kAxmlReference;
  v.data = uint32_t(id);
}

// Primitive, in either of aapt2's forms: the first had type = 1 and data = 2 (android::Res_value's
// two fields, varints); the current one a oneof of typed fields, where 1 and 2 are messages (null,
// empty). The wire type of fields 1 and 2 tells them apart.
void read_primitive(ProtoMessage m, ProtoItem& v) {
  uint32_t field, wire;
  while (m.next(field, wire)) {
    if (wire == kVarint) {
      uint32_t x = uint32_t(m.varint());
      switch (field) {
        case 1: v.type = uint8_t(x); break;  // the first form's type
        case 2: v.data = x; break;           // and data
        case 6: v.type = kAxmlIntDec, v.data = x; break;
        case 7: v.type = kAxmlIntHex, v.data = x; break;
        case 8: v.type = kAxmlIntBoolean, v.data = x ? 0xffffffffu : 0; break;
        case 9: v.type = kAxmlIntColorArgb8, v.data = x; break;
        case 10: v.type = kAxmlIntColorRgb8, v.data = x; break;
        case 11: v.type = kAxmlIntColorArgb4, v.data = x; break;
        case 12: v.type = kAxmlIntColorRgb4, v.data = x; break;
        case 13: v.type = kAxmlDimension, v.data = x; break;
        case 14: v.type = kAxmlFraction, v.data = x; break;
        default: break;
      }
    } else if (wire == kFixed32) {
      uint32_t bits = m.fixed32();
      if (field == 3) v.type = kAxmlFloat, v.data = bits;
    } else if (wire == kLengthDelimited && (field == 1 || field == 2)) {
      m.skip(wire);
      v.type = kAxmlNull;
      v.data = field == 2 ? 1 : 0;  // Res_value DATA_NULL_EMPTY for @empty
    } else {
      m.skip(wire);
    }
  }
}

}  // namespace

// Item: ref = 1, str = 2, raw_str = 3, styled_str = 4, file = 5, id = 6, prim = 7.
ProtoItem read_proto_item(ProtoMessage m) {
  ProtoItem v;
  uint32_t field, wire;
  while (m.next(field, wire)) {
    if (wire != kLengthDelimited) {
      m.skip(wire);
      continue;
    }
    ProtoMessage sub = m.sub();
    switch (field) {
      case 1: read_reference(sub, v); break;
      case 2: case 3: case 4:  // String, RawString, StyledString: value = 1
        v.type = kAxmlString;
        v.text = first_string(sub).value_or("");
        break;
      case 5:  // FileReference: path = 1
        v.type = kAxmlString;
        v.text = first_string(sub).value_or("");
        v.file = true;
        break;
      case 6: v.type = kAxmlNull, v.data = 0; break;
      case 7: read_primitive(sub, v); break;
      default: break;
    }
  }
  return v;
}

bool looks_like_proto_xml(Bytes data) {
  if (data.size() < 4) return false;
  if (data[0] == 0x03 && data[1] == 0x00) return false;  // RES_XML_TYPE: binary XML
  return data[0] == 0x0a;  // field 1 (element), length-delimited
}

bool decode_proto_xml(Bytes data, const std::string& evidence_file, AnomalySink& anomalies, AxmlDocument& out) {
  out = AxmlDocument();
  try {
    return ProtoXmlDecoder(data, evidence_file, anomalies, out).run();
  } catch (const ParseError& e) {
    anomalies.add("axml.proto_parse_failed", Severity::high, std::string("Protobuf XML decoding stopped: ") + e.what(),
                  {evidence_file, Evidence::offset(e.offset), ""});
    out.readable_by_android = false;
    return !out.roots.empty();
  }
}

}  // namespace apkvet
