// Network byte order on top of ByteReader (which reads little-endian): packet headers are big-endian.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/byte_reader.h"

namespace apkvet::traffic {

inline uint16_t be16(const ByteReader& r, size_t at) {
  Bytes b = r.view_at(at, 2);
  return static_cast<uint16_t>(b[0] << 8 | b[1]);
}
inline uint32_t be32(const ByteReader& r, size_t at) {
  Bytes b = r.view_at(at, 4);
  return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
}
// `n` (1 to 4) big-endian bytes at `at`, unchecked: for stream readers (TLS records, HTTP/2 frames,
// QUIC packets) that have checked the length before reading a header's fields.
inline uint32_t be_at(std::string_view s, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v << 8 | uint8_t(s[at + i]);
  return v;
}

// An IPv4 or IPv6 address.
struct IpAddress {
  uint8_t version = 0;  // 4 or 6; 0 = none
  std::array<uint8_t, 16> bytes{};
  auto operator<=>(const IpAddress&) const = default;
  std::string str() const;
};

}  // namespace apkvet::traffic
