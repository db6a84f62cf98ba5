// Byte views and a bounds-checked little-endian reader: the one way every parser touches input bytes.
// A read past the end throws ParseError with the offset, so a parser never reads out of bounds.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace apkvet {

using Bytes = std::span<const uint8_t>;

inline std::string_view as_chars(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
// Appends the n low bytes of v, little-endian: how apkvet writes the binary caches ByteReader reads back.
inline void append_le(std::string& out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

struct ParseError : std::runtime_error {
  size_t offset;
  ParseError(const std::string& what, size_t at) : std::runtime_error(what), offset(at) {}
};

class ByteReader {
 public:
  explicit ByteReader(Bytes data, size_t pos = 0) : data_(data), pos_(pos) {}

  size_t size() const { return data_.size(); }
  size_t pos() const { return pos_; }
  size_t remaining() const { return pos_ <= data_.size() ? data_.size() - pos_ : 0; }
  void seek(size_t pos) {
    if (pos > data_.size()) throw ParseError("seek past end", pos);
    pos_ = pos;
  }
  void skip(size_t n) { seek(checked_end(n)); }
  bool has(size_t n) const { return n <= remaining(); }

  uint8_t u8() { return static_cast<uint8_t>(read_le(1)); }
  uint16_t u16() { return static_cast<uint16_t>(read_le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(read_le(4)); }
  uint64_t u64() { return read_le(8); }

  // A view of the next n bytes, without copying.
  Bytes view(size_t n) {
    size_t end = checked_end(n);
    Bytes out = data_.subspan(pos_, n);
    pos_ = end;
    return out;
  }

  // Reads at an absolute offset without moving the cursor.
  uint16_t u16_at(size_t at) const { return static_cast<uint16_t>(le_at(at, 2)); }
  uint32_t u32_at(size_t at) const { return static_cast<uint32_t>(le_at(at, 4)); }
  uint64_t u64_at(size_t at) const { return le_at(at, 8); }
  Bytes view_at(size_t at, size_t n) const {
    if (at > data_.size() || n > data_.size() - at) throw ParseError("view out of bounds", at);
    return data_.subspan(at, n);
  }

 private:
  size_t checked_end(size_t n) const {
    if (n > remaining()) throw ParseError("read past end", pos_);
    return pos_ + n;
  }
  uint64_t read_le(size_t n) {
    uint64_t v = le_at(pos_, n);
    pos_ += n;
    return v;
  }
  uint64_t le_at(size_t at, size_t n) const {
    if (at > data_.size() || n > data_.size() - at) throw ParseError("read past end", at);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(data_[at + i]) << (8 * i);
    return v;
  }

  Bytes data_;
  size_t pos_;
};

}  // namespace apkvet
