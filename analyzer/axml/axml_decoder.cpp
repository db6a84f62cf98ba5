// The AXML decoder: walks the chunks as the platform's ResXMLTree::setTo / ResXMLParser::nextNode
// do (same validations, same skipping of unknown chunks, same data end), so what it decodes is what
// Android reads. Every deviation from what aapt/aapt2 write is an axml.* anomaly; decoding goes on.
#include "axml/axml_decoder.h"
#include "axml/proto_xml.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "axml/string_pool.h"

namespace apkvet {
namespace {

constexpr uint16_t kResStringPoolType = 0x0001;
constexpr uint16_t kResXmlType = 0x0003;
constexpr uint16_t kXmlStartNamespace = 0x0100;
constexpr uint16_t kXmlEndNamespace = 0x0101;
constexpr uint16_t kXmlStartElement = 0x0102;
constexpr uint16_t kXmlEndElement = 0x0103;
constexpr uint16_t kXmlCdata = 0x0104;
constexpr uint16_t kXmlLastChunk = 0x017f;
constexpr uint16_t kXmlResourceMap = 0x0180;

constexpr size_t kNodeHeader = 16;      // ResXMLTree_node
constexpr size_t kAttrExt = 20;         // ResXMLTree_attrExt
constexpr size_t kAttribute = 20;       // ResXMLTree_attribute
constexpr size_t kMaxElements = 200'000;
constexpr size_t kMaxDepth = 2'048;
constexpr size_t kMaxAttributes = 2'000'000;
constexpr size_t kMaxNamespaces = 256;

struct AttrName {
  uint32_t id;
  const char* name;
};
constexpr AttrName kAndroidAttrs[] = {
#include "axml/android_attr_names.inc"
};

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

float complex_value(uint32_t data) {
  static const float kRadix[4] = {1.0f / (1 << 8), 1.0f / (1 << 15), 1.0f / (1 << 23), 1.0f / (1u << 31)};
  int32_t mantissa = static_cast<int32_t>(data & 0xFFFFFF00u);
  return static_cast<float>(mantissa) * kRadix[(data >> 4) & 3];
}

std::string float_text(float f) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(f));
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

class AxmlDecoder {
 public:
  AxmlDecoder(Bytes data, const std::string& file, AnomalySink& anomalies, AxmlDocument& out)
      : data_(data), r_(data), file_(file), anomalies_(anomalies), doc_(out) {}

  bool run();

 private:
  void anomaly(const std::string& id, Severity s, const std::string& msg, size_t at, std::string value = "") {
    anomalies_.add("axml." + id, s, msg, {file_, Evidence::offset(at), std::move(value)});
  }
  // Per-attribute findings: the first few of each kind in full, then one count (see summarize()).
  bool first_few(const std::string& id, Severity s) {
    auto& [count, severity] = repeated_[id];
    severity = s;
    return ++count <= kShownPerKind;
  }
  void summarize() {
    for (const auto& [id, cs] : repeated_)
      if (cs.first > kShownPerKind)
        anomaly(id, cs.second, std::to_string(cs.first) + " attributes in total show this (" +
                std::to_string(kShownPerKind) + " reported individually)", 0, std::to_string(cs.first));
  }
  // Android refuses the file; what follows is a lenient best effort.
  void refuse(const std::string& id, const std::string& why, size_t at) {
    if (doc_.readable_by_android) doc_.android_error = why;
    doc_.readable_by_android = false;
    anomaly(id, Severity::high, why + "; Android's parser refuses this file (the app would not install)", at);
  }
  std::string chunk_problem(size_t pos, size_t min_header) const;
  std::string node_problem(size_t pos) const;
  enum class Step { event, end, bad };
  Step next_node(size_t& cur);
  void handle(size_t pos);
  void start_element(size_t pos, size_t ext);
  void end_element(size_t pos, size_t ext);
  void read_attribute(AxmlElement& e, size_t at);
  const std::string* str(uint32_t index) const {
    return static_cast<int32_t>(index) >= 0 ? pool_.at(index) : nullptr;
  }
  std::optional<std::string> opt_str(uint32_t index) const {
    const std::string* s = str(index);
    return s ? std::optional<std::string>(*s) : std::nullopt;
  }
  std::string prefix_for(const std::optional<std::string>& uri) const;

  Bytes data_;
  ByteReader r_;
  const std::string& file_;
  AnomalySink& anomalies_;
  AxmlDocument& doc_;
  size_t end_ = 0;
  StringPool pool_;
  size_t resmap_ = 0, resmap_count_ = 0;
  std::vector<size_t> stack_;
  size_t max_id_index_ = SIZE_MAX;  // attribute with the highest resource id so far in the element
  size_t namespaces_dropped_ = 0;  // start-namespace records beyond kMaxNamespaces
  std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>> namespaces_;
  size_t attribute_total_ = 0;
  size_t unknown_chunks_reported_ = 0;
  static constexpr size_t kShownPerKind = 3;
  std::map<std::string, std::pair<size_t, Severity>> repeated_;
  bool stopped_ = false;
};

// validate_chunk(): header at least min_header, not above the size, both 4-aligned, inside the data.
std::string AxmlDecoder::chunk_problem(size_t pos, size_t min_header) const {
  if (pos + 8 > end_) return "chunk header extends past the end of the document";
  const uint16_t hs = r_.u16_at(pos + 2);
  const uint32_t size = r_.u32_at(pos + 4);
  if (hs < min_header) return "chunk header size " + std::to_string(hs) + " is too small";
  if (hs > size) return "chunk size " + std::to_string(size) + " is smaller than its header size " + std::to_string(hs);
  if (((hs | size) & 3) != 0) return "chunk size or header size is not a multiple of 4";
  if (size > end_ - pos) return "chunk size " + std::to_string(size) + " extends past the end of the document";
  return {};
}

// ResXMLTree::validateNode().
std::string AxmlDecoder::node_problem(size_t pos) const {
  std::string why = chunk_problem(pos, kNodeHeader);
  if (!why.empty() || r_.u16_at(pos) != kXmlStartElement) return why;
  const uint16_t hs = r_.u16_at(pos + 2);
  const uint32_t size = r_.u32_at(pos + 4);
  if (size < size_t(hs) + kAttrExt) return "start element of size " + std::to_string(size) + " has no room for its attributes";
  const size_t ext = pos + hs;
  const uint16_t attr_start = r_.u16_at(ext + 8), attr_size = r_.u16_at(ext + 10), attr_count = r_.u16_at(ext + 12);
  if (attr_size < kAttribute) return "attribute size " + std::to_string(attr_size) + " is below 20";
  if (attr_start + size_t(attr_size) * attr_count > size - hs) return "attributes extend past their element";
  return {};
}

AxmlDecoder::Step AxmlDecoder::next_node(size_t& cur) {
  for (;;) {
    const size_t next = cur + r_.u32_at(cur + 4);
    if (next >= end_) return Step::end;
    if (std::string why = node_problem(next); !why.empty()) {
      refuse("bad_node", "XML node at " + Evidence::offset(next).substr(7) + " is malformed: " + why, next);
      return Step::bad;
    }
    cur = next;
    const uint16_t type = r_.u16_at(cur), hs = r_.u16_at(cur + 2);
    const uint32_t size = r_.u32_at(cur + 4);
    size_t min_ext = 0;
    switch (type) {
      case kXmlStartNamespace:
      case kXmlEndNamespace: min_ext = 8; break;
      case kXmlStartElement: min_ext = kAttrExt; break;
      case kXmlEndElement: min_ext = 8; break;
      case kXmlCdata: min_ext = 12; break;
      default:
        if (unknown_chunks_reported_++ < 16)
          anomaly("unknown_chunk", Severity::medium,
                  "Chunk of unknown type " + hex32(type).substr(6) + " between XML nodes; Android skips it, some "
                  "tools stop or misparse",
                  cur, hex32(type));
        continue;
    }
    if (size - hs < min_ext) {
      refuse("bad_node", "XML node at " + Evidence::offset(cur).substr(7) + " is too small for its type", cur);
      return Step::bad;
    }
    if (hs != kNodeHeader)
      anomaly("node_header_size", Severity::medium,
              "XML node header size is " + std::to_string(hs) +
                  " instead of 16; Android finds the node data after the declared header, naive parsers do not",
              cur + 2, std::to_string(hs));
    return Step::event;
  }
}

std::string AxmlDecoder::prefix_for(const std::optional<std::string>& uri) const {
  if (!uri) return {};
  for (const auto& [prefix, u] : namespaces_)
    if (u && *u == *uri && prefix && !prefix->empty()) return *prefix + ":";
  if (*uri == kAndroidNamespace) return "android:";
  return {};
}

void AxmlDecoder::read_attribute(AxmlElement& e, size_t at) {
  AxmlAttribute a;
  a.offset = at;
  const uint32_t ns = r_.u32_at(at), name = r_.u32_at(at + 4), raw = r_.u32_at(at + 8);
  a.type = data_[at + 15];
  a.data = r_.u32_at(at + 16);
  a.ns = opt_str(ns);
  a.name = opt_str(name);
  if (name < resmap_count_) a.resource_id = r_.u32_at(resmap_ + size_t(name) * 4);
  a.raw = opt_str(raw);
  if (a.type == kAxmlString) a.string_data = opt_str(a.data);
  const bool android_ns = a.ns && *a.ns == kAndroidNamespace;
  const std::string pool_name = a.name.value_or("");
  const char* known = android_attr_name(a.resource_id);
  if (known) {
    a.qualified_name = std::string("android:") + known;
    if (pool_name != known && first_few("attribute_name_mismatch", Severity::medium))
      anomaly("attribute_name_mismatch", Severity::medium,
              "Attribute " + hex32(a.resource_id) + " is android:" + known + " by resource id (which Android uses) but "
                  "its name in the string pool is '" + pool_name + "'",
              at, pool_name);
    if (!android_ns && first_few("attribute_namespace_mismatch", Severity::medium))
      anomaly("attribute_namespace_mismatch", Severity::medium,
              "Attribute android:" + std::string(known) + " has namespace '" + a.ns.value_or("") +
                  "'; Android resolves it by resource id regardless",
              at, a.ns.value_or(""));
  } else {
    std::string local = pool_name.empty() && a.resource_id ? "attr_" + hex32(a.resource_id) : pool_name;
    a.qualified_name = prefix_for(a.ns) + local;
    if (android_ns && a.resource_id == 0) {
      a.visible_to_android = false;
      if (first_few("android_attribute_without_id", Severity::high))
        anomaly("android_attribute_without_id", Severity::high,
                "Attribute android:" + pool_name + " has no resource id: Android ignores it, while tools that read "
                "attributes by name see it (manifest confusion)",
                at, pool_name);
    }
  }
  if (a.type == kAxmlString && a.raw && a.string_data && *a.raw != *a.string_data && first_few("raw_value_mismatch", Severity::medium))
    anomaly("raw_value_mismatch", Severity::medium,
            "Attribute " + a.qualified_name + " has raw value '" + *a.raw + "' but typed value '" + *a.string_data +
                "'; Android reads the typed value, aapt prints the raw one",
            at, *a.raw);
  if (a.type == kAxmlString && !a.string_data && first_few("bad_string_value", Severity::medium))
    anomaly("bad_string_value", Severity::medium,
            "Attribute " + a.qualified_name + " is a string whose index is not in the string pool", at);
  // The platform's attribute lookup (AssetManager RetrieveAttributes) walks the attributes in step with
  // the sorted ids it asks for: an id at or below one seen earlier in the element is never reached.
  if (a.resource_id) {
    if (max_id_index_ != SIZE_MAX && e.attributes[max_id_index_].resource_id >= a.resource_id) {
      const AxmlAttribute& prev = e.attributes[max_id_index_];
      a.visible_to_android = false;
      const char* kind = prev.resource_id == a.resource_id ? "duplicate_attribute" : "unsorted_attributes";
      if (first_few(kind, Severity::medium))
        anomaly(kind, Severity::medium,
                "Attribute " + a.qualified_name + " comes after " + prev.qualified_name +
                    " (resource ids out of order or repeated); Android's lookup never reaches it",
                at, a.qualified_name);
    } else {
      max_id_index_ = e.attributes.size();
    }
  }
  e.attributes.push_back(std::move(a));
}

void AxmlDecoder::start_element(size_t pos, size_t ext) {
  if (doc_.elements.size() >= kMaxElements || stack_.size() >= kMaxDepth || attribute_total_ >= kMaxAttributes) {
    anomaly("too_many_elements", Severity::high, "Document is too large or too deep; decoding stopped", pos);
    stopped_ = true;
    return;
  }
  AxmlElement e;
  e.offset = pos;
  e.line = r_.u32_at(pos + 8);
  e.comment = opt_str(r_.u32_at(pos + 12));
  e.ns = opt_str(r_.u32_at(ext));
  const std::string* name = str(r_.u32_at(ext + 4));
  if (!name)
    anomaly("unnamed_element", Severity::medium, "Element name is not in the string pool", pos);
  e.name = name ? *name : "";
  e.qualified_name = prefix_for(e.ns) + e.name;
  const uint16_t attr_start = r_.u16_at(ext + 8), attr_size = r_.u16_at(ext + 10), count = r_.u16_at(ext + 12);
  if (attr_start != kAttrExt || attr_size != kAttribute)
    anomaly("attribute_layout", Severity::medium,
            "Element <" + e.name + "> has attribute start " + std::to_string(attr_start) + " and size " +
                std::to_string(attr_size) + " (aapt writes 20 and 20); Android follows them",
            ext + 8);
  e.attributes.reserve(count);
  max_id_index_ = SIZE_MAX;
  for (size_t i = 0; i < count; ++i) {
    size_t at = ext + attr_start + size_t(attr_size) * i;
    read_attribute(e, at);
  }
  attribute_total_ += count;
  const size_t index = doc_.elements.size();
  if (stack_.empty()) {
    if (!doc_.roots.empty())
      anomaly("multiple_roots", Severity::high,
              "A second top-level element <" + e.name + "> follows the root; Android reads only the first root", pos,
              e.name);
    doc_.roots.push_back(index);
  } else {
    e.parent = stack_.back();
    doc_.elements[stack_.back()].children.push_back(index);
  }
  doc_.elements.push_back(std::move(e));
  stack_.push_back(index);
  doc_.events.push_back({AxmlEvent::start_element, index, {}, {}, {}, {}});
}

void AxmlDecoder::end_element(size_t pos, size_t ext) {
  AxmlEvent ev{AxmlEvent::end_element, SIZE_MAX, {}, {}, {}, opt_str(r_.u32_at(ext + 4))};
  if (stack_.empty()) {
    anomaly("unbalanced_end_tag", Severity::medium, "End tag without a start tag", pos, ev.end_name.value_or(""));
  } else {
    ev.element = stack_.back();
    const AxmlElement& open = doc_.elements[ev.element];
    if (ev.end_name.value_or("") != open.name)
      anomaly("mismatched_end_tag", Severity::medium,
              "End tag </" + ev.end_name.value_or("") + "> closes <" + open.name + ">; Android ignores end tag names",
              pos, ev.end_name.value_or(""));
    stack_.pop_back();
  }
  doc_.events.push_back(std::move(ev));
}

void AxmlDecoder::handle(size_t pos) {
  const uint16_t type = r_.u16_at(pos);
  const size_t ext = pos + r_.u16_at(pos + 2);
  switch (type) {
    case kXmlStartNamespace:
    case kXmlEndNamespace: {
      AxmlEvent ev{type == kXmlStartNamespace ? AxmlEvent::start_namespace : AxmlEvent::end_namespace,
                   SIZE_MAX, opt_str(r_.u32_at(ext)), opt_str(r_.u32_at(ext + 4)), {}, {}};
      // Bounded: a hostile file could declare namespaces by the hundred thousand.
      if (type == kXmlStartNamespace && namespaces_.size() < kMaxNamespaces) namespaces_.push_back({ev.prefix, ev.uri});
      else if (type == kXmlStartNamespace) ++namespaces_dropped_;
      else if (namespaces_dropped_) --namespaces_dropped_;
      else if (!namespaces_.empty()) namespaces_.pop_back();
      doc_.events.push_back(std::move(ev));
      break;
    }
    case kXmlStartElement: start_element(pos, ext); break;
    case kXmlEndElement: end_element(pos, ext); break;
    case kXmlCdata: {
      const std::string* text = str(r_.u32_at(ext));
      AxmlEvent ev{AxmlEvent::text, stack_.empty() ? SIZE_MAX : stack_.back(), {}, {}, text ? *text : "", {}};
      if (!stack_.empty() && text) doc_.elements[stack_.back()].text += *text;
      doc_.events.push_back(std::move(ev));
      break;
    }
    default: break;
  }
}

bool AxmlDecoder::run() {
  const size_t n = data_.size();
  if (n < 8) {
    refuse("too_small", "Binary XML of " + std::to_string(n) + " bytes is smaller than its header", 0);
    return false;
  }
  if (data_[0] == '<' || (n >= 3 && data_[0] == 0xEF && data_[1] == 0xBB && data_[2] == 0xBF)) {
    refuse("not_binary_xml", "File is plain-text XML, not compiled binary XML", 0);
    return false;
  }
  const uint16_t file_type = r_.u16_at(0), file_header = r_.u16_at(2);
  const uint32_t file_size = r_.u32_at(4);
  if (file_type != kResXmlType)
    refuse("bad_file_type",
           "Binary XML header type is " + hex32(file_type).substr(6) + ", not 0x0003 (RES_XML_TYPE); current "
           "ResXMLTree::setTo checks it, older releases and aapt do not",
           0);
  if (file_header != 8)
    anomaly("file_header_size", Severity::medium,
            "Binary XML header size is " + std::to_string(file_header) + " instead of 8; Android starts reading chunks there",
            2, std::to_string(file_header));
  end_ = file_size;
  if (file_header > file_size || file_size > n) {
    refuse("bad_file_size", "Binary XML declares " + std::to_string(file_size) + " bytes (header " +
                                std::to_string(file_header) + ") but the file has " + std::to_string(n),
           4);
    end_ = n;
  } else if (file_size < n) {
    anomaly("trailing_data", Severity::medium,
            std::to_string(n - file_size) + " bytes follow the declared end of the document; Android ignores them, "
            "parsers that read to the end of the file see something else",
            file_size, std::to_string(n - file_size));
  }

  // ResXMLTree::setTo: find the string pool, the resource map and the first XML node.
  size_t pos = std::min<size_t>(file_header, end_), last = pos;
  size_t root = SIZE_MAX;
  int pools = 0, maps = 0;
  while (pos + 8 < end_ && pos + r_.u32_at(pos + 4) < end_) {
    if (std::string why = chunk_problem(pos, 8); !why.empty()) {
      refuse("bad_chunk", "Chunk at " + Evidence::offset(pos).substr(7) + ": " + why, pos);
      return false;
    }
    const uint16_t type = r_.u16_at(pos), hs = r_.u16_at(pos + 2);
    const uint32_t size = r_.u32_at(pos + 4);
    if (type == kResStringPoolType) {
      if (pools++)
        anomaly("multiple_string_pools", Severity::medium, "More than one string pool; Android uses the last one", pos);
      pool_.set(data_, pos, size, anomalies_, file_);
      if (!pool_.ok()) refuse("bad_string_pool", "String pool is malformed: " + pool_.error(), pos);
    } else if (type == kXmlResourceMap) {
      if (maps++)
        anomaly("multiple_resource_maps", Severity::medium, "More than one resource map; Android uses the last one", pos);
      resmap_ = pos + hs;
      resmap_count_ = (size - hs) / 4;
      if (hs != 8)
        anomaly("resource_map_header_size", Severity::medium,
                "Resource map header size is " + std::to_string(hs) + " instead of 8", pos + 2);
    } else if (type >= kXmlStartNamespace && type <= kXmlLastChunk) {
      if (std::string why = node_problem(pos); !why.empty()) {
        refuse("bad_node", "First XML node is malformed: " + why, pos);
        return false;
      }
      if (last == pos)
        anomaly("first_node_skipped", Severity::high,
                "The first chunk is an XML node; Android's parser skips it and starts at the next one", pos);
      size_t cur = last;
      if (next_node(cur) != Step::event) {
        refuse("no_root", "No XML node found where Android looks for the first one", pos);
        return false;
      }
      root = cur;
      break;
    } else if (unknown_chunks_reported_++ < 16) {
      anomaly("unknown_chunk", Severity::medium,
              "Chunk of unknown type " + hex32(type).substr(6) + " before the first XML node; Android skips it", pos,
              hex32(type));
    }
    last = pos;
    pos += size;
  }
  if (root == SIZE_MAX) {
    refuse("no_root", "No XML element node found", pos);
    return false;
  }
  if (!pool_.present()) refuse("no_string_pool", "No string pool before the first XML node", root);

  size_t cur = root;
  handle(cur);
  while (!stopped_) {
    Step s = next_node(cur);
    if (s != Step::event) break;
    handle(cur);
  }
  summarize();
  if (!stack_.empty())
    anomaly("unclosed_elements", Severity::low,
            std::to_string(stack_.size()) + " elements are not closed at the end of the document", end_);
  if (doc_.roots.empty()) {
    anomaly("no_elements", Severity::high, "Document has no elements", root);
    return false;
  }
  return true;
}

}  // namespace

const char* android_attr_name(uint32_t resource_id) {
  if ((resource_id >> 16) != 0x0101) return nullptr;
  auto it = std::lower_bound(std::begin(kAndroidAttrs), std::end(kAndroidAttrs), resource_id,
                             [](const AttrName& a, uint32_t id) { return a.id < id; });
  return it != std::end(kAndroidAttrs) && it->id == resource_id ? it->name : nullptr;
}

std::string format_typed_value(uint8_t type, uint32_t data) {
  char buf[64];
  switch (type) {
    case kAxmlNull: return data == 1 ? "@empty" : "@null";
    case kAxmlReference:
    case kAxmlDynamicReference: return "@" + hex32(data);
    case kAxmlAttribute:
    case kAxmlDynamicAttribute: return "?" + hex32(data);
    case kAxmlFloat: {
      float f;
      std::memcpy(&f, &data, 4);
      return float_text(f);
    }
    case kAxmlDimension: {
      static const char* kUnits[] = {"px", "dip", "sp", "pt", "in", "mm"};
      unsigned unit = data & 0xF;
      return float_text(complex_value(data)) + (unit < 6 ? kUnits[unit] : "?");
    }
    case kAxmlFraction:
      return float_text(complex_value(data) * 100.0f) + ((data & 0xF) == 1 ? "%p" : "%");
    case kAxmlIntDec: return std::to_string(static_cast<int32_t>(data));
    case kAxmlIntHex: std::snprintf(buf, sizeof buf, "0x%x", data); return buf;
    case kAxmlIntBoolean: return data ? "true" : "false";
    case kAxmlIntColorArgb8:
    case kAxmlIntColorRgb8:
    case kAxmlIntColorArgb4:
    case kAxmlIntColorRgb4: std::snprintf(buf, sizeof buf, "#%08x", data); return buf;
    default: std::snprintf(buf, sizeof buf, "(type 0x%x)0x%x", type, data); return buf;
  }
}

std::string AxmlAttribute::display_value() const {
  if (type == kAxmlString) return string_data ? *string_data : raw.value_or("");
  return format_typed_value(type, data);
}

const AxmlAttribute* AxmlElement::android_attr(uint32_t resource_id) const {
  for (const auto& a : attributes)
    if (a.resource_id == resource_id && a.visible_to_android) return &a;
  return nullptr;
}

const AxmlAttribute* AxmlElement::plain_attr(std::string_view name) const {
  for (const auto& a : attributes)
    if (!a.ns && a.name && *a.name == name) return &a;
  return nullptr;
}

bool decode_axml(Bytes data, const std::string& evidence_file, AnomalySink& anomalies, AxmlDocument& out) {
  if (looks_like_proto_xml(data)) return decode_proto_xml(data, evidence_file, anomalies, out);
  out = AxmlDocument();
  try {
    return AxmlDecoder(data, evidence_file, anomalies, out).run();
  } catch (const ParseError& e) {
    // Every read is bounded by the document end first; this is a backstop, never expected.
    anomalies.add("axml.parse_failed", Severity::high, std::string("Binary XML decoding stopped: ") + e.what(),
                  {evidence_file, Evidence::offset(e.offset), ""});
    out.readable_by_android = false;
    return !out.roots.empty();
  }
}

bool decode_axml(Bytes data, const std::string& evidence_file, AnomalySink& anomalies, pugi::xml_document& out) {
  AxmlDocument doc;
  bool ok = decode_axml(data, evidence_file, anomalies, doc);
  to_pugixml(doc, out);
  return ok;
}

}  // namespace apkvet
