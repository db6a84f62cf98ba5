// Parses one DEX section: header checks (magic, version, adler32, sizes, endian, map list), id tables,
// class defs and class data, then walks every method's bytecode for call sites and uses.
// Every read is bounds-checked; damage becomes a dex.* anomaly (one per kind per file, with a count).
#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

#include "dex/dex_file.h"
#include "dex/dex_opcodes.h"

namespace apkvet::dex {

namespace {

inline uint32_t rd16(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 8); }
inline uint32_t rd32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

std::string hex32(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

constexpr uint32_t kEndianConstant = 0x12345678;
constexpr uint32_t kReverseEndianConstant = 0x78563412;
constexpr uint32_t kHeaderSize = 0x70;
constexpr uint32_t kHeaderSizeV41 = 0x78;

// Bounded cursor over the section for uleb128 data (class_data).
struct Cursor {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;
  uint32_t uleb() {
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (p >= end) {
        ok = false;
        return 0;
      }
      uint8_t b = *p++;
      v |= uint32_t(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok = false;  // more than 5 bytes
    return v;
  }
};

}  // namespace

class DexParser {
 public:
  DexParser(DexFile& f, AnomalySink& sink, const DexParseOptions& options) : f_(f), sink_(sink), options_(options) {}

  void run(Bytes data, size_t header_pos);

 private:
  void anomaly(const std::string& id, Severity s, const std::string& message, uint64_t offset, std::string value = "");
  void flush_anomalies();
  bool seen(const std::string& id) const { return pending_.count(id) != 0; }
  // Counts a repeat of an anomaly already recorded for this file (so its evidence is not built again).
  bool repeat(const std::string& id) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return false;
    ++it->second.count;
    return true;
  }
  bool read_header(Bytes data, size_t header_pos);
  uint32_t table(const char* name, uint32_t size, uint32_t off, uint32_t elem);
  void read_map();
  void read_ids();
  void locate_strings(const std::vector<uint32_t>& offsets);
  void read_class_defs();
  void read_class_data(uint32_t class_def);
  void read_code(Method& m, uint32_t code_off);
  void decode_all();
  void decode(uint32_t method);

  DexFile& f_;
  AnomalySink& sink_;
  const DexParseOptions& options_;
  uint64_t header_at_ = 0;  // header position inside base
  struct Pending {
    Anomaly first;
    size_t count = 0;
  };
  std::map<std::string, Pending> pending_;  // by id: the first occurrence and how many
};

void DexParser::anomaly(const std::string& id, Severity s, const std::string& message, uint64_t offset,
                        std::string value) {
  auto& p = pending_[id];
  if (p.count++ == 0) p.first = Anomaly{id, s, message, Evidence{f_.path_, Evidence::offset(offset), std::move(value)}};
}

void DexParser::flush_anomalies() {
  for (auto& [id, p] : pending_) {
    std::string msg = p.first.message;
    if (p.count > 1) msg += " (" + std::to_string(p.count) + " occurrences in this file; the first is cited)";
    sink_.add(p.first.id, p.first.severity, std::move(msg), std::move(p.first.evidence));
  }
  pending_.clear();
}

bool DexParser::read_header(Bytes data, size_t header_pos) {
  DexHeader& h = f_.header_;
  Bytes avail = header_pos <= data.size() ? data.subspan(header_pos) : Bytes{};
  f_.base_ = avail;
  if (avail.size() < 8 || std::memcmp(avail.data(), "dex\n", 4) != 0) {
    anomaly("dex.bad_magic", Severity::high, "File is not a DEX file (bad magic); it was not analysed", header_pos,
            std::string(as_chars(avail.first(std::min<size_t>(8, avail.size())))));
    return false;
  }
  const uint8_t* v = avail.data() + 4;
  bool digits = v[0] >= '0' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' && v[2] <= '9' && v[3] == 0;
  if (!digits) {
    anomaly("dex.bad_magic", Severity::high, "DEX magic has no version number; it was not analysed", header_pos,
            std::string(as_chars(avail.first(8))));
    return false;
  }
  h.version = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
  if (h.version != 35 && h.version != 37 && h.version != 38 && h.version != 39 && h.version != 40 && h.version != 41)
    anomaly("dex.unknown_version", Severity::medium,
            "DEX version is not one Android defines (035, 037-041); it was read as the nearest known format",
            header_pos + 4, std::string(as_chars(avail.subspan(4, 3))));
  if (avail.size() < kHeaderSize) {
    anomaly("dex.truncated_header", Severity::high, "DEX file is shorter than its header", header_pos,
            std::to_string(avail.size()));
    return false;
  }
  ByteReader r(avail, 8);
  h.checksum = r.u32();
  r.skip(20);  // SHA-1 signature: not verified (costly, and Android does not check it either)
  h.file_size = r.u32();
  h.header_size = r.u32();
  h.endian_tag = r.u32();
  h.link_size = r.u32();
  h.link_off = r.u32();
  h.map_off = r.u32();
  h.string_ids_size = r.u32();
  h.string_ids_off = r.u32();
  h.type_ids_size = r.u32();
  h.type_ids_off = r.u32();
  h.proto_ids_size = r.u32();
  h.proto_ids_off = r.u32();
  h.field_ids_size = r.u32();
  h.field_ids_off = r.u32();
  h.method_ids_size = r.u32();
  h.method_ids_off = r.u32();
  h.class_defs_size = r.u32();
  h.class_defs_off = r.u32();
  h.data_size = r.u32();
  h.data_off = r.u32();

  if (h.endian_tag == kReverseEndianConstant) {
    anomaly("dex.big_endian", Severity::high, "DEX file declares big-endian byte order, which Android never loads",
            header_pos + 40, hex32(h.endian_tag));
    return false;
  }
  if (h.endian_tag != kEndianConstant)
    anomaly("dex.bad_endian_tag", Severity::medium, "DEX endian tag is not the standard constant", header_pos + 40,
            hex32(h.endian_tag));

  bool container = h.version >= 41 && h.header_size >= kHeaderSizeV41 && avail.size() >= kHeaderSizeV41;
  uint32_t expected_header = h.version >= 41 ? kHeaderSizeV41 : kHeaderSize;
  if (h.header_size != expected_header)
    anomaly("dex.bad_header_size", Severity::medium, "DEX header_size is not the size its version defines",
            header_pos + 36, hex32(h.header_size));

  if (container) {
    h.container_size = r.u32();
    h.header_offset = r.u32();
    // Offsets in a container section are relative to the container, which starts header_offset before.
    if (h.header_offset != header_pos)
      anomaly("dex.container_bad_header_offset", Severity::high,
              "DEX container section's header_offset does not say where its header is", header_pos + 116,
              hex32(h.header_offset));
    const size_t start = 0;  // the container is the whole input; every section's offsets are from its start
    uint64_t csize = h.container_size;
    if (csize > data.size() - start) {
      anomaly("dex.truncated", Severity::high, "DEX container is shorter than its container_size", header_pos + 112,
              hex32(h.container_size));
      csize = data.size() - start;
    } else if (csize < data.size() - start) {
      anomaly("dex.trailing_data", Severity::low, "Bytes follow the DEX container's declared end", csize,
              std::to_string(data.size() - start - csize));
    }
    if (uint64_t(h.file_size) + header_pos > csize || h.file_size < h.header_size)
      anomaly("dex.bad_file_size", Severity::high, "DEX container section's file_size does not fit the container",
              header_pos + 32, hex32(h.file_size));
    f_.base_ = data.subspan(start, csize);
    header_at_ = header_pos - start;
  } else {
    if (h.file_size > avail.size())
      anomaly("dex.truncated", Severity::high, "DEX file is shorter than its header's file_size says", header_pos + 32,
              hex32(h.file_size) + " > " + hex32(avail.size()));
    else if (h.file_size < avail.size())
      anomaly("dex.trailing_data", Severity::low, "Bytes follow the end the DEX header declares (file_size)",
              header_pos + h.file_size, std::to_string(avail.size() - h.file_size));
    if (h.file_size < h.header_size)
      anomaly("dex.bad_file_size", Severity::high, "DEX file_size is smaller than its header", header_pos + 32,
              hex32(h.file_size));
    // Read leniently: the id tables are looked up in everything that is there.
    f_.base_ = avail;
    header_at_ = 0;
  }

  // adler32 over everything after the checksum field, up to file_size (as far as the bytes go).
  uint64_t sum_end = std::min<uint64_t>(header_at_ + h.file_size, f_.base_.size());
  uint64_t sum_begin = header_at_ + 12;
  // libdeflate's adler32 (vectorised) rather than zlib's: it reads every byte of every DEX file.
  uint32_t sum = 1;  // adler32 of nothing
  for (uint64_t at = sum_begin; at < sum_end;) {
    uint64_t n = std::min<uint64_t>(sum_end - at, 1u << 30);
    if (options_.verify_checksum) sum = libdeflate_adler32(sum, f_.base_.data() + at, static_cast<size_t>(n));
    at += n;
  }
  h.computed_checksum = options_.verify_checksum ? sum : h.checksum;
  if (h.computed_checksum != h.checksum)
    anomaly("dex.bad_checksum", Severity::medium,
            "DEX adler32 checksum does not match its content (modified after it was built, or damaged)", header_pos + 8,
            hex32(h.checksum) + " != " + hex32(h.computed_checksum));

  if (h.link_size != 0 || h.link_off != 0)
    anomaly("dex.link_section", Severity::low, "DEX file has a link section, which Android does not use",
            header_pos + 44, hex32(h.link_size));
  return true;
}

// How many elements of an id table can be read; reports a table that leaves the file.
uint32_t DexParser::table(const char* name, uint32_t size, uint32_t off, uint32_t elem) {
  if (size == 0) return 0;
  uint64_t avail = f_.base_.size();
  if ((off & 3) != 0)
    anomaly("dex.misaligned_section", Severity::low, std::string("DEX ") + name + " table is not 4-byte aligned",
            header_at_, hex32(off));
  if (off >= avail || uint64_t(size) * elem > avail - off) {
    uint64_t fits = off >= avail ? 0 : (avail - off) / elem;
    anomaly("dex.section_out_of_bounds", Severity::high,
            std::string("DEX ") + name + " table extends past the end of the file; only what fits was read", header_at_,
            std::string(name) + " off " + hex32(off) + " size " + std::to_string(size));
    return static_cast<uint32_t>(fits);
  }
  return size;
}

void DexParser::read_map() {
  const DexHeader& h = f_.header_;
  Bytes b = f_.base_;
  if (h.map_off == 0) {
    anomaly("dex.missing_map", Severity::medium, "DEX file has no map list", header_at_ + 52);
    return;
  }
  if ((h.map_off & 3) != 0 || uint64_t(h.map_off) + 4 > b.size()) {
    anomaly("dex.bad_map_list", Severity::medium, "DEX map list offset is out of bounds or misaligned", header_at_ + 52,
            hex32(h.map_off));
    return;
  }
  uint64_t n = rd32(b.data() + h.map_off);
  if (n * 12 > b.size() - h.map_off - 4) {
    anomaly("dex.bad_map_list", Severity::medium, "DEX map list extends past the end of the file", h.map_off,
            std::to_string(n));
    n = (b.size() - h.map_off - 4) / 12;
  }
  struct Expect {
    uint16_t type;
    uint32_t size, off;
  };
  const Expect expected[] = {
      {0x0001, h.string_ids_size, h.string_ids_off}, {0x0002, h.type_ids_size, h.type_ids_off},
      {0x0003, h.proto_ids_size, h.proto_ids_off},   {0x0004, h.field_ids_size, h.field_ids_off},
      {0x0005, h.method_ids_size, h.method_ids_off}, {0x0006, h.class_defs_size, h.class_defs_off}};
  int prev_type = -1;
  uint64_t prev_off = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t* e = b.data() + h.map_off + 4 + i * 12;
    uint16_t type = static_cast<uint16_t>(rd16(e));
    uint32_t size = rd32(e + 4), off = rd32(e + 8);
    if (off >= b.size() && size != 0)
      anomaly("dex.bad_map_list", Severity::medium, "DEX map list item points outside the file", h.map_off + 4 + i * 12,
              hex32(type) + " at " + hex32(off));
    if (prev_type >= 0 && off < prev_off)
      anomaly("dex.bad_map_list", Severity::medium, "DEX map list items are not in offset order",
              h.map_off + 4 + i * 12, hex32(type));
    prev_type = type;
    prev_off = off;
    for (const auto& x : expected)
      if (x.type == type && x.size != 0 && (x.size != size || x.off != off))
        anomaly("dex.map_mismatch", Severity::medium, "DEX map list disagrees with the header about an id table",
                h.map_off + 4 + i * 12, hex32(type));
    if (type == 0x0007) {
      f_.call_site_ids_size_ = size;
      f_.call_site_ids_off_ = off;
    } else if (type == 0x0008) {
      f_.method_handles_size_ = size;
      f_.method_handles_off_ = off;
    }
  }
  if (f_.call_site_ids_size_)
    f_.call_site_ids_size_ = table("call_site_ids", f_.call_site_ids_size_, f_.call_site_ids_off_, 4);
  if (f_.method_handles_size_)
    f_.method_handles_size_ = table("method_handles", f_.method_handles_size_, f_.method_handles_off_, 8);
}

namespace {

// The first NUL at or after p, before end (else end).
const uint8_t* first_nul(const uint8_t* p, const uint8_t* end) {
  const void* q = std::memchr(p, 0, size_t(end - p));
  return q ? static_cast<const uint8_t*>(q) : end;
}

// The first byte at or after p, before end, with its top bit set (else end), 8 bytes at a time.
const uint8_t* first_non_ascii(const uint8_t* p, const uint8_t* end) {
  for (; end - p >= 8; p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if (word & 0x8080808080808080ull) break;
  }
  while (p < end && *p < 0x80) ++p;
  return p;
}

// The first byte a search (first_nul, first_non_ascii) stops at, asked for positions in ascending
// order: it remembers that nothing lies in [from_, found_), so every byte of the file is searched about
// once however many positions fall in one run. (A position before from_ is searched afresh: correct,
// just not remembered.)
class SweepingSearch {
 public:
  using Search = const uint8_t* (*)(const uint8_t*, const uint8_t*);
  SweepingSearch(Search search, const uint8_t* end) : search_(search), end_(end) {}

  const uint8_t* from(const uint8_t* p) {
    if (!from_ || p < from_ || p > found_) {
      from_ = p;
      found_ = search_(p, end_);
    }
    return found_;
  }

 private:
  Search search_;
  const uint8_t* end_;
  const uint8_t *from_ = nullptr, *found_ = nullptr;
};

}  // namespace

// Each string's bytes run from after its uleb128 UTF-16 length (at most 5 bytes) to the first NUL, or
// to the end of the file. They are found in one sweep in offset order that remembers the next NUL and
// the next non-ASCII byte, so a hostile file whose string ids all point into one long unterminated run
// costs that run's length once, not once per string. (d8 writes string data in string id order, so
// the sort is normally skipped.)
void DexParser::locate_strings(const std::vector<uint32_t>& offsets) {
  const uint8_t* b = f_.base_.data();
  const uint8_t* end = b + f_.base_.size();
  f_.strings_.assign(offsets.size(), {});
  std::vector<uint32_t> order;
  order.reserve(offsets.size());
  for (uint32_t i = 0; i < offsets.size(); ++i)
    if (offsets[i] < f_.base_.size()) order.push_back(i);
  auto by_offset = [&](uint32_t x, uint32_t y) { return offsets[x] < offsets[y] || (offsets[x] == offsets[y] && x < y); };
  if (!std::is_sorted(order.begin(), order.end(), by_offset)) std::sort(order.begin(), order.end(), by_offset);
  SweepingSearch nul(first_nul, end), non_ascii(first_non_ascii, end);
  for (uint32_t idx : order) {
    const uint8_t* p = b + offsets[idx];
    for (int i = 0; i < 5 && p < end; ++i)
      if ((*p++ & 0x80) == 0) break;
    if (p >= end || size_t(p - b) > UINT32_MAX) continue;  // no bytes (or past what an offset can say): ""
    // In offset order p never moves back: a length field that starts later ends at or after one that
    // starts earlier (both stop at the same byte below 0x80, or the later one at its 5-byte cap).
    const uint8_t* stop = nul.from(p);
    auto& s = f_.strings_[idx];
    s.offset = uint32_t(p - b);
    s.length = uint32_t(std::min<size_t>(size_t(stop - p), 0x7fffffff));
    s.ascii = non_ascii.from(p) >= stop;
  }
  // The other strings are decoded to UTF-8 here, once, in id order. A well-formed file's strings do
  // not share bytes, so their text is at most three times the file (a bad byte becomes U+FFFD, three
  // bytes); ids that overlap on purpose could make it quadratic. Beyond that budget the rest keep their
  // raw bytes.
  const uint64_t budget = 3 * uint64_t(f_.base_.size());
  uint64_t used = 0, undecoded = 0, first_undecoded = 0;
  for (uint32_t idx = 0; idx < f_.strings_.size(); ++idx) {
    const auto& s = f_.strings_[idx];
    if (s.ascii) continue;
    if (used + 3 * uint64_t(s.length) > budget) {
      if (undecoded++ == 0) first_undecoded = f_.header_.string_ids_off + uint64_t(idx) * 4;
      continue;
    }
    std::string text = mutf8_to_utf8({reinterpret_cast<const char*>(b) + s.offset, s.length});
    used += text.size();
    f_.decoded_.emplace(idx, std::move(text));
  }
  if (undecoded)
    anomaly("dex.strings_overlap", Severity::medium,
            "DEX string ids point into each other's bytes far beyond any real app (" + std::to_string(undecoded) +
                " strings left undecoded)",
            first_undecoded);
}

void DexParser::read_ids() {
  const DexHeader& h = f_.header_;
  const uint8_t* b = f_.base_.data();
  uint64_t size = f_.base_.size();

  uint32_t n = table("string_ids", h.string_ids_size, h.string_ids_off, 4);
  std::vector<uint32_t> offsets(n);
  uint64_t bad = 0, first_bad = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t off = rd32(b + h.string_ids_off + uint64_t(i) * 4);
    offsets[i] = off;
    if (off >= size && bad++ == 0) first_bad = h.string_ids_off + uint64_t(i) * 4;
  }
  locate_strings(offsets);
  if (bad)
    if (!repeat("dex.bad_string_data"))
      anomaly("dex.bad_string_data", Severity::medium,
              "DEX string ids point outside the file (" + std::to_string(bad) + ")", first_bad);
  uint32_t strings = n;

  n = table("type_ids", h.type_ids_size, h.type_ids_off, 4);
  f_.type_ids_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    f_.type_ids_[i] = rd32(b + h.type_ids_off + uint64_t(i) * 4);
    if (f_.type_ids_[i] >= strings)
      if (!repeat("dex.bad_index"))
        anomaly("dex.bad_index", Severity::medium, "DEX id refers to a string/type/proto that does not exist",
                h.type_ids_off + uint64_t(i) * 4, "type descriptor " + std::to_string(f_.type_ids_[i]));
  }
  uint32_t types = n;
  if (types > 65536)
    if (!repeat("dex.too_many_ids"))
      anomaly("dex.too_many_ids", Severity::medium, "DEX file has more type ids than 16-bit indices can name",
              header_at_ + 64, std::to_string(types));

  n = table("proto_ids", h.proto_ids_size, h.proto_ids_off, 12);
  f_.proto_ids_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* e = b + h.proto_ids_off + uint64_t(i) * 12;
    f_.proto_ids_[i] = {rd32(e), rd32(e + 4), rd32(e + 8)};
    if (f_.proto_ids_[i].shorty_idx >= strings || f_.proto_ids_[i].return_type_idx >= types)
      if (!repeat("dex.bad_index"))
        anomaly("dex.bad_index", Severity::medium, "DEX id refers to a string/type/proto that does not exist",
                h.proto_ids_off + uint64_t(i) * 12, "proto " + std::to_string(i));
  }
  uint32_t protos = n;

  n = table("field_ids", h.field_ids_size, h.field_ids_off, 8);
  f_.field_ids_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* e = b + h.field_ids_off + uint64_t(i) * 8;
    f_.field_ids_[i] = {rd16(e), rd16(e + 2), rd32(e + 4)};
    if (f_.field_ids_[i].class_idx >= types || f_.field_ids_[i].type_idx >= types ||
        f_.field_ids_[i].name_idx >= strings)
      if (!repeat("dex.bad_index"))
        anomaly("dex.bad_index", Severity::medium, "DEX id refers to a string/type/proto that does not exist",
                h.field_ids_off + uint64_t(i) * 8, "field " + std::to_string(i));
  }

  n = table("method_ids", h.method_ids_size, h.method_ids_off, 8);
  f_.method_ids_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* e = b + h.method_ids_off + uint64_t(i) * 8;
    f_.method_ids_[i] = {rd16(e), rd16(e + 2), rd32(e + 4)};
    if (f_.method_ids_[i].class_idx >= types || f_.method_ids_[i].proto_idx >= protos ||
        f_.method_ids_[i].name_idx >= strings)
      if (!repeat("dex.bad_index"))
        anomaly("dex.bad_index", Severity::medium, "DEX id refers to a string/type/proto that does not exist",
                h.method_ids_off + uint64_t(i) * 8, "method " + std::to_string(i));
  }

  // Sorted type descriptors (every well-formed file) let find_class binary-search.
  bool sorted = true;
  for (uint32_t i = 1; i < types && sorted; ++i)
    sorted = f_.string_mutf8(f_.type_ids_[i - 1]) < f_.string_mutf8(f_.type_ids_[i]);
  f_.types_sorted_ = sorted;
}

void DexParser::read_class_defs() {
  const DexHeader& h = f_.header_;
  const uint8_t* b = f_.base_.data();
  uint32_t n = table("class_defs", h.class_defs_size, h.class_defs_off, 32);
  f_.classes_.resize(n);
  f_.class_by_type_.assign(f_.type_ids_.size(), kNoIndex);
  // Interface lists are read once per offset (dx and d8 share one list among the classes that
  // implement the same interfaces), and all classes together get at most one interface entry per two
  // bytes of the file, which real apps (one or two interfaces a class) never reach. Without the
  // budget, class defs of a hostile file pointing into long overlapping lists cost every class up to
  // 65536 entries again, here and in each consumer of the model: quadratic in the file's size.
  std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> interface_lists;
  uint64_t interface_budget = f_.base_.size() / 2;
  bool interface_budget_spent = false;
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* e = b + h.class_defs_off + uint64_t(i) * 32;
    ClassDef& c = f_.classes_[i];
    c.class_idx = rd32(e);
    c.access_flags = rd32(e + 4);
    c.superclass_idx = rd32(e + 8);
    c.interfaces_off = rd32(e + 12);
    c.source_file_idx = rd32(e + 16);
    c.annotations_off = rd32(e + 20);
    c.class_data_off = rd32(e + 24);
    c.static_values_off = rd32(e + 28);
    if (c.interfaces_off) {
      auto [it, fresh] = interface_lists.try_emplace(c.interfaces_off);
      if (fresh) {
        std::vector<uint32_t> list = read_type_list(f_.base_, c.interfaces_off, std::min<uint64_t>(65536, interface_budget));
        auto begin = static_cast<uint32_t>(f_.interface_types_.size());
        f_.interface_types_.insert(f_.interface_types_.end(), list.begin(), list.end());
        it->second = {begin, static_cast<uint32_t>(f_.interface_types_.size())};
      }
      uint64_t length = std::min<uint64_t>(it->second.second - it->second.first, interface_budget);
      if (length < read_type_list_length(f_.base_, c.interfaces_off, 65536) && !interface_budget_spent) {
        interface_budget_spent = true;
        anomaly("dex.interface_lists_overlap", Severity::medium,
                "DEX classes declare more interfaces than the file has room for (their lists overlap or are "
                "shared beyond any real app); the rest were not read",
                h.class_defs_off + uint64_t(i) * 32 + 12, hex32(c.interfaces_off));
      }
      interface_budget -= length;
      c.interfaces_begin = it->second.first;
      c.interfaces_end = static_cast<uint32_t>(it->second.first + length);
    }
    if (c.class_idx >= f_.type_ids_.size()) {
      if (!repeat("dex.bad_index"))
        anomaly("dex.bad_index", Severity::medium, "DEX class def names a type that does not exist",
                h.class_defs_off + uint64_t(i) * 32, std::to_string(c.class_idx));
    } else if (f_.class_by_type_[c.class_idx] != kNoIndex) {
      if (!repeat("dex.duplicate_class"))
        anomaly("dex.duplicate_class", Severity::medium,
                "DEX file defines the same class twice; Android uses the first definition",
                h.class_defs_off + uint64_t(i) * 32, std::string(f_.type_descriptor(c.class_idx)));
    } else {
      f_.class_by_type_[c.class_idx] = i;
    }
    if (c.superclass_idx != kNoIndex && c.superclass_idx >= f_.type_ids_.size())
      if (!repeat("dex.bad_index"))
        anomaly("dex.bad_index", Severity::medium, "DEX class def names a superclass type that does not exist",
                h.class_defs_off + uint64_t(i) * 32 + 8, std::to_string(c.superclass_idx));
    read_class_data(i);
  }
}

void DexParser::read_class_data(uint32_t ci) {
  ClassDef& c = f_.classes_[ci];
  c.fields_begin = c.fields_end = static_cast<uint32_t>(f_.fields_.size());
  c.methods_begin = c.methods_end = static_cast<uint32_t>(f_.methods_.size());
  if (c.class_data_off == 0) return;
  Bytes b = f_.base_;
  if (c.class_data_off >= b.size()) {
    if (!repeat("dex.bad_class_data"))
      anomaly("dex.bad_class_data", Severity::medium, "DEX class data offset is outside the file", c.class_data_off,
              std::string(f_.type_descriptor(c.class_idx)));
    return;
  }
  Cursor cur{b.data() + c.class_data_off, b.data() + b.size()};
  uint32_t counts[4];
  for (auto& n : counts) n = cur.uleb();
  auto fail = [&](const char* what) {
    if (!repeat("dex.bad_class_data"))
      anomaly("dex.bad_class_data", Severity::medium, std::string("DEX class data is damaged: ") + what,
              c.class_data_off, std::string(f_.type_descriptor(c.class_idx)));
  };
  if (!cur.ok) return fail("truncated header");
  uint64_t fields_total = uint64_t(counts[0]) + counts[1];
  uint64_t methods_total = uint64_t(counts[2]) + counts[3];
  // Each encoded field takes at least 2 bytes and each method 3: bigger counts cannot be real.
  if (fields_total * 2 + methods_total * 3 > uint64_t(cur.end - cur.p)) return fail("member counts exceed the file");
  uint32_t nfields = static_cast<uint32_t>(f_.field_ids_.size());
  uint32_t nmethods = static_cast<uint32_t>(f_.method_ids_.size());
  for (int list = 0; list < 2; ++list) {
    uint32_t idx = 0;
    for (uint32_t k = 0; k < counts[list]; ++k) {
      idx += cur.uleb();
      uint32_t flags = cur.uleb();
      if (!cur.ok) return fail("truncated field list");
      if (idx >= nfields) {
        if (!repeat("dex.bad_index"))
          anomaly("dex.bad_index", Severity::medium, "DEX class data names a field id that does not exist",
                  c.class_data_off, std::to_string(idx));
        continue;
      }
      f_.fields_.push_back({idx, flags, ci});
    }
  }
  c.fields_end = static_cast<uint32_t>(f_.fields_.size());
  for (int list = 0; list < 2; ++list) {
    uint32_t idx = 0;
    for (uint32_t k = 0; k < counts[2 + list]; ++k) {
      idx += cur.uleb();
      uint32_t flags = cur.uleb();
      uint32_t code_off = cur.uleb();
      if (!cur.ok) return fail("truncated method list");
      if (idx >= nmethods) {
        if (!repeat("dex.bad_index"))
          anomaly("dex.bad_index", Severity::medium, "DEX class data names a method id that does not exist",
                  c.class_data_off, std::to_string(idx));
        continue;
      }
      Method m;
      m.method_idx = idx;
      m.access_flags = flags;
      m.class_def = ci;
      m.direct = list == 0;
      read_code(m, code_off);
      f_.methods_.push_back(m);
      c.methods_end = static_cast<uint32_t>(f_.methods_.size());
    }
  }
}

void DexParser::read_code(Method& m, uint32_t code_off) {
  if (code_off == 0) return;
  Bytes b = f_.base_;
  if (uint64_t(code_off) + 16 > b.size()) {
    if (!repeat("dex.bad_code_item"))
      anomaly("dex.bad_code_item", Severity::medium, "DEX code item is outside the file", code_off,
              f_.method_signature(m.method_idx));
    return;
  }
  if (code_off & 3)
    if (!repeat("dex.misaligned_code_item"))
      anomaly("dex.misaligned_code_item", Severity::low, "DEX code item is not 4-byte aligned", code_off,
              f_.method_signature(m.method_idx));
  uint32_t insns_size = rd32(b.data() + code_off + 12);
  m.code_off = code_off;
  if (uint64_t(insns_size) * 2 > b.size() - code_off - 16) {
    if (!repeat("dex.bad_code_item"))
      anomaly("dex.bad_code_item", Severity::medium, "DEX method's bytecode extends past the end of the file", code_off,
              f_.method_signature(m.method_idx));
    return;
  }
  m.insns_off = code_off + 16;
  m.insns_size = insns_size;
}

void DexParser::decode_all() {
  size_t nm = f_.methods_.size();
  f_.calls_begin_.assign(nm + 1, 0);
  f_.strings_begin_.assign(nm + 1, 0);
  f_.fields_begin_.assign(nm + 1, 0);
  f_.types_begin_.assign(nm + 1, 0);
  if (options_.decode_code) {
    uint64_t units = 0;
    for (const auto& m : f_.methods_) units += m.insns_size;
    // Methods may share one code item (a hostile file can point them all at the same big one): cap the
    // work at a few times what the file can hold, so decoding stays linear in the input.
    const uint64_t budget = std::max<uint64_t>(f_.base_.size(), 1u << 16) * 2;
    units = std::min(units, budget);
    // Typical apps: one invoke per ~8 code units, a string per ~60, a field access per ~20.
    f_.calls_.reserve(units / 8);
    f_.string_uses_.reserve(units / 64);
    f_.field_uses_.reserve(units / 24);
    f_.type_uses_.reserve(units / 32);
    uint64_t decoded = 0;
    for (uint32_t i = 0; i < nm; ++i) {
      decoded += f_.methods_[i].insns_size;
      if (decoded <= budget) {
        decode(i);
      } else if (decoded - f_.methods_[i].insns_size <= budget) {
        anomaly("dex.code_budget_exceeded", Severity::high,
                "DEX methods share code far beyond the file's size; the rest of the bytecode was not decoded",
                f_.methods_[i].code_off, f_.method_signature(f_.methods_[i].method_idx));
      }
      f_.calls_begin_[i + 1] = static_cast<uint32_t>(f_.calls_.size());
      f_.strings_begin_[i + 1] = static_cast<uint32_t>(f_.string_uses_.size());
      f_.fields_begin_[i + 1] = static_cast<uint32_t>(f_.field_uses_.size());
      f_.types_begin_[i + 1] = static_cast<uint32_t>(f_.type_uses_.size());
    }
  }
  f_.calls_.shrink_to_fit();
  f_.string_uses_.shrink_to_fit();
  f_.field_uses_.shrink_to_fit();
  f_.type_uses_.shrink_to_fit();
}

// Walks one method's instructions linearly (as dexdump and the verifier do), payloads included.
void DexParser::decode(uint32_t mi) {
  const Method& m = f_.methods_[mi];
  if (m.insns_off == 0 || m.insns_size == 0) return;
  const uint8_t* code = f_.base_.data() + m.insns_off;  // bounds checked in read_code
  const uint64_t n = m.insns_size;
  const uint32_t nstrings = static_cast<uint32_t>(f_.strings_.size());
  const uint32_t ntypes = static_cast<uint32_t>(f_.type_ids_.size());
  const uint32_t nfields = static_cast<uint32_t>(f_.field_ids_.size());
  const uint32_t nmethods = static_cast<uint32_t>(f_.method_ids_.size());
  const uint32_t ncallsites = f_.call_site_ids_size_;
  uint64_t pc = 0;
  while (pc < n) {
    const uint8_t* at = code + pc * 2;
    uint32_t op = at[0];
    uint64_t width = instruction_width(at, n - pc);
    if (width == 0) {
      anomaly("dex.truncated_instruction", Severity::medium,
              "DEX method's last instruction runs past the end of its code", m.insns_off + pc * 2,
              f_.method_signature(m.method_idx));
      return;
    }
    OpRef ref = kOpcodes[op].ref;
    if (ref != OpRef::kNone) {
      uint32_t idx = ref == OpRef::kStringJumbo ? rd32(at + 2) : rd16(at + 2);
      uint32_t upc = static_cast<uint32_t>(pc);
      bool valid = true;
      switch (ref) {
        case OpRef::kMethod:
        case OpRef::kMethodProto:
          if (idx < nmethods) {
            CallSite cs;
            cs.target = idx;
            cs.pc = upc;
            if (op >= 0x6e && op <= 0x72) {
              cs.kind = static_cast<InvokeKind>(op - 0x6e);
            } else if (op >= 0x74 && op <= 0x78) {
              cs.kind = static_cast<InvokeKind>(op - 0x74);
              cs.range = true;
            } else {
              cs.kind = InvokeKind::kPolymorphic;
              cs.range = op == 0xfb;
              cs.proto_idx = static_cast<uint16_t>(rd16(at + 6));
            }
            f_.calls_.push_back(cs);
          } else {
            valid = false;
          }
          break;
        case OpRef::kCallSite:
          if (idx < ncallsites) {
            CallSite cs;
            cs.target = idx;
            cs.pc = upc;
            cs.kind = InvokeKind::kCustom;
            cs.range = op == 0xfd;
            f_.calls_.push_back(cs);
          } else {
            valid = false;
          }
          break;
        case OpRef::kString:
        case OpRef::kStringJumbo:
          if (idx < nstrings)
            f_.string_uses_.push_back({mi, idx, upc});
          else
            valid = false;
          break;
        case OpRef::kField:
          if (idx < nfields) {
            FieldOp fop = op < 0x59   ? FieldOp::kInstanceGet
                          : op < 0x60 ? FieldOp::kInstancePut
                          : op < 0x67 ? FieldOp::kStaticGet
                                      : FieldOp::kStaticPut;
            f_.field_uses_.push_back({mi, idx, upc, fop});
          } else {
            valid = false;
          }
          break;
        case OpRef::kType:
          if (idx < ntypes) {
            TypeOp top = op == 0x1c   ? TypeOp::kConstClass
                         : op == 0x1f ? TypeOp::kCheckCast
                         : op == 0x20 ? TypeOp::kInstanceOf
                         : op == 0x22 ? TypeOp::kNewInstance
                         : op == 0x23 ? TypeOp::kNewArray
                                      : TypeOp::kFilledNewArray;
            f_.type_uses_.push_back({mi, idx, upc, top});
          } else {
            valid = false;
          }
          break;
        case OpRef::kMethodHandle:
          valid = idx < f_.method_handles_size_;
          break;
        case OpRef::kProto:
          valid = idx < f_.proto_ids_.size();
          break;
        case OpRef::kNone:
          break;
      }
      if (!valid) {
        if (seen("dex.bad_index"))
          ++pending_["dex.bad_index"].count;
        else
          anomaly("dex.bad_index", Severity::medium,
                  std::string("DEX instruction ") + kOpcodes[op].name + " refers to an index that does not exist",
                  m.insns_off + pc * 2, f_.method_signature(m.method_idx) + " idx " + std::to_string(idx));
      }
    }
    pc += width;
  }
}

void DexParser::run(Bytes data, size_t header_pos) {
  try {
    if (read_header(data, header_pos)) {
      read_map();
      read_ids();
      f_.usable_ = true;
      read_class_defs();
      decode_all();
    }
  } catch (const ParseError& e) {
    anomaly("dex.parse_failed", Severity::high, std::string("DEX parser stopped: ") + e.what(), e.offset);
  } catch (const std::bad_alloc&) {
    anomaly("dex.parse_failed", Severity::high, "DEX parser ran out of memory", header_pos);
  }
  // Keep the per-method ranges consistent whatever happened above.
  size_t nm = f_.methods_.size() + 1;
  for (auto* v : {&f_.calls_begin_, &f_.strings_begin_, &f_.fields_begin_, &f_.types_begin_})
    if (v->size() != nm) v->assign(nm, 0);
  if (f_.calls_begin_.back() != f_.calls_.size()) {
    f_.calls_.clear();
    f_.string_uses_.clear();
    f_.field_uses_.clear();
    f_.type_uses_.clear();
  }
  flush_anomalies();
}

std::unique_ptr<DexFile> DexFile::parse(Bytes data, std::string evidence_path, AnomalySink& anomalies,
                                        const DexParseOptions& options, size_t header_offset) {
  std::unique_ptr<DexFile> f(new DexFile());
  f->path_ = std::move(evidence_path);
  DexParser(*f, anomalies, options).run(data, header_offset);
  return f;
}

std::vector<std::unique_ptr<DexFile>> DexFile::parse_all(Bytes data, std::string evidence_path, AnomalySink& anomalies,
                                                         const DexParseOptions& options) {
  std::vector<std::unique_ptr<DexFile>> out;
  out.push_back(parse(data, evidence_path, anomalies, options, 0));
  const DexFile& first = *out.front();
  if (!first.usable() || first.version() < 41 || first.header().header_size < kHeaderSizeV41) return out;
  uint64_t end = std::min<uint64_t>(first.header().container_size, data.size());
  uint64_t next = uint64_t(first.header().file_size);
  uint32_t section = 1;
  constexpr uint32_t kMaxSections = 4096;
  while (next + kHeaderSize <= end && section < kMaxSections) {
    auto f = parse(data, evidence_path, anomalies, options, static_cast<size_t>(next));
    f->section_ = section++;
    uint64_t size = f->header().file_size;
    bool ok = f->usable();
    out.push_back(std::move(f));
    if (!ok || size < kHeaderSize) break;  // cannot tell where the next section starts
    next += size;
  }
  if (section >= kMaxSections)
    anomalies.add("dex.container_too_many_sections", Severity::high,
                  "DEX container has too many sections; the rest were skipped",
                  {evidence_path, Evidence::offset(next), ""});
  return out;
}

}  // namespace apkvet::dex
