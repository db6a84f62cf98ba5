#include "resources/proto_resource_table.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>

#include "axml/proto_xml.h"
#include "core/protobuf_reader.h"

namespace apkvet {
namespace {

constexpr size_t kMaxEntries = 1'000'000;  // against hostile tables
constexpr int kMaxHops = 20;               // references followed, as for resources.arsc
constexpr uint32_t kVarint = ProtoMessage::kVarint, kLengthDelimited = ProtoMessage::kLengthDelimited;

class ProtoResourceTable : public ResourceTable {
 public:
  struct Entry {
    std::string type, name;
    std::optional<ProtoItem> value;  // in the default configuration, else the first one given
    bool default_config = false;
  };

  std::optional<std::string> string_value(uint32_t id) const override {
    const ProtoItem* v = resolve(id);
    if (v && v->type == kAxmlString && !v->file) return v->text;
    return std::nullopt;
  }
  std::optional<uint32_t> integer_value(uint32_t id) const override {
    const ProtoItem* v = resolve(id);
    if (v && v->type >= kAxmlIntDec && v->type <= kAxmlIntColorRgb4) return v->data;
    return std::nullopt;
  }
  std::optional<std::string> file_path(uint32_t id) const override {
    const ProtoItem* v = resolve(id);
    if (v && v->file) return v->text;
    return std::nullopt;
  }
  std::optional<std::string> resource_name(uint32_t id) const override {
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    auto pkg = packages_.find(id >> 24);
    return (pkg == packages_.end() ? std::string() : pkg->second) + ":" + it->second.type + "/" + it->second.name;
  }
  std::optional<uint32_t> find_id(uint8_t package_id, std::string_view type, std::string_view name) const override {
    for (const auto& [id, e] : entries_)
      if ((id >> 24) == package_id && e.type == type && e.name == name) return id;
    return std::nullopt;
  }

  // Reads the table; throws ParseError.
  void read(Bytes data, ResourceFacts& facts) {
    ProtoMessage table(data);
    uint32_t field, wire;
    while (table.next(field, wire)) {
      if (field == 2 && wire == kLengthDelimited) read_package(table.sub(), facts);
      else table.skip(wire);
    }
  }

 private:
  // Follows references to the value they end at.
  const ProtoItem* resolve(uint32_t id) const {
    for (int hop = 0; hop < kMaxHops; ++hop) {
      auto it = entries_.find(id);
      if (it == entries_.end() || !it->second.value) return nullptr;
      const ProtoItem& v = *it->second.value;
      if (v.type != kAxmlReference) return &v;
      id = v.data;
    }
    return nullptr;
  }

  // Package: package_id = 1, package_name = 2, type = 3.
  void read_package(ProtoMessage m, ResourceFacts& facts) {
    ResourcePackageFacts pf;
    std::vector<ProtoMessage> types;
    uint32_t field, wire;
    while (m.next(field, wire)) {
      if (field == 1) pf.id = m.id(wire);
      else if (field == 2 && wire == kLengthDelimited) pf.name = m.string();
      else if (field == 3 && wire == kLengthDelimited) types.push_back(m.sub());
      else m.skip(wire);
    }
    packages_[pf.id & 0xff] = pf.name;
    for (const ProtoMessage& t : types) read_type(t, pf, facts);
    pf.types = types.size();
    pf.evidence = facts.evidence;
    facts.packages.push_back(std::move(pf));
  }

  // Type: id = 1, name = 2, entry = 3.
  void read_type(ProtoMessage m, ResourcePackageFacts& pf, ResourceFacts& facts) {
    uint32_t type_id = 0;
    std::string name;
    std::vector<ProtoMessage> entries;
    uint32_t field, wire;
    while (m.next(field, wire)) {
      if (field == 1) type_id = m.id(wire);
      else if (field == 2 && wire == kLengthDelimited) name = m.string();
      else if (field == 3 && wire == kLengthDelimited) entries.push_back(m.sub());
      else m.skip(wire);
    }
    for (const ProtoMessage& e : entries) {
      if (entries_.size() >= kMaxEntries) return;
      read_entry(e, (pf.id & 0xff) << 24 | (type_id & 0xff) << 16, name, facts);
      ++pf.entries;
    }
  }

  // Entry: id = 1, name = 2, config_value = 6 (4 in aapt2's first schema, where 4 is now allow_new:
  // a later field 6 decides). ConfigValue: config = 1, value = 2; Value: item = 4.
  void read_entry(ProtoMessage m, uint32_t type_bits, const std::string& type, ResourceFacts& facts) {
    Entry e;
    e.type = type;
    uint32_t entry_id = 0;
    std::vector<ProtoMessage> first_schema, current;
    uint32_t field, wire;
    while (m.next(field, wire)) {
      if (field == 1) entry_id = m.id(wire);
      else if (field == 2 && wire == kLengthDelimited) e.name = m.string();
      else if (field == 4 && wire == kLengthDelimited) first_schema.push_back(m.sub());
      else if (field == 6 && wire == kLengthDelimited) current.push_back(m.sub());
      else m.skip(wire);
    }
    for (ProtoMessage cv : current.empty() ? first_schema : current) {
      ++facts.values;
      bool is_default = true;
      std::optional<ProtoItem> item;
      uint32_t f2, w2;
      while (cv.next(f2, w2)) {
        if (f2 == 1 && w2 == kLengthDelimited) is_default = default_config(cv.sub());
        else if (f2 == 2 && w2 == kLengthDelimited) item = value_item(cv.sub(), facts);
        else cv.skip(w2);
      }
      if (item && (!e.value || (is_default && !e.default_config))) {
        e.value = std::move(item);
        e.default_config = is_default;
      }
    }
    entries_[type_bits | (entry_id & 0xffff)] = std::move(e);
  }

  // ConfigDescription: data = 1 (a ResTable_config: its size, then every qualifier; all zero for the
  // default configuration), product = 2.
  static bool default_config(ProtoMessage m) {
    uint32_t field, wire;
    bool plain = true;
    while (m.next(field, wire)) {
      if (field == 1 && wire == kLengthDelimited) {
        Bytes d = m.bytes();
        if (d.size() > 4 && std::any_of(d.begin() + 4, d.end(), [](uint8_t b) { return b != 0; })) plain = false;
      } else if (field == 2 && wire == kLengthDelimited) {
        if (!m.string().empty()) plain = false;
      } else {
        m.skip(wire);
      }
    }
    return plain;
  }

  // Value: item = 4 (a compound value, 5, is a style, array or plural: nothing the manifest reads).
  static std::optional<ProtoItem> value_item(ProtoMessage m, ResourceFacts& facts) {
    std::optional<ProtoItem> item;
    uint32_t field, wire;
    while (m.next(field, wire)) {
      if (field == 4 && wire == kLengthDelimited) {
        item = read_proto_item(m.sub());
      } else {
        if (field == 5) ++facts.complex_values;
        m.skip(wire);
      }
    }
    return item;
  }

  std::unordered_map<uint32_t, Entry> entries_;
  std::unordered_map<uint32_t, std::string> packages_;
};

}  // namespace

std::shared_ptr<const ResourceTable> read_proto_resource_table(Bytes data, const std::string& file, AnomalySink& anomalies,
                                                               ResourceFacts& facts) {
  auto table = std::make_shared<ProtoResourceTable>();
  try {
    table->read(data, facts);
  } catch (const ParseError& e) {
    anomalies.add("arsc.proto_parse_failed", Severity::high,
                  std::string("The App Bundle's resource table (protobuf) could not be read: ") + e.what(),
                  {file, Evidence::offset(e.offset), ""});
    return nullptr;
  }
  return table;
}

}  // namespace apkvet
