#include "resources/arsc_string_pool.h"

#include <cstring>

namespace apkvet {
namespace {

constexpr size_t kPoolHeaderSize = 28;  // ResStringPool_header

// Android's decodeLength for UTF-8 pools: one byte, or two when the high bit is set.
size_t utf8_length(Bytes d, size_t& at, size_t end, bool& ok) {
  if (at >= end) return ok = false, 0;
  size_t len = d[at++];
  if (len & 0x80) {
    if (at >= end) return ok = false, 0;
    len = ((len & 0x7f) << 8) | d[at++];
  }
  return len;
}

// Android's utf8_to_utf16_length: a lenient decoder (no continuation-byte checks); -1 on overread.
long utf16_length_of_utf8(Bytes s) {
  long units = 0;
  size_t i = 0;
  while (i < s.size()) {
    // ASCII, eight bytes at a time: a unit per byte. Resource strings are mostly ASCII, and every
    // string read is checked this way (3% of a scan's CPU one byte at a time).
    for (uint64_t word; i + 8 <= s.size(); i += 8, units += 8) {
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ull) break;
    }
    if (i >= s.size()) break;
    uint8_t lead = s[i];
    if (lead < 0x80) {  // the tail of an ASCII string
      ++units, ++i;
      continue;
    }
    size_t n = ((0xe5000000u >> ((lead >> 3) & 0x1e)) & 3) + 1;
    if (i + n > s.size()) return -1;
    uint32_t cp = 0;
    switch (n) {
      case 1: cp = lead; break;
      case 2: cp = lead & 0x1f; break;
      case 3: cp = lead & 0x0f; break;
      default: cp = lead & 0x07; break;
    }
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (s[i + k] & 0x3f);
    units += cp > 0xffff ? 2 : 1;
    i += n;
  }
  return units;
}

void put_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xc0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += char(0xe0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3f));
    out += char(0x80 | (cp & 0x3f));
  } else {
    out += char(0xf0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3f));
    out += char(0x80 | ((cp >> 6) & 0x3f));
    out += char(0x80 | (cp & 0x3f));
  }
}

}  // namespace

std::string utf16le_to_utf8(Bytes units, size_t count) {
  std::string out;
  out.reserve(count);
  auto unit = [&](size_t i) -> uint32_t { return units[2 * i] | (uint32_t(units[2 * i + 1]) << 8); };
  for (size_t i = 0; i < count; ++i) {
    uint32_t u = unit(i);
    if (u >= 0xd800 && u < 0xdc00 && i + 1 < count) {
      uint32_t lo = unit(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        put_utf8(out, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
        ++i;
        continue;
      }
    }
    put_utf8(out, u);
  }
  return out;
}

ArscStringPool ArscStringPool::parse(Bytes data, size_t at, size_t limit) {
  if (limit == 0 || limit > data.size()) limit = data.size();
  ArscStringPool p;
  p.data_ = data;
  p.chunk_offset_ = at;
  auto fail = [&](const char* why, size_t where) {
    p.error_ = why;
    p.error_offset_ = where;
    return p;
  };
  ByteReader r(data);
  if (at > limit || limit - at < kPoolHeaderSize) return fail("string pool header truncated", at);
  uint16_t header_size = r.u16_at(at + 2);
  uint32_t size = r.u32_at(at + 4);
  if (header_size < kPoolHeaderSize || header_size > size || ((header_size | size) & 3) || size > limit - at)
    return fail("string pool chunk has a bad header or size", at);
  p.count_ = r.u32_at(at + 8);
  p.style_count_ = r.u32_at(at + 12);
  p.flags_ = r.u32_at(at + 16);
  uint32_t strings_start = r.u32_at(at + 20);
  uint32_t styles_start = r.u32_at(at + 24);
  p.offsets_at_ = at + header_size;
  size_t char_size = p.utf8() ? 1 : 2;
  if (p.count_ > 0) {
    if (uint64_t(header_size) + uint64_t(p.count_) * 4 > size)
      return fail("string offsets extend past the pool chunk", at + 8);
    if (strings_start >= size - 2) return fail("string data starts after the pool chunk", at + 20);
    size_t pool_end = size;
    if (p.style_count_ > 0) {
      if (styles_start >= size - 2) return fail("style data starts after the pool chunk", at + 24);
      if (styles_start <= strings_start) return fail("style data starts before the string data", at + 24);
      pool_end = styles_start;
    }
    size_t units = (pool_end - strings_start) / char_size;
    if (units == 0) return fail("strings declared but the string data is empty", at + 20);
    p.strings_at_ = at + strings_start;
    p.strings_bytes_ = units * char_size;
    size_t last = p.strings_at_ + p.strings_bytes_ - char_size;
    if ((p.utf8() && data[last] != 0) || (!p.utf8() && r.u16_at(last) != 0))
      return fail("last string is not terminated", last);
  }
  if (p.style_count_ > 0) {
    if (uint64_t(header_size) + (uint64_t(p.count_) + p.style_count_) * 4 > size)
      return fail("style offsets extend past the pool chunk", at + 12);
    if (styles_start >= size) return fail("style data starts after the pool chunk", at + 24);
    if (size - styles_start < 12) return fail("style data is too short for its terminator", at + styles_start);
    size_t end_span = at + size - 12;
    if (r.u32_at(end_span) != 0xffffffff || r.u32_at(end_span + 4) != 0xffffffff || r.u32_at(end_span + 8) != 0xffffffff)
      return fail("last style is not 0xFFFFFFFF-terminated", end_span);
  }
  p.error_.clear();
  return p;
}

size_t ArscStringPool::string_offset(uint32_t index) const {
  if (!ok() || index >= count_) return 0;
  return strings_at_ + ByteReader(data_).u32_at(offsets_at_ + size_t(index) * 4);
}

std::optional<Bytes> ArscStringPool::raw(uint32_t index) const {
  if (!ok() || index >= count_) return std::nullopt;
  uint32_t off = ByteReader(data_).u32_at(offsets_at_ + size_t(index) * 4);
  return utf8() ? raw_utf8(off) : raw_utf16(off / 2);
}

std::optional<std::string> ArscStringPool::at(uint32_t index) const {
  auto bytes = raw(index);
  if (!bytes) return std::nullopt;
  if (utf8()) return std::string(as_chars(*bytes));
  return utf16le_to_utf8(*bytes, bytes->size() / 2);
}

std::optional<std::string_view> ArscStringPool::utf8_view(uint32_t index) const {
  if (!utf8()) return std::nullopt;
  auto bytes = raw(index);
  if (!bytes) return std::nullopt;
  return as_chars(*bytes);
}

// Mirrors ResStringPool::stringAt + stringDecodeAt for UTF-8 pools, including the repair of lengths
// that old aapt truncated to 15 bits.
std::optional<Bytes> ArscStringPool::raw_utf8(uint32_t off) const {
  const size_t pool = strings_bytes_;
  if (off >= pool - 1) return std::nullopt;
  Bytes s = data_.subspan(strings_at_, pool);
  size_t at = off;
  bool ok = true;
  size_t u16len = utf8_length(s, at, pool, ok);
  size_t u8len = utf8_length(s, at, pool, ok);
  if (!ok || at + u8len >= pool) return std::nullopt;
  size_t end = u8len;
  for (size_t i = 0;; ++i) {
    if (at + end >= pool) return std::nullopt;
    if (s[at + end] == 0) break;
    end = ((i + 1) << 15) | u8len;
  }
  Bytes text = s.subspan(at, end);
  long units = utf16_length_of_utf8(text);
  if (units < 0 || (size_t(units) & 0x7fff) != u16len) return std::nullopt;
  return text;
}

std::optional<Bytes> ArscStringPool::raw_utf16(uint32_t off) const {
  const size_t pool = strings_bytes_ / 2;
  if (off >= pool - 1) return std::nullopt;
  Bytes s = data_.subspan(strings_at_, strings_bytes_);
  ByteReader r(s);
  size_t at = off;
  size_t len = r.u16_at(2 * at++);
  if (len & 0x8000) len = ((len & 0x7fff) << 16) | r.u16_at(2 * at++);
  if (at + len >= pool) return std::nullopt;
  if (r.u16_at(2 * (at + len)) != 0) return std::nullopt;
  return s.subspan(2 * at, 2 * len);
}

ArscStringPool::Check ArscStringPool::check_all() const {
  Check c;
  for (uint32_t i = 0; i < size(); ++i) {
    if (!raw(i)) {
      if (c.bad == 0) c.first_bad = i;
      ++c.bad;
    }
  }
  return c;
}

}  // namespace apkvet
