// Network byte order on top of ByteReader (which reads little-endian): packet headers are big-endian.
#pragma once
#include <array>
#include <cstdint>
#include <string>

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

// An IPv4 or IPv6 address.
struct IpAddress {
  uint8_t version = 0;  // 4 or 6; 0 = none
  std::array<uint8_t, 16> bytes{};
  auto operator<=>(const IpAddress&) const = default;
  std::string str() const;
};

}  // namespace apkvet::traffic
