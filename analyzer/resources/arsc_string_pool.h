// ResStringPool as resources.arsc stores it (global values, type names, key names): a view over the
// chunk; a string is decoded only when asked for, with the checks Android's ResStringPool makes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/byte_reader.h"

namespace apkvet {

class ArscStringPool {
 public:
  ArscStringPool() = default;

  // Reads the pool chunk that starts at `chunk_offset` in `data` (the whole file, so offsets in
  // errors are file offsets) and must end by `limit` (its parent's end; 0: the end of `data`).
  // A pool Android would reject gets error() set and holds no strings.
  static ArscStringPool parse(Bytes data, size_t chunk_offset, size_t limit = 0);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t error_offset() const { return error_offset_; }
  uint32_t size() const { return ok() ? count_ : 0; }
  uint32_t style_count() const { return style_count_; }
  bool utf8() const { return (flags_ & kUtf8Flag) != 0; }
  size_t chunk_offset() const { return chunk_offset_; }

  // The string at `index`, as UTF-8. nullopt when Android's ResStringPool::stringAt would return
  // null for it (offset out of range, bad length, not terminated): a broken string, not an empty one.
  std::optional<std::string> at(uint32_t index) const;
  // In a UTF-8 pool, what at() returns without the copy: a view into the data. nullopt where at()
  // gives nullopt, and for every string of a UTF-16 pool (those need converting: use at()).
  std::optional<std::string_view> utf8_view(uint32_t index) const;
  // File offset of the string's first byte (its length prefix), for evidence; 0 when out of range.
  size_t string_offset(uint32_t index) const;

  // Checks every string once (no decoding kept); returns how many are unreadable and the first one.
  struct Check {
    uint32_t bad = 0;
    uint32_t first_bad = 0;
  };
  Check check_all() const;

  static constexpr uint32_t kUtf8Flag = 0x100;

 private:
  // The string's encoded bytes (UTF-8, or UTF-16LE units), without its length prefix and terminator.
  std::optional<Bytes> raw(uint32_t index) const;
  std::optional<Bytes> raw_utf8(uint32_t off) const;
  std::optional<Bytes> raw_utf16(uint32_t off) const;

  Bytes data_;  // the whole file
  size_t chunk_offset_ = 0;
  uint32_t count_ = 0, style_count_ = 0, flags_ = 0;
  size_t offsets_at_ = 0;     // file offset of the u32 string offsets
  size_t strings_at_ = 0;     // file offset of the string data
  size_t strings_bytes_ = 0;  // bytes of string data (Android's mStringPoolSize in bytes)
  std::string error_ = "empty";
  size_t error_offset_ = 0;
};

// UTF-16 code units (little endian) to UTF-8; unpaired surrogates are kept as 3-byte sequences the
// way Android's utf16_to_utf8 writes them.
std::string utf16le_to_utf8(Bytes units, size_t count);

}  // namespace apkvet
