// IPv4 and IPv6 headers, then the TCP or UDP header inside: addresses, ports, flags and the payload.
#pragma once
#include <optional>

#include "traffic/net_bytes.h"

namespace apkvet::traffic {

struct TransportPacket {
  IpAddress src, dst;
  uint8_t protocol = 0;  // 6 TCP, 17 UDP
  uint16_t src_port = 0, dst_port = 0;
  // TCP only
  uint32_t seq = 0, ack = 0;
  bool syn = false, fin = false, rst = false, ack_flag = false;
  Bytes payload;
};

enum class IpResult { ok, fragment, not_tcp_udp, malformed };

// Parses one IP packet (version from the link layer). Payload is trimmed to the IP length (Ethernet
// pads short frames). IP fragments are not reassembled: apps' HTTP goes over TCP, whose segments are
// not fragmented on the path a capture sees; fragments are counted instead.
IpResult parse_ip_packet(int version, Bytes packet, TransportPacket& out);

}  // namespace apkvet::traffic
