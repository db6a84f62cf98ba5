#include "traffic/link_layer.h"

#include "traffic/net_bytes.h"

namespace apkvet::traffic {

namespace {

// Link-type numbers (https://www.tcpdump.org/linktypes.html). libpcap reports DLT_ values, which
// differ from LINKTYPE_ values for raw IP (12 or 14 vs 101).
constexpr int kNull = 0, kEthernet = 1, kRaw12 = 12, kRaw14 = 14, kLoop = 108, kRaw101 = 101, kSll = 113,
              kIpv4 = 228, kIpv6 = 229, kSll2 = 276;

std::optional<NetworkPayload> by_ethertype(uint16_t type, Bytes rest) {
  if (type == 0x0800) return NetworkPayload{4, rest};
  if (type == 0x86DD) return NetworkPayload{6, rest};
  return std::nullopt;
}

// Raw IP: the version nibble says which.
std::optional<NetworkPayload> raw_ip(Bytes frame) {
  if (frame.empty()) return std::nullopt;
  int v = frame[0] >> 4;
  if (v == 4 || v == 6) return NetworkPayload{v, frame};
  return std::nullopt;
}

// Ethernet II: 6 dst, 6 src, EtherType; 802.1Q / 802.1ad tags insert 4 bytes each before the type.
std::optional<NetworkPayload> ethernet(Bytes frame) {
  ByteReader r(frame);
  size_t at = 12;
  uint16_t type = be16(r, at);
  for (int tags = 0; (type == 0x8100 || type == 0x88A8 || type == 0x9100) && tags < 4; ++tags) {
    at += 4;
    type = be16(r, at);
  }
  return by_ethertype(type, frame.subspan(at + 2));
}

// BSD loopback (DLT_NULL: host byte order; DLT_LOOP: network order): a 4-byte address family. AF_INET
// is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
std::optional<NetworkPayload> loopback(Bytes frame, bool network_order) {
  ByteReader r(frame);
  uint32_t family = network_order ? be32(r, 0) : r.u32_at(0);
  if (!network_order && family > 0xFFFF) family = be32(r, 0);  // captured on a big-endian host
  Bytes rest = frame.subspan(4);
  if (family == 2) return NetworkPayload{4, rest};
  if (family == 10 || family == 24 || family == 28 || family == 30) return NetworkPayload{6, rest};
  return std::nullopt;
}

}  // namespace

bool link_type_supported(int t) {
  return t == kNull || t == kEthernet || t == kRaw12 || t == kRaw14 || t == kLoop || t == kRaw101 || t == kSll ||
         t == kIpv4 || t == kIpv6 || t == kSll2;
}

std::optional<NetworkPayload> strip_link_layer(int linktype, Bytes frame) {
  try {
    switch (linktype) {
      case kEthernet: return ethernet(frame);
      case kNull: return loopback(frame, false);
      case kLoop: return loopback(frame, true);
      case kRaw12:
      case kRaw14:
      case kRaw101:
      case kIpv4:
      case kIpv6: return raw_ip(frame);
      case kSll: {  // 16 bytes: packet type, ARPHRD, address length, 8 address bytes, protocol
        ByteReader r(frame);
        return by_ethertype(be16(r, 14), frame.subspan(16));
      }
      case kSll2: {  // 20 bytes: protocol first, then reserved, ifindex, ARPHRD, type, address
        ByteReader r(frame);
        uint16_t proto = be16(r, 0);
        r.view_at(0, 20);
        return by_ethertype(proto, frame.subspan(20));
      }
      default: return std::nullopt;
    }
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

}  // namespace apkvet::traffic
