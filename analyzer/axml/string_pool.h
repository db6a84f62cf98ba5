// ResStringPool: the string table of binary XML and resources.arsc, read as the platform reads it.
// A view over the input: strings are decoded lazily (once each) to UTF-8 on first use.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "facts/evidence.h"

namespace apkvet {

class StringPool {
 public:
  StringPool() = default;
  // Reads the pool chunk at `offset` of `data`, `size` bytes long (the chunk's declared size, already
  // checked to lie inside `data`). Deviations go to `anomalies` as axml.* with `file` and offsets.
  // When the platform would refuse the pool (ok() is false), strings are still recovered leniently.
  void set(Bytes data, size_t offset, size_t size, AnomalySink& anomalies, const std::string& file,
           const char* id_prefix = "axml");

  bool present() const { return present_; }
  bool ok() const { return ok_; }  // the platform's ResStringPool::setTo would accept it
  const std::string& error() const { return error_; }
  bool utf8() const { return utf8_; }
  uint32_t size() const { return count_; }

  // The string at `index` as Android reads it (UTF-8 pools: string8At; UTF-16: stringAt), converted
  // to valid UTF-8; nullptr where the platform returns no string.
  const std::string* at(uint32_t index) const;
  // Byte offset in the input where string `index` starts (for evidence), or 0.
  size_t offset_of(uint32_t index) const;

 private:
  bool decode(uint32_t index, std::string& out) const;
  void fail(const std::string& why);

  Bytes data_;
  size_t chunk_ = 0, chunk_size_ = 0;
  size_t entries_ = 0;   // absolute offset of the offsets array
  size_t strings_ = 0;   // absolute offset of the character data
  size_t pool_units_ = 0;  // mStringPoolSize: characters (bytes or UTF-16 units) available
  uint32_t count_ = 0;
  bool utf8_ = false, present_ = false, ok_ = false;
  std::string error_;
  AnomalySink* anomalies_ = nullptr;
  std::string file_;
  std::string id_prefix_;

  mutable std::vector<uint8_t> state_;  // 0 not decoded, 1 decoded, 2 no string
  mutable std::vector<std::string> cache_;
  mutable size_t bad_strings_reported_ = 0;
};

}  // namespace apkvet
