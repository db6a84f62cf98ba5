#include "resources/arsc_table.h"

#include <algorithm>

namespace apkvet {
namespace {

constexpr uint16_t kStringPoolChunk = 0x0001, kTableChunk = 0x0002;
constexpr uint16_t kPackageChunk = 0x0200, kTypeChunk = 0x0201, kTypeSpecChunk = 0x0202, kLibraryChunk = 0x0203,
                   kOverlayableChunk = 0x0204, kOverlayablePolicyChunk = 0x0205, kStagedAliasChunk = 0x0206;
constexpr size_t kTableHeader = 12, kPackageHeaderMin = 284, kPackageHeaderFull = 288;
constexpr size_t kTypeSpecHeader = 16, kTypeHeaderMin = 20, kLibraryEntry = 260;
constexpr uint16_t kEntryComplex = 0x0001, kEntryCompact = 0x0008;

std::string hex(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do s.insert(s.begin(), digits[v & 15]), v >>= 4;
  while (v);
  return "0x" + s;
}

std::string utf16_fixed(const ByteReader& r, size_t at, size_t max_units) {
  size_t n = 0;
  while (n < max_units && r.u16_at(at + 2 * n) != 0) ++n;
  return utf16le_to_utf8(r.view_at(at, 2 * n), n);
}

// A chunk header inside [at, end): the checks both ResTable and LoadedArsc make on every chunk.
struct Chunk {
  uint16_t type = 0, header_size = 0;
  uint32_t size = 0;
  const char* problem = nullptr;
};

Chunk read_chunk(const ByteReader& r, size_t at, size_t end, size_t min_header = 8) {
  Chunk c;
  if (end - at < 8) return c.problem = "truncated chunk header", c;
  c.type = r.u16_at(at);
  c.header_size = r.u16_at(at + 2);
  c.size = r.u32_at(at + 4);
  if (c.header_size < min_header) c.problem = "chunk header size is too small";
  else if (c.header_size > c.size) c.problem = "chunk header is larger than the chunk";
  else if ((c.header_size | c.size) & 3) c.problem = "chunk size is not a multiple of 4";
  else if (c.size > end - at) c.problem = "chunk extends past its parent";
  return c;
}

}  // namespace

std::optional<uint32_t> ArscType::entry_offset(const ByteReader& r, uint32_t index) const {
  size_t idx = offset + header_size;
  if (flags & kSparse) {
    // ResTable_sparseTypeEntry {u16 idx; u16 offset/4}, sorted by idx: binary search like Android.
    size_t lo = 0, hi = entry_count;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (r.u16_at(idx + 4 * mid) < index) lo = mid + 1;
      else hi = mid;
    }
    if (lo == entry_count || r.u16_at(idx + 4 * lo) != index) return std::nullopt;
    return uint32_t(r.u16_at(idx + 4 * lo + 2)) * 4;
  }
  if (index >= entry_count) return std::nullopt;
  if (flags & kOffset16) {
    uint16_t v = r.u16_at(idx + 2 * size_t(index));
    if (v == 0xffff) return std::nullopt;
    return uint32_t(v) * 4;
  }
  uint32_t v = r.u32_at(idx + 4 * size_t(index));
  if (v == 0xffffffff) return std::nullopt;
  return v;
}

std::unique_ptr<ArscTable> ArscTable::parse(Bytes data, std::string evidence_file, AnomalySink& anomalies) {
  std::unique_ptr<ArscTable> t(new ArscTable(data, std::move(evidence_file), anomalies));
  ByteReader r(data);
  if (data.size() < kTableHeader || r.u16_at(0) != kTableChunk) {
    t->anomaly("arsc.bad_table_header", Severity::high, "resources.arsc does not start with a resource table chunk", 0);
    return nullptr;
  }
  try {
    t->parse_table();
  } catch (const ParseError& e) {  // defensive: every read above is checked, so this means a bug
    t->anomaly("arsc.parse_error", Severity::high, std::string("resource table reading stopped: ") + e.what(), e.offset);
  }
  return t;
}

void ArscTable::anomaly(const char* id, Severity s, std::string message, size_t offset, std::string value) {
  sink_.add(id, s, std::move(message), {file_, Evidence::offset(offset), Evidence::truncate(value)});
}

void ArscTable::parse_table() {
  ByteReader r(data_);
  uint16_t header_size = r.u16_at(2);
  uint32_t size = r.u32_at(4);
  size_t end = data_.size();
  if (header_size < kTableHeader || header_size > size) {
    anomaly("arsc.bad_chunk_size", Severity::high, "resource table header size is invalid", 0, hex(header_size));
    return;
  }
  if (size > data_.size()) {
    anomaly("arsc.bad_chunk_size", Severity::high,
            "resource table declares more bytes than the file holds (Android refuses such a table)", 4, hex(size));
  } else {
    end = size;
    if (size < data_.size())
      anomaly("arsc.trailing_data", Severity::low, "bytes follow the resource table chunk", size,
              std::to_string(data_.size() - size) + " bytes");
  }
  uint32_t declared_packages = r.u32_at(8);
  uint32_t packages_seen = 0;
  bool pool_seen = false;
  size_t at = header_size;
  while (at < end) {
    Chunk c = read_chunk(r, at, end);
    if (c.problem) {
      anomaly("arsc.bad_chunk_size", Severity::high, std::string("resource table: ") + c.problem, at,
              "type " + hex(c.type) + " size " + hex(c.size));
      break;
    }
    if (c.type == kStringPoolChunk) {
      if (!pool_seen) {
        pool_seen = true;
        strings_ = ArscStringPool::parse(data_, at, at + c.size);
        if (!strings_.ok())
          anomaly("arsc.bad_string_pool", Severity::high, "global string pool is invalid: " + strings_.error(),
                  strings_.error_offset());
      } else {
        anomaly("arsc.multiple_string_pools", Severity::medium,
                "more than one global string pool; Android uses the first", at);
      }
    } else if (c.type == kPackageChunk) {
      if (++packages_seen == declared_packages + 1)
        anomaly("arsc.package_count_mismatch", Severity::medium,
                "more package chunks than the table header declares (aapt refuses the table)", at,
                std::to_string(declared_packages) + " declared");
      parse_package(at, at + c.size);
    } else {
      anomaly("arsc.unknown_chunk", Severity::low, "unknown chunk in the resource table (skipped)", at, hex(c.type));
    }
    at += c.size;
  }
  if (packages_seen < declared_packages)
    anomaly("arsc.package_count_mismatch", Severity::medium,
            "fewer package chunks than the table header declares (aapt refuses the table)", 8,
            std::to_string(declared_packages) + " declared, " + std::to_string(packages_seen) + " found");
  if (!pool_seen) anomaly("arsc.missing_string_pool", Severity::high, "resource table has no global string pool", 0);
}

void ArscTable::parse_package(size_t at, size_t end) {
  ByteReader r(data_);
  Chunk c = read_chunk(r, at, end, kPackageHeaderMin);
  if (c.problem) {
    anomaly("arsc.bad_chunk_size", Severity::high, std::string("package: ") + c.problem, at, hex(c.header_size));
    return;
  }
  ArscPackage p;
  p.offset = at;
  p.id = r.u32_at(at + 8);
  p.runtime_id = p.id;
  if (p.id == 0) p.runtime_id = next_dynamic_id_++;
  p.name = utf16_fixed(r, at + 12, 128);
  uint32_t type_strings = r.u32_at(at + 268), key_strings = r.u32_at(at + 276);
  if (c.header_size >= kPackageHeaderFull) p.type_id_offset = r.u32_at(at + 284);
  if (p.id >= 256) {
    anomaly("arsc.bad_package_id", Severity::high, "package id is out of range (Android aborts)", at + 8, hex(p.id));
    return;
  }
  if (p.type_id_offset > 255) {
    anomaly("arsc.bad_package_header", Severity::high, "package type id offset is out of range", at + 284,
            hex(p.type_id_offset));
    p.type_id_offset = 0;
  }
  if (type_strings >= c.size || key_strings >= c.size) {
    anomaly("arsc.bad_package_header", Severity::high, "package type or key strings lie past the package chunk", at + 268);
  } else {
    p.type_strings = ArscStringPool::parse(data_, at + type_strings, end);
    p.key_strings = ArscStringPool::parse(data_, at + key_strings, end);
    if (!p.type_strings.ok())
      anomaly("arsc.bad_string_pool", Severity::high, "package type-name pool is invalid: " + p.type_strings.error(),
              p.type_strings.error_offset());
    if (!p.key_strings.ok())
      anomaly("arsc.bad_string_pool", Severity::high, "package key-name pool is invalid: " + p.key_strings.error(),
              p.key_strings.error_offset());
  }
  size_t pos = at + c.header_size;
  while (pos < end) {
    Chunk k = read_chunk(r, pos, end);
    if (k.problem) {
      anomaly("arsc.bad_chunk_size", Severity::high, std::string("package ") + p.name + ": " + k.problem, pos,
              "type " + hex(k.type) + " size " + hex(k.size));
      break;
    }
    switch (k.type) {
      case kStringPoolChunk: break;  // the type and key pools, read above through their offsets
      case kTypeSpecChunk: {
        uint32_t count = k.header_size >= kTypeSpecHeader ? r.u32_at(pos + 12) : 0;
        uint8_t id = data_[pos + 8];
        if (k.header_size < kTypeSpecHeader || uint64_t(k.header_size) + 4ull * count > k.size) {
          anomaly("arsc.bad_type_spec", Severity::high, "type spec flags extend past its chunk (aapt refuses the table)",
                  pos, hex(count));
        } else if (id == 0) {
          anomaly("arsc.type_id_zero", Severity::high, "type spec with id 0 (Android refuses the table)", pos + 8);
        } else if (count > 0) {
          const ArscTypeSpec* previous = nullptr;
          for (const auto& s : p.specs)
            if (s.id == id) previous = &s;
          if (previous)
            anomaly("arsc.duplicate_type_spec", Severity::medium, "type " + std::to_string(id) + " is declared twice",
                    pos, hex(id));
          // aapt keeps a second spec only when its entry count agrees with the first.
          if (!previous || previous->entry_count == count) p.specs.push_back({pos, id, count, {}});
        }
        break;
      }
      case kTypeChunk: parse_type(p, pos, k.size); break;
      case kLibraryChunk: {
        if (!p.libraries.empty()) {
          anomaly("arsc.multiple_library_chunks", Severity::low, "more than one library chunk; the first is used", pos);
          break;
        }
        uint32_t count = k.header_size >= 12 ? r.u32_at(pos + 8) : 0;
        if (uint64_t(k.header_size) + uint64_t(count) * kLibraryEntry > k.size) {
          anomaly("arsc.bad_chunk_size", Severity::medium, "library entries extend past their chunk", pos, hex(count));
          break;
        }
        for (uint32_t i = 0; i < count; ++i) {
          size_t e = pos + k.header_size + size_t(i) * kLibraryEntry;
          p.libraries[r.u32_at(e)] = utf16_fixed(r, e + 4, 128);
        }
        break;
      }
      case kOverlayableChunk:
      case kOverlayablePolicyChunk: ++p.overlayable_chunks; break;
      case kStagedAliasChunk: p.staged_aliases += k.header_size >= 12 ? r.u32_at(pos + 8) : 0; break;
      default:
        anomaly("arsc.unknown_chunk", Severity::low, "unknown chunk in package " + p.name + " (skipped)", pos, hex(k.type));
    }
    pos += k.size;
  }
  packages_.push_back(std::move(p));
}

void ArscTable::parse_type(ArscPackage& p, size_t at, uint32_t size) {
  ByteReader r(data_);
  uint16_t header_size = r.u16_at(at + 2);
  if (header_size < kTypeHeaderMin + 4) {
    anomaly("arsc.bad_type_chunk", Severity::high, "type chunk header is too small", at, hex(header_size));
    return;
  }
  ArscType t;
  t.offset = at;
  t.chunk_size = size;
  t.header_size = header_size;
  t.id = data_[at + 8];
  t.flags = data_[at + 9];
  t.entry_count = r.u32_at(at + 12);
  t.entries_start = r.u32_at(at + 16);
  uint32_t config_size = r.u32_at(at + 20);
  if (config_size < 4 || config_size > header_size - kTypeHeaderMin) {
    anomaly("arsc.bad_type_chunk", Severity::high, "type config size does not fit its header", at + 20, hex(config_size));
    return;
  }
  t.config = ResConfig::read(r, at + kTypeHeaderMin);
  size_t index_width = (t.flags & ArscType::kOffset16) && !(t.flags & ArscType::kSparse) ? 2 : 4;
  if (t.id == 0) {
    anomaly("arsc.type_id_zero", Severity::high, "type chunk with id 0 (Android refuses the table)", at + 8);
    return;
  }
  if (uint64_t(header_size) + uint64_t(index_width) * t.entry_count > size) {
    anomaly("arsc.bad_type_chunk", Severity::high, "type entry index extends past its chunk (Android refuses the table)",
            at + 12, hex(t.entry_count));
    return;
  }
  if (t.entry_count == 0) return;  // Android skips empty types
  if (t.entries_start > size - 8 || t.entries_start < header_size + index_width * t.entry_count) {
    anomaly("arsc.bad_type_chunk", Severity::high, "type entries start outside its chunk or inside its index",
            at + 16, hex(t.entries_start));
    return;
  }
  if (t.entries_start & 3)
    anomaly("arsc.bad_type_chunk", Severity::medium, "type entries start unaligned (Android reads none of them)",
            at + 16, hex(t.entries_start));
  if (t.entry_count > 0xffff)
    anomaly("arsc.bad_type_chunk", Severity::medium, "type declares more than 65535 entries (Android refuses it)",
            at + 12, hex(t.entry_count));
  if (t.config.unknown_fields)
    anomaly("arsc.unknown_config", Severity::low, "type config carries qualifier bytes unknown here", at + 20,
            hex(config_size));
  ArscTypeSpec* spec = nullptr;
  for (auto& s : p.specs)
    if (s.id == t.id) spec = &s;  // the last spec of this id, as aapt attaches it
  if (!spec) {
    anomaly("arsc.type_without_spec", Severity::high, "type chunk before any spec of its id (Android refuses the table)",
            at + 8, hex(t.id));
    return;
  }
  if (!(t.flags & ArscType::kSparse) && t.entry_count > spec->entry_count)
    anomaly("arsc.entry_count_mismatch", Severity::medium, "type config has more entries than its spec declares", at + 12,
            std::to_string(t.entry_count) + " > " + std::to_string(spec->entry_count));
  Bytes config_bytes = data_.subspan(at + kTypeHeaderMin, config_size);
  for (const auto& other : spec->types) {
    Bytes o = data_.subspan(other.offset + kTypeHeaderMin, r.u32_at(other.offset + kTypeHeaderMin));
    if (std::equal(o.begin(), o.end(), config_bytes.begin(), config_bytes.end())) {
      std::string name = t.config.to_string();
      anomaly("arsc.duplicate_config", Severity::medium,
              "type " + std::to_string(t.id) + " has the same configuration twice; Android uses the first", at,
              name.empty() ? "(default)" : name);
      break;
    }
  }
  spec->types.push_back(t);
}

std::optional<ArscEntry> ArscTable::read_entry(const ArscType& type, uint32_t offset) const {
  ByteReader r(data_);
  uint64_t rel = uint64_t(type.entries_start) + offset;
  if (rel > type.chunk_size - 8 || (rel & 3)) return std::nullopt;
  ArscEntry e;
  e.offset = type.offset + rel;
  uint16_t size = r.u16_at(e.offset), flags = r.u16_at(e.offset + 2);
  if (flags & kEntryCompact) {
    e.compact = true;
    e.key = size;
    e.data_type = uint8_t(flags >> 8);
    e.data = r.u32_at(e.offset + 4);
    return e;
  }
  if (size < 8) return std::nullopt;
  e.key = r.u32_at(e.offset + 4);
  if (flags & kEntryComplex) {
    if (size < 16 || rel + 16 > type.chunk_size) return std::nullopt;
    e.complex = true;
    return e;
  }
  if (rel + size + 8 > type.chunk_size) return std::nullopt;
  e.data_type = data_[e.offset + size + 3];
  e.data = r.u32_at(e.offset + size + 4);
  return e;
}

std::optional<ArscValue> ArscTable::lookup(uint32_t id, const ResConfig& request) const {
  ByteReader r(data_);
  uint32_t package_id = id >> 24, type_id = (id >> 16) & 0xff, index = id & 0xffff;
  if (type_id == 0) return std::nullopt;
  if (package_id == 0) package_id = dynamic_id();  // a reference inside a shared library to itself
  const ArscPackage* best_package = nullptr;
  const ArscType* best = nullptr;
  uint32_t best_offset = 0;
  for (const auto& p : packages_) {
    if (p.runtime_id != package_id) continue;
    for (const auto& spec : p.specs) {
      if (spec.id != type_id || index >= spec.entry_count) continue;
      for (const auto& t : spec.types) {
        if (!t.config.match(request)) continue;
        auto off = t.entry_offset(r, index);
        if (!off) continue;
        if (best && !t.config.is_better_than(best->config, request)) continue;
        best = &t, best_offset = *off, best_package = &p;
      }
    }
  }
  if (!best) return std::nullopt;
  auto e = read_entry(*best, best_offset);
  if (!e) return std::nullopt;
  return ArscValue{id, best_package, best, *e};
}

uint32_t ArscTable::dynamic_id() const {
  for (const auto& p : packages_)
    if (p.id == 0) return p.runtime_id;
  return 0;
}

uint32_t ArscTable::fix_package(uint32_t ref, const ArscPackage& from, bool dynamic) const {
  uint32_t pid = ref >> 24;
  if (pid == 0) return (from.runtime_id << 24) | (ref & 0xffffff);
  if (!dynamic || pid == 0x7f || pid == 0x01) return ref;
  auto lib = from.libraries.find(pid);
  if (lib != from.libraries.end())
    for (const auto& p : packages_)
      if (p.name == lib->second) return (p.runtime_id << 24) | (ref & 0xffffff);
  return ref;
}

std::optional<ArscValue> ArscTable::resolve(uint32_t id, const ResConfig& request, int max_depth) const {
  auto v = lookup(id, request);
  for (int lookups = 1; v; ++lookups) {
    if (v->entry.complex) return std::nullopt;
    if (v->entry.data_type == kResDynamicReference) {
      v->entry.data = fix_package(v->entry.data, *v->package, true);
      v->entry.data_type = kResReference;
    } else if (v->entry.data_type == kResReference) {
      v->entry.data = fix_package(v->entry.data, *v->package, false);
    }
    if (v->entry.data_type != kResReference || v->entry.data == 0 || lookups >= max_depth) return v;
    v = lookup(v->entry.data, request);
  }
  return std::nullopt;
}

std::optional<std::string> ArscTable::string_value(uint32_t id, const ResConfig& request) const {
  auto v = resolve(id, request);
  if (!v || v->entry.data_type != kResString) return std::nullopt;
  return strings_.at(v->entry.data);
}

std::optional<std::string> ArscTable::string_value(uint32_t id) const {
  return string_value(id, ResConfig::aapt_default());
}

std::optional<std::string> ArscTable::file_path(uint32_t id) const { return string_value(id); }

std::optional<uint32_t> ArscTable::integer_value(uint32_t id) const {
  auto v = resolve(id, ResConfig::aapt_default());
  if (!v || v->entry.complex) return std::nullopt;
  // TYPE_INT_DEC, TYPE_INT_HEX, TYPE_INT_BOOLEAN (ResourceTypes.h)
  if (v->entry.data_type != 0x10 && v->entry.data_type != 0x11 && v->entry.data_type != 0x12) return std::nullopt;
  return v->entry.data;
}

std::optional<std::string> ArscTable::type_name(const ArscPackage& p, uint8_t type_id) const {
  if (type_id == 0 || type_id <= p.type_id_offset) return std::nullopt;
  return p.type_strings.at(type_id - 1 - p.type_id_offset);
}

std::optional<std::string> ArscTable::resource_name(uint32_t id) const {
  ByteReader r(data_);
  uint32_t type_id = (id >> 16) & 0xff, index = id & 0xffff, package_id = id >> 24 ? id >> 24 : dynamic_id();
  for (const auto& p : packages_) {
    if (p.runtime_id != package_id) continue;
    for (const auto& spec : p.specs) {
      if (spec.id != type_id || index >= spec.entry_count) continue;
      for (const auto& t : spec.types) {
        auto off = t.entry_offset(r, index);
        if (!off) continue;
        auto e = read_entry(t, *off);
        if (!e) continue;
        auto type = type_name(p, uint8_t(type_id));
        auto key = p.key_strings.at(e->key);
        if (!type || !key) return std::nullopt;
        return p.name + ":" + *type + "/" + *key;
      }
    }
  }
  return std::nullopt;
}

std::optional<uint32_t> ArscTable::find_id(uint8_t package_id, std::string_view type, std::string_view name) const {
  ByteReader r(data_);
  for (const auto& p : packages_) {
    if (p.runtime_id != (package_id ? package_id : dynamic_id())) continue;
    std::optional<uint32_t> key;
    for (uint32_t k = 0; k < p.key_strings.size() && !key; ++k)
      if (p.key_strings.at(k) == name) key = k;
    if (!key) continue;
    for (const auto& spec : p.specs) {
      if (type_name(p, spec.id) != type) continue;
      for (const auto& t : spec.types)
        for (uint32_t i = 0; i < spec.entry_count; ++i) {
          auto off = t.entry_offset(r, i);
          if (!off) continue;
          auto e = read_entry(t, *off);
          if (e && e->key == *key) return (p.runtime_id << 24) | (uint32_t(spec.id) << 16) | i;
        }
    }
  }
  return std::nullopt;
}

void ArscTable::for_each_entry(const std::function<void(const ArscPackage&, const ArscType&, uint32_t,
                                                        const std::optional<ArscEntry>&)>& fn) const {
  ByteReader r(data_);
  for (const auto& p : packages_)
    for (const auto& spec : p.specs)
      for (const auto& t : spec.types) {
        if (t.flags & ArscType::kSparse) {
          for (uint32_t i = 0; i < t.entry_count; ++i) {
            size_t at = t.offset + t.header_size + 4 * size_t(i);
            fn(p, t, r.u16_at(at), read_entry(t, uint32_t(r.u16_at(at + 2)) * 4));
          }
        } else {
          for (uint32_t i = 0; i < t.entry_count; ++i) {
            auto off = t.entry_offset(r, i);
            if (off) fn(p, t, i, read_entry(t, *off));
          }
        }
      }
}

}  // namespace apkvet
