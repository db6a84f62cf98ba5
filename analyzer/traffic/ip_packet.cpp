#include "traffic/ip_packet.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace apkvet::traffic {

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (version == 4) inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  else if (version == 6) inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

namespace {

IpResult parse_transport(uint8_t proto, Bytes seg, TransportPacket& out) {
  out.protocol = proto;
  ByteReader r(seg);
  if (proto == 6) {
    out.src_port = be16(r, 0);
    out.dst_port = be16(r, 2);
    out.seq = be32(r, 4);
    out.ack = be32(r, 8);
    size_t header = size_t(r.view_at(12, 1)[0] >> 4) * 4;
    uint8_t flags = r.view_at(13, 1)[0];
    out.fin = flags & 0x01;
    out.syn = flags & 0x02;
    out.rst = flags & 0x04;
    out.ack_flag = flags & 0x10;
    if (header < 20 || header > seg.size()) return IpResult::malformed;
    out.payload = seg.subspan(header);
    return IpResult::ok;
  }
  if (proto == 17) {
    out.src_port = be16(r, 0);
    out.dst_port = be16(r, 2);
    size_t len = be16(r, 4);
    // A header cut short (6 or 7 bytes captured) has a readable length but no payload start: without
    // this check min(len, size) - 8 wraps and the payload view runs far past the packet.
    if (len < 8 || seg.size() < 8) return IpResult::malformed;
    out.payload = seg.subspan(8, std::min(len, seg.size()) - 8);
    return IpResult::ok;
  }
  return IpResult::not_tcp_udp;
}

}  // namespace

IpResult parse_ip_packet(int version, Bytes p, TransportPacket& out, IpFragment* fragment) {
  try {
    ByteReader r(p);
    if (version == 4) {
      size_t ihl = size_t(r.view_at(0, 1)[0] & 0x0F) * 4;
      size_t total = be16(r, 2);
      uint16_t frag = be16(r, 6);
      uint8_t proto = r.view_at(9, 1)[0];
      if (total == 0) total = p.size();  // captured on the sender with TCP segmentation offload
      if (ihl < 20 || total < ihl) return IpResult::malformed;
      total = std::min(total, p.size());  // a truncated capture (snaplen) keeps what it has
      out.src.version = out.dst.version = 4;
      std::memcpy(out.src.bytes.data(), r.view_at(12, 4).data(), 4);
      std::memcpy(out.dst.bytes.data(), r.view_at(16, 4).data(), 4);
      if ((frag & 0x2000) || (frag & 0x1FFF)) {
        if (fragment && ihl <= total)  // (a header cut by the capture: a fragment, but of no use)
          *fragment = IpFragment{be16(r, 4), size_t(frag & 0x1FFF) * 8, (frag & 0x2000) != 0, proto,
                                 p.subspan(0, ihl), p.subspan(ihl, total - ihl)};
        return IpResult::fragment;
      }
      if (ihl > total) return IpResult::malformed;
      return parse_transport(proto, p.subspan(ihl, total - ihl), out);
    }
    if (version == 6) {
      size_t payload_len = be16(r, 4);
      uint8_t next = r.view_at(6, 1)[0];
      out.src.version = out.dst.version = 6;
      std::memcpy(out.src.bytes.data(), r.view_at(8, 16).data(), 16);
      std::memcpy(out.dst.bytes.data(), r.view_at(24, 16).data(), 16);
      size_t at = 40, end = std::min(p.size(), 40 + payload_len);
      // Walk extension headers: hop-by-hop (0), routing (43), destination options (60); a fragment
      // header (44) means a fragment.
      for (int n = 0; n < 8 && (next == 0 || next == 43 || next == 60 || next == 44); ++n) {
        if (next == 44) {
          if (fragment && at + 8 <= end) {  // (a fragment header cut by the capture: of no use)
            uint16_t off_flags = be16(r, at + 2);
            *fragment = IpFragment{be32(r, at + 4), size_t(off_flags >> 3) * 8, (off_flags & 1) != 0,
                                   r.view_at(at, 1)[0], p.subspan(0, 40), p.subspan(at + 8, end - at - 8)};
          }
          return IpResult::fragment;
        }
        uint8_t following = r.view_at(at, 1)[0];
        size_t len = (size_t(r.view_at(at + 1, 1)[0]) + 1) * 8;
        at += len;
        next = following;
      }
      if (at > end) return IpResult::malformed;
      return parse_transport(next, p.subspan(at, end - at), out);
    }
  } catch (const ParseError&) {
    return IpResult::malformed;
  }
  return IpResult::malformed;
}

}  // namespace apkvet::traffic
