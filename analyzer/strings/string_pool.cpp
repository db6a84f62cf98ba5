#include "strings/string_pool.h"

#include "axml/proto_xml.h"
#include "core/protobuf_reader.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>
#include <set>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dex/dex_file.h"
#include "resources/arsc_string_pool.h"

namespace apkvet {

const char* to_string(StringOrigin o) {
  switch (o) {
    case StringOrigin::dex: return "dex";
    case StringOrigin::resources: return "resources";
    case StringOrigin::binary_xml: return "binary_xml";
    case StringOrigin::text: return "text";
    case StringOrigin::native: return "native";
    case StringOrigin::binary: return "binary";
    case StringOrigin::binary_utf16: return "binary_utf16";
    case StringOrigin::emulated: return "emulated";
  }
  return "?";
}

uint32_t AppStringPool::add_source(StringOrigin origin, std::string file) {
  sources_.push_back({origin, std::move(file)});
  return static_cast<uint32_t>(sources_.size() - 1);
}

bool AppStringPool::add(uint32_t source, std::string_view text, uint64_t where, uint32_t name) {
  if (full()) return false;
  if (text.empty()) return true;
  bytes_ += text.size();
  PooledString s;
  s.text = text;
  s.source = source;
  s.where = where;
  s.name = name;
  s.users_begin = s.users_end = static_cast<uint32_t>(users_.size());
  strings_.push_back(s);
  return true;
}

bool AppStringPool::add_owned(uint32_t source, std::string text, uint64_t where, uint32_t name) {
  if (full()) return false;
  if (text.empty()) return true;
  arena_.push_back(std::move(text));
  return add(source, arena_.back(), where, name);
}

uint32_t AppStringPool::add_name(std::string name) {
  names_.push_back(std::move(name));
  return static_cast<uint32_t>(names_.size() - 1);
}

void AppStringPool::add_users_to_last(const std::vector<StringUser>& users) {
  if (strings_.empty()) return;
  PooledString& s = strings_.back();
  s.users_begin = static_cast<uint32_t>(users_.size());
  for (size_t i = 0; i < users.size() && i < limits_.max_users_per_string; ++i) users_.push_back(users[i]);
  s.users_end = static_cast<uint32_t>(users_.size());
}

namespace {

// Printable ASCII and tab: the bytes strings(1) keeps.
bool printable(uint8_t c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; }

// Bit i set when p[i] is printable, for the 64 bytes at p. This loop reads every byte of every
// binary file in the APK (a tenth of a full scan went to a byte-at-a-time loop): SSE2 classifies 16
// bytes per instruction, and the runs are then found with bit scans instead of a branch per byte.
uint64_t printable_mask64(const uint8_t* p) {
#if defined(__SSE2__)
  uint64_t m = 0;
  for (int k = 0; k < 4; ++k) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    // Signed compares: bytes 0x80-0xff are negative, so "> 0x1f" already excludes them.
    __m128i ascii = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)), _mm_cmplt_epi8(v, _mm_set1_epi8(0x7f)));
    __m128i tab = _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'));
    m |= uint64_t(uint32_t(_mm_movemask_epi8(_mm_or_si128(ascii, tab)))) << (16 * k);
  }
  return m;
#else
  uint64_t m = 0;
  for (int i = 0; i < 64; ++i) m |= uint64_t(printable(p[i])) << i;
  return m;
#endif
}

}  // namespace

void AppStringPool::add_printable_runs(uint32_t source, Bytes data, uint64_t base_offset) {
  size_t n = std::min<uint64_t>(data.size(), limits_.max_file_bytes);
  if (n < data.size()) ++truncated_files;
  const uint8_t* p = data.data();
  constexpr size_t kNoRun = SIZE_MAX;
  size_t run_start = kNoRun;
  // Ends the run in progress at `end`; false when the pool is full.
  auto end_run = [&](size_t end) {
    size_t start = run_start;
    run_start = kNoRun;
    return end - start < limits_.min_run ||
           add(source, std::string_view(reinterpret_cast<const char*>(p) + start, end - start), base_offset + start);
  };
  auto block_mask = [&](size_t block) -> uint64_t {
    if (block >= n) return 0;
    size_t len = std::min<size_t>(64, n - block);
    if (len == 64) return printable_mask64(p + block);
    uint64_t m = 0;
    for (size_t i = 0; i < len; ++i) m |= uint64_t(printable(p[block + i])) << i;
    return m;
  };
  // Machine code and DEX instructions are full of printable runs too short to keep. Outside a run,
  // the walk looks only at positions that start `lookahead` printable bytes in a row (bit i of `long_start`
  // set when bytes i .. i+lookahead-1 are printable, the next block's mask supplying those past this
  // one): the first such position after a non-printable byte is where the next run worth keeping
  // starts, and the short runs before it need no step of their own.
  const unsigned lookahead = static_cast<unsigned>(std::clamp<size_t>(limits_.min_run, 1, 64));
  uint64_t next = block_mask(0);
  for (size_t block = 0; block < n; block += 64) {
    size_t len = std::min<size_t>(64, n - block);
    const uint64_t m = next;
    next = block_mask(block + 64);
    uint64_t long_start = m;
    for (unsigned j = 1; j < lookahead; ++j) long_start &= (m >> j) | (next << (64 - j));
    // Walk the block's transitions: a set bit of long_start starts a run, the next clear bit of m ends it.
    size_t pos = 0;
    while (pos < len) {
      if (run_start == kNoRun) {
        uint64_t rest = long_start >> pos;  // pos < 64
        if (rest == 0) break;
        pos += size_t(__builtin_ctzll(rest));
        run_start = block + pos;
      } else {
        uint64_t clear = ~(m >> pos);
        if (len - pos < 64) clear &= (uint64_t(1) << (len - pos)) - 1;  // the shift brought in zeros, not bytes
        if (clear == 0) break;
        pos += size_t(__builtin_ctzll(clear));
        if (!end_run(block + pos)) return;
      }
    }
  }
  if (run_start != kNoRun) end_run(n);
}

void AppStringPool::add_utf16le_runs(uint32_t source, Bytes data) {
  size_t n = std::min<uint64_t>(data.size(), limits_.max_file_bytes);
  if (n < data.size()) ++truncated_files;
  const uint8_t* p = data.data();
  for (size_t i = 0; i + 1 < n;) {
    size_t end = i;
    while (end + 1 < n && printable(p[end]) && p[end + 1] == 0) end += 2;
    size_t chars = (end - i) / 2;
    if (chars < limits_.min_run) {
      ++i;  // the next byte may start a run at the other alignment
      continue;
    }
    std::string text(chars, '\0');
    for (size_t c = 0; c < chars; ++c) text[c] = char(p[i + 2 * c]);
    if (!add_owned(source, std::move(text), i)) return;
    i = end;
  }
}

std::string AppStringPool::user_location(uint32_t u) const {
  const StringUser& user = users_.at(u);
  return user.file ? user.file->location(user.method, user.pc) : std::string();
}

std::string AppStringPool::location(const PooledString& s, size_t pos) const {
  char buf[64];
  switch (sources_[s.source].origin) {
    case StringOrigin::dex:
      std::snprintf(buf, sizeof buf, "string_id 0x%llx", static_cast<unsigned long long>(s.where));
      return buf;
    case StringOrigin::resources:
      if (s.name != PooledString::kNoName) return "@" + names_[s.name];
      std::snprintf(buf, sizeof buf, "string pool #%llu", static_cast<unsigned long long>(s.where));
      return buf;
    case StringOrigin::binary_xml:
      std::snprintf(buf, sizeof buf, "string pool #%llu", static_cast<unsigned long long>(s.where));
      return buf;
    case StringOrigin::text: {
      std::lock_guard<std::mutex> lock(newline_mutex_);
      auto [it, fresh] = newlines_.try_emplace(s.source);
      if (fresh)
        for (size_t i = 0; i < s.text.size(); ++i)
          if (s.text[i] == '\n') it->second.push_back(static_cast<uint32_t>(i));
      const auto& nl = it->second;
      size_t before = std::lower_bound(nl.begin(), nl.end(), static_cast<uint32_t>(pos)) - nl.begin();
      size_t col_start = before ? nl[before - 1] + 1 : 0;
      std::snprintf(buf, sizeof buf, "line %zu:%zu", before + 1, pos - col_start + 1);
      return buf;
    }
    case StringOrigin::native:
    case StringOrigin::binary:
      std::snprintf(buf, sizeof buf, "offset 0x%llx", static_cast<unsigned long long>(s.where + pos));
      return buf;
    case StringOrigin::binary_utf16:
      std::snprintf(buf, sizeof buf, "offset 0x%llx", static_cast<unsigned long long>(s.where + 2 * pos));
      return buf;
    case StringOrigin::emulated:
      if (s.where == EmulatedString::kRunTimeValue) return "emulated: produced at run time";
      std::snprintf(buf, sizeof buf, "emulated: decoded at 0x%llx", static_cast<unsigned long long>(s.where + pos));
      return buf;
  }
  return "";
}

bool looks_like_text(Bytes head) {
  if (head.empty()) return false;
  size_t bad = 0;
  for (uint8_t c : head) {
    if (c == 0) return false;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++bad;
  }
  return bad * 50 < head.size();  // under 2% control bytes
}

// ---------------------------------------------------------------- DEX (light reader of string ids)

namespace {

uint32_t uleb128(ByteReader& r) {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint8_t b = r.u8();
    v |= uint32_t(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  return v;
}

void collect_class_names(std::string_view descriptor, std::vector<std::string>& out) {
  // "Lcom/foo/Bar;" -> "com.foo.Bar"
  if (descriptor.size() < 3 || descriptor.front() != 'L' || descriptor.back() != ';') return;
  std::string dotted(descriptor.substr(1, descriptor.size() - 2));
  std::replace(dotted.begin(), dotted.end(), '/', '.');
  out.push_back(std::move(dotted));
}

}  // namespace

void add_dex_strings(const std::string& file, Bytes dex, AppStringPool& pool) {
  uint32_t src = pool.add_source(StringOrigin::dex, file);
  try {
    ByteReader r(dex);
    if (dex.size() < 0x70 || std::string_view(reinterpret_cast<const char*>(dex.data()), 4) != "dex\n") return;
    uint32_t count = r.u32_at(0x38), ids_off = r.u32_at(0x3c);
    uint32_t type_count = r.u32_at(0x40), type_off = r.u32_at(0x44);
    std::vector<std::string_view> strings;
    size_t data_begin = dex.size(), data_end = 0;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t data_off = r.u32_at(size_t(ids_off) + 4ull * i);
      ByteReader s(dex, data_off);
      uleb128(s);
      size_t begin = s.pos(), end = begin;
      while (end < dex.size() && dex[end] != 0) ++end;
      std::string_view text(reinterpret_cast<const char*>(dex.data()) + begin, end - begin);
      strings.push_back(text);
      data_begin = std::min<size_t>(data_begin, data_off);
      data_end = std::max<size_t>(data_end, end + 1);
      if (!pool.add(src, text, i)) return;
    }
    if (data_begin < data_end) add_dex_outside_strings(file, dex, data_begin, data_end, pool);
    for (uint32_t t = 0; t < type_count; ++t) {
      uint32_t idx = r.u32_at(size_t(type_off) + 4ull * t);
      if (idx < strings.size()) collect_class_names(strings[idx], pool.class_packages);
    }
  } catch (const ParseError&) {
    // A damaged table: keep what was read. The DEX parser reports the damage itself.
  }
}

void add_dex_outside_strings(const std::string& file, Bytes dex, size_t begin, size_t end, AppStringPool& pool) {
  uint32_t src = pool.add_source(StringOrigin::binary, file);
  begin = std::min(begin, dex.size());
  end = std::min(std::max(end, begin), dex.size());
  pool.add_printable_runs(src, dex.subspan(0, begin), 0);
  pool.add_printable_runs(src, dex.subspan(end), end);
}

// ---------------------------------------------------------------- resources.arsc

namespace {

constexpr uint16_t kResStringPool = 0x0001, kResTable = 0x0002, kResXml = 0x0003;
constexpr uint16_t kResTablePackage = 0x0200, kResTableType = 0x0201;
constexpr uint8_t kTypeString = 0x03;

// A resources.arsc or binary XML whose string pool this reader cannot use (a damaged or hostile
// table): its strings are still read as strings(1) reads them, as ASCII runs (a UTF-8 pool) and as
// UTF-16LE ones (a UTF-16 pool), so the damage does not hide them.
void add_unpooled_strings(const std::string& file, Bytes data, AppStringPool& pool) {
  pool.add_printable_runs(pool.add_source(StringOrigin::binary, file), data);
  pool.add_utf16le_runs(pool.add_source(StringOrigin::binary_utf16, file), data);
}

// Walks the type chunks of one package: for each string-valued entry, remembers "type/key" for the
// global pool index it points at (first name wins; configurations repeat the same key).
void name_arsc_entries(ByteReader& r, size_t pkg, size_t pkg_end, std::unordered_map<uint32_t, std::string>& names) {
  uint16_t header_size = r.u16_at(pkg + 2);
  uint32_t type_strings = r.u32_at(pkg + 268), key_strings = r.u32_at(pkg + 276);
  ArscStringPool types = ArscStringPool::parse(r.view_at(0, r.size()), pkg + type_strings);
  ArscStringPool keys = ArscStringPool::parse(r.view_at(0, r.size()), pkg + key_strings);
  // Type names decoded once per type (every entry of a type chunk asks for the same one).
  std::unordered_map<uint8_t, std::optional<std::string>> type_names;
  auto record = [&](uint32_t value_index, uint8_t type_id, uint32_t key) {
    auto [slot, fresh] = names.try_emplace(value_index);
    if (!fresh) return;
    auto [t, decoded] = type_names.try_emplace(type_id);
    if (decoded) t->second = types.at(type_id - 1u);
    auto k = keys.at(key);
    if (t->second && k) slot->second = *t->second + "/" + *k;
    else names.erase(slot);
  };
  for (size_t at = pkg + header_size; at + 8 <= pkg_end;) {
    uint16_t type = r.u16_at(at), hsize = r.u16_at(at + 2);
    uint32_t size = r.u32_at(at + 4);
    if (size < 8 || at + size > pkg_end) break;
    if (type == kResTableType && hsize >= 20) {
      uint8_t type_id = static_cast<uint8_t>(r.u16_at(at + 8) & 0xff);
      uint8_t flags = static_cast<uint8_t>(r.u16_at(at + 8) >> 8);
      uint32_t entry_count = r.u32_at(at + 12), entries_start = r.u32_at(at + 16);
      bool sparse = flags & 0x01, offset16 = flags & 0x02;
      for (uint32_t i = 0; i < entry_count && i < 1'000'000; ++i) {
        uint32_t off;
        if (sparse) off = uint32_t(r.u16_at(at + hsize + 4ull * i + 2)) * 4;
        else if (offset16) {
          uint16_t o = r.u16_at(at + hsize + 2ull * i);
          if (o == 0xffff) continue;
          off = uint32_t(o) * 4;
        } else {
          off = r.u32_at(at + hsize + 4ull * i);
          if (off == 0xffffffffu) continue;
        }
        size_t e = at + entries_start + off;
        if (e + 8 > at + size) continue;
        uint16_t esize = r.u16_at(e), eflags = r.u16_at(e + 2);
        if (eflags & 0x8) {  // compact entry: key in the size field, type in the high flag byte
          if ((eflags >> 8) == kTypeString) record(r.u32_at(e + 4), type_id, esize);
          continue;
        }
        uint32_t key = r.u32_at(e + 4);
        if (eflags & 0x1) {  // complex (bag): string items of arrays and plurals
          if (e + 16 > at + size) continue;
          uint32_t count = r.u32_at(e + 12);
          size_t m = e + esize;
          for (uint32_t k = 0; k < count && m + 12 <= at + size; ++k, m += 12)
            if (r.view_at(m + 7, 1)[0] == kTypeString) record(r.u32_at(m + 8), type_id, key);
        } else if (e + esize + 8 <= at + size) {
          if (r.view_at(e + esize + 3, 1)[0] == kTypeString) record(r.u32_at(e + esize + 4), type_id, key);
        }
      }
    }
    at += size;
  }
}

}  // namespace

void add_arsc_strings(const std::string& file, Bytes arsc, AppStringPool& pool) {
  uint32_t src = pool.add_source(StringOrigin::resources, file);
  ByteReader r(arsc);
  std::unordered_map<uint32_t, std::string> names;
  ArscStringPool global;
  try {
    if (r.u16_at(0) != kResTable) return;
    uint16_t header_size = r.u16_at(2);
    size_t end = std::min<size_t>(r.u32_at(4), arsc.size());
    for (size_t at = header_size; at + 8 <= end;) {
      uint16_t type = r.u16_at(at);
      uint32_t size = r.u32_at(at + 4);
      if (size < 8 || at + size > end) break;
      if (type == kResStringPool && !global.ok()) global = ArscStringPool::parse(arsc, at);
      else if (type == kResTablePackage) {
        try {
          name_arsc_entries(r, at, at + size, names);
        } catch (const ParseError&) {
        }
      }
      at += size;
    }
  } catch (const ParseError&) {
  }
  if (!global.ok()) {
    add_unpooled_strings(file, arsc, pool);
    return;
  }
  pool.reserve(global.size());
  // The entry name of a string that is there (a broken one is skipped, and so is its name).
  auto name_of = [&](uint32_t i) {
    auto it = names.find(i);
    return it == names.end() ? PooledString::kNoName : pool.add_name(std::move(it->second));
  };
  for (uint32_t i = 0; i < global.size(); ++i) {
    if (global.utf8()) {
      // A UTF-8 pool's strings are added as they are: views into the entry's bytes, which outlive the pool.
      auto s = global.utf8_view(i);
      if (s && !pool.add(src, *s, i, name_of(i))) return;
    } else if (auto s = global.at(i); s && !pool.add_owned(src, std::move(*s), i, name_of(i))) {
      return;
    }
  }
}

void add_binary_xml_strings(const std::string& file, Bytes xml, AppStringPool& pool) {
  uint32_t src = pool.add_source(StringOrigin::binary_xml, file);
  ArscStringPool sp;
  try {
    ByteReader r(xml);
    size_t at = r.u16_at(2);
    if (r.u16_at(0) == kResXml && r.u16_at(at) == kResStringPool) sp = ArscStringPool::parse(xml, at);
  } catch (const ParseError&) {
  }
  if (!sp.ok()) {
    add_unpooled_strings(file, xml, pool);
    return;
  }
  for (uint32_t i = 0; i < sp.size(); ++i)
    if (auto s = sp.at(i); s && !pool.add_owned(src, std::move(*s), i)) return;
}

namespace {

// Whether `b` reads as text: printable ASCII, blanks, or bytes of multi-byte UTF-8.
bool text_like(Bytes b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t c) { return c >= 0x20 ? c != 0x7f : c == '\t' || c == '\n' || c == '\r'; });
}

// Whether `b` is a whole protobuf message: every field well-formed, the last one ending at its end.
bool parses_as_message(Bytes b) {
  try {
    ProtoMessage m(b);
    uint32_t field, wire;
    while (m.next(field, wire)) m.skip(wire);
    return true;
  } catch (const ParseError&) {
    return false;
  }
}

// The strings of a protobuf file, without its schema: a length-delimited field that reads as text is
// a string; one that is a well-formed message is walked in turn. (Scanned as raw bytes, a string's
// length prefix is often a printable byte that joins it: ".https://..." hides the URL.)
void walk_proto_strings(Bytes file, size_t begin, size_t end, uint32_t src, AppStringPool& pool, int depth, size_t& budget) {
  ProtoMessage m(file, begin, end);
  uint32_t field, wire;
  while (budget && m.next(field, wire)) {
    --budget;
    if (wire != ProtoMessage::kLengthDelimited) {
      m.skip(wire);
      continue;
    }
    Bytes v = m.bytes();
    size_t at = size_t(v.data() - file.data());
    // A message starts with a tag byte, usually below 0x20 (0x0a: field 1, length-delimited): text that
    // starts with a control character is taken for a message when it parses as one.
    bool message = depth < 32 && !v.empty() && (v[0] < 0x20 || !text_like(v)) && parses_as_message(v);
    if (message)
      walk_proto_strings(file, at, at + v.size(), src, pool, depth + 1, budget);
    else if (v.size() >= 4 && text_like(v) &&
             !pool.add(src, std::string_view(reinterpret_cast<const char*>(v.data()), v.size()), at))
      return;
  }
}

}  // namespace

void add_proto_strings(const std::string& file, Bytes data, StringOrigin origin, AppStringPool& pool) {
  uint32_t src = pool.add_source(origin, file);
  size_t budget = 4'000'000;  // fields visited, against hostile nesting
  try {
    walk_proto_strings(data, 0, data.size(), src, pool, 0, budget);
  } catch (const ParseError&) {
    // Not protobuf after all (or damaged): its strings as strings(1) reads them.
    pool.add_printable_runs(pool.add_source(StringOrigin::binary, file), data);
  }
}

void add_text_file(const std::string& file, Bytes text, AppStringPool& pool) {
  uint32_t src = pool.add_source(StringOrigin::text, file);
  size_t n = std::min<uint64_t>(text.size(), pool.limits().max_file_bytes);
  if (n < text.size()) ++pool.truncated_files;
  pool.add(src, std::string_view(reinterpret_cast<const char*>(text.data()), n), 0);
}

void add_native_strings(const std::string& file, Bytes elf, AppStringPool& pool) {
  uint32_t src = pool.add_source(StringOrigin::native, file);
  pool.add_printable_runs(src, elf);
}

void add_emulated_strings(const std::vector<EmulatedString>& strings, AppStringPool& pool) {
  std::unordered_map<std::string_view, uint32_t> source_of;
  for (const auto& e : strings) {
    auto [it, fresh] = source_of.try_emplace(e.file, 0);
    if (fresh) it->second = pool.add_source(StringOrigin::emulated, e.file);
    if (!pool.add_owned(it->second, e.value, e.address)) return;
  }
}

// ---------------------------------------------------------------- the walk over the app

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Files whose bytes hold no strings worth reading (media, fonts, signature blocks).
bool skipped_by_name(std::string_view name) {
  static const char* kSkip[] = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".ico", ".ttf", ".otf", ".woff", ".woff2",
                                ".mp3", ".mp4", ".m4a", ".ogg", ".wav", ".aac", ".flac", ".webm", ".mkv", ".3gp", ".rsa",
                                ".dsa", ".ec", ".sf", ".mf", ".arsc", ".flata", ".tflite"};
  std::string l = lower(name);
  for (const char* s : kSkip)
    if (ends_with(l, s)) return true;
  return false;
}

bool is_root_dex(std::string_view name) {
  return name.find('/') == std::string_view::npos && name.rfind("classes", 0) == 0 && ends_with(name, ".dex");
}

}  // namespace

void build_string_pool(const AppPackage& app, const dex::DexCorpus* corpus, AppStringPool& pool, AnomalySink&) {
  // DEX strings come from the DEX model when the scan has one (with the methods that load them);
  // otherwise from a light reader of each DEX file's string table.
  if (corpus) add_dex_corpus_strings(*corpus, pool);
  std::set<std::string> done;
  for (const ApkPart& part : app.parts()) {
    const ZipArchive& zip = *part.zip;
    for (const ZipEntry& e : zip.entries()) {
      if (e.is_directory() || pool.full()) continue;
      std::string path = part.evidence_path(e.name);
      if (!done.insert(path).second) continue;  // duplicate entry names: Android reads the first
      if (skipped_by_name(e.name) || e.name == "resources.arsc") continue;
      // Read whole, not peeked at: the v1 signature's digests (or the nested-code search) have
      // inflated nearly every entry already, and an entry not skipped here is read whole anyway.
      auto bytes = zip.read(e);
      if (!bytes) continue;
      Bytes h = bytes->subspan(0, std::min<size_t>(bytes->size(), 512));
      auto magic = [&](std::string_view m) {
        return h.size() >= m.size() && std::equal(m.begin(), m.end(), h.begin(),
                                                  [](char a, uint8_t b) { return uint8_t(a) == b; });
      };
      if (magic("PK\x03\x04")) continue;  // nested archives are parts of their own
      bool dex = magic("dex\n");
      if (dex && (corpus || !is_root_dex(e.name))) continue;  // from the corpus, or app.nested_dex() below
      if (dex) add_dex_strings(path, *bytes, pool);
      else if (magic("\x7f" "ELF")) add_native_strings(path, *bytes, pool);
      else if (h.size() >= 2 && h[0] == 0x03 && h[1] == 0x00) add_binary_xml_strings(path, *bytes, pool);
      // An App Bundle module's XML and resource table are protobuf (aapt2's XmlNode, ResourceTable).
      else if (app.container() == "aab" && ends_with(e.name, ".xml") && looks_like_proto_xml(*bytes))
        add_proto_strings(path, *bytes, StringOrigin::binary_xml, pool);
      else if (app.container() == "aab" && e.name == "resources.pb")
        add_proto_strings(path, *bytes, StringOrigin::resources, pool);
      else if (looks_like_text(h)) add_text_file(path, *bytes, pool);
      else pool.add_printable_runs(pool.add_source(StringOrigin::binary, path), *bytes);
    }
    if (const ZipEntry* arsc = zip.find("resources.arsc"))
      if (auto bytes = zip.read(*arsc)) add_arsc_strings(part.evidence_path("resources.arsc"), *bytes, pool);
  }
  if (!corpus)
    for (const NestedDex& d : app.nested_dex())
      if (done.insert(d.path + "#dex").second) add_dex_strings(d.path, d.bytes, pool);

  auto& names = pool.class_packages;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

}  // namespace apkvet
