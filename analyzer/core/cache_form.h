// The binary form of apkvet's on-disk caches of parsed data (rules/rule_cache.cpp,
// code/code_rules_cache.cpp): every field in order, little-endian integers, length-prefixed strings.
// The reader is bounds-checked and refuses what no writer makes (a flag other than 0 or 1, an
// enumerator past its last value, a count longer than the bytes left), so a damaged or foreign entry
// throws instead of being half read; the caller then parses the source files again.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"

namespace apkvet {

class CacheWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { append_le(out_, v, 4); }
  void u64(uint64_t v) { append_le(out_, v, 8); }
  void flag(bool v) { u8(v ? 1 : 0); }
  void text(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void texts(const std::vector<std::string>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) text(s);
  }
  void indices(const std::vector<uint32_t>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (uint32_t i : v) u32(i);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class CacheReader {
 public:
  explicit CacheReader(std::string_view bytes) : r_(Bytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) {}

  uint8_t u8() { return r_.u8(); }
  uint32_t u32() { return r_.u32(); }
  uint64_t u64() { return r_.u64(); }
  bool flag() {
    uint8_t v = u8();
    if (v > 1) throw std::runtime_error("cache: a flag that is neither 0 nor 1");
    return v == 1;
  }
  // An enumerator stored as one byte, checked against the enumeration's last value.
  template <typename Enum>
  Enum enumerator(Enum last) {
    uint8_t v = u8();
    if (v > static_cast<uint8_t>(last)) throw std::runtime_error("cache: enumerator out of range");
    return static_cast<Enum>(v);
  }
  std::string text() {
    Bytes b = r_.view(r_.u32());
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  // An element count, at most what the remaining bytes could hold (one byte each): a damaged count
  // cannot make the reader loop or reserve without end.
  uint32_t count() {
    uint32_t n = u32();
    if (n > r_.remaining()) throw std::runtime_error("cache: count beyond the entry");
    return n;
  }
  std::vector<std::string> texts() {
    std::vector<std::string> out(count());
    for (auto& s : out) s = text();
    return out;
  }
  // Indices into a table of `limit` elements; one at or past the end is refused.
  std::vector<uint32_t> indices(size_t limit) {
    std::vector<uint32_t> out(count());
    for (auto& i : out) i = index(limit);
    return out;
  }
  uint32_t index(size_t limit) {
    uint32_t i = u32();
    if (i >= limit) throw std::runtime_error("cache: index out of range");
    return i;
  }
  bool at_end() const { return r_.remaining() == 0; }

 private:
  ByteReader r_;
};

}  // namespace apkvet
