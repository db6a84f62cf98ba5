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

// What the IP header says of a fragment: enough to put its datagram back together
// (traffic/ip_reassembly.h). Views into the packet.
struct IpFragment {
  uint32_t id = 0;        // IPv4 identification (16 bits) or IPv6 fragment header identification
  size_t offset = 0;      // of this fragment's data in the datagram, in bytes
  bool more = false;      // more fragments follow
  uint8_t protocol = 0;   // IPv4 protocol; IPv6: the fragment header's next header
  Bytes header;           // to rebuild the datagram around: IPv4 with its options, IPv6 the fixed 40 bytes
  Bytes data;
};

// Parses one IP packet (version from the link layer). Payload is trimmed to the IP length (Ethernet
// pads short frames). A fragment gives IpResult::fragment, the addresses in `out` and, when
// `fragment` is given, its fields there.
IpResult parse_ip_packet(int version, Bytes packet, TransportPacket& out, IpFragment* fragment = nullptr);

}  // namespace apkvet::traffic
