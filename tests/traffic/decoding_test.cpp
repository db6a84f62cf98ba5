// Decoding robustness on real captured packets: the same traffic re-framed in every supported link
// type, and TCP segments split, shuffled, duplicated and overlapped, gives the same leaks; random
// bytes give none.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "traffic/dns_message.h"
#include "traffic/http_message.h"
#include "traffic/ip_packet.h"
#include "traffic/ip_reassembly.h"
#include "traffic/link_layer.h"
#include "traffic/tcp_reassembly.h"
#include "traffic_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

// The IP packet inside an Ethernet frame of the fixture.
std::vector<uint8_t> ip_of(const Frame& f) {
  auto net = traffic::strip_link_layer(f.linktype, Bytes(f.bytes.data(), f.bytes.size()));
  REQUIRE(net.has_value());
  return std::vector<uint8_t>(net->bytes.begin(), net->bytes.end());
}

std::vector<Frame> reframe(const std::vector<Frame>& in, int linktype) {
  std::vector<Frame> out;
  for (const auto& f : in) {
    std::vector<uint8_t> ip = ip_of(f);
    bool v6 = (ip[0] >> 4) == 6;
    std::vector<uint8_t> b;
    switch (linktype) {
      case 101: b = ip; break;                                     // raw IP
      case 0: b = {uint8_t(v6 ? 10 : 2), 0, 0, 0}; break;           // DLT_NULL, little-endian family
      case 108: b = {0, 0, 0, uint8_t(v6 ? 24 : 2)}; break;         // DLT_LOOP, network order (BSD AF_INET6)
      case 113: b = std::vector<uint8_t>(14, 0), b.push_back(v6 ? 0x86 : 0x08), b.push_back(v6 ? 0xDD : 0x00); break;
      case 276: b = {uint8_t(v6 ? 0x86 : 0x08), uint8_t(v6 ? 0xDD : 0x00)}, b.resize(20, 0); break;
      case 1: {  // Ethernet with an 802.1Q tag
        b = std::vector<uint8_t>(12, 0x02);
        for (uint8_t x : {0x81, 0x00, 0x00, 0x05}) b.push_back(x);
        b.push_back(v6 ? 0x86 : 0x08), b.push_back(v6 ? 0xDD : 0x00);
        break;
      }
    }
    if (linktype != 101) b.insert(b.end(), ip.begin(), ip.end());
    out.push_back(Frame{linktype, f.time_us, std::move(b)});
  }
  return out;
}

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void put_be16(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void put_be32(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 24), p[1] = uint8_t(v >> 16), p[2] = uint8_t(v >> 8), p[3] = uint8_t(v); }

// Splits each IPv4 TCP segment's payload into pieces of 3..40 bytes, sends each piece as its own raw-IP
// packet, shuffles them inside a window, retransmits some, and adds overlapping segments.
std::vector<Frame> mangle_tcp(const std::vector<Frame>& in, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Frame> out;
  std::vector<Frame> window;
  auto flush = [&](bool all) {
    std::shuffle(window.begin(), window.end(), rng);
    for (auto& f : window) out.push_back(std::move(f));
    window.clear();
    (void)all;
  };
  for (const auto& f : in) {
    std::vector<uint8_t> ip = ip_of(f);
    if ((ip[0] >> 4) != 4 || ip[9] != 6) {
      flush(true);
      out.push_back(Frame{101, f.time_us, ip});
      continue;
    }
    size_t ihl = (ip[0] & 15) * 4, thl = (ip[ihl + 12] >> 4) * 4;
    size_t total = (size_t(ip[2]) << 8) | ip[3];
    std::vector<uint8_t> header(ip.begin(), ip.begin() + ihl + thl);
    std::vector<uint8_t> payload(ip.begin() + ihl + thl, ip.begin() + total);
    uint32_t seq = be32(&ip[ihl + 4]);
    uint8_t flags = ip[ihl + 13];
    if (payload.empty()) {  // SYN, FIN, pure ACK: in place, after what is pending
      flush(true);
      out.push_back(Frame{101, f.time_us, ip});
      continue;
    }
    auto segment = [&](size_t at, size_t n) {
      std::vector<uint8_t> p = header;
      p[ihl + 13] = flags & ~0x01;  // FIN only on the original last packet
      p.insert(p.end(), payload.begin() + at, payload.begin() + at + n);
      put_be16(&p[2], uint32_t(p.size()));
      put_be32(&p[ihl + 4], seq + uint32_t(at));
      return Frame{101, f.time_us, p};
    };
    for (size_t at = 0; at < payload.size();) {
      size_t n = std::min(payload.size() - at, size_t(3 + rng() % 38));
      window.push_back(segment(at, n));
      if (rng() % 5 == 0) window.push_back(segment(at, n));  // retransmission
      if (rng() % 7 == 0 && at + n / 2 + n <= payload.size()) window.push_back(segment(at + n / 2, n));  // overlap
      at += n;
    }
    if (flags & 0x01) {
      flush(true);
      out.push_back(Frame{101, f.time_us, header});  // the FIN, after all data
      put_be16(&out.back().bytes[2], uint32_t(header.size()));
      put_be32(&out.back().bytes[ihl + 4], seq + uint32_t(payload.size()));
    }
  }
  flush(true);
  return out;
}

}  // namespace

TEST_CASE("the same packets in every link-layer framing give the same leaks") {
  std::vector<Frame> frames = read_frames(traffic_fixture("http-canaries.pcap"));
  REQUIRE(frames.size() > 1000);
  std::set<LeakKey> want = keys(analyze_frames(frames));
  REQUIRE(want.size() > 150);
  for (int lt : {101, 0, 108, 113, 276, 1}) {
    INFO("link type " << lt);
    CHECK(keys(analyze_frames(reframe(frames, lt))) == want);
  }
  std::vector<Frame> v6 = read_frames(traffic_fixture("ipv6.pcapng"));
  std::set<LeakKey> want6 = keys(analyze_frames(v6));
  REQUIRE(want6.size() == 2);
  for (int lt : {101, 0, 108, 113, 276, 1}) CHECK(keys(analyze_frames(reframe(v6, lt))) == want6);
}

TEST_CASE("TCP segments split / shuffled / retransmitted and overlapping are reassembled") {
  std::vector<Frame> frames = read_frames(traffic_fixture("http-canaries.pcap"));
  std::set<LeakKey> want = keys(analyze_frames(frames));
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::vector<Frame> mangled = mangle_tcp(frames, seed);
    REQUIRE(mangled.size() > frames.size() * 2);
    traffic::TrafficFacts f = analyze_frames(mangled);
    INFO("seed " << seed);
    CHECK(keys(f) == want);
    CHECK(f.captures[0].retransmitted_bytes > 0);
    CHECK(f.captures[0].stream_gaps == 0);
  }
}

// Splits every IP datagram (as raw IP) into fragments of 8..64 bytes (multiples of 8), in shuffled
// order with one exact duplicate: IPv4 by its fragment fields, IPv6 with a fragment header.
std::vector<Frame> fragment_ip(const std::vector<Frame>& in, uint32_t seed, size_t* datagrams = nullptr) {
  std::mt19937 rng(seed);
  std::vector<Frame> out;
  uint32_t id = 1000;
  for (const auto& f : in) {
    std::vector<uint8_t> ip = ip_of(f);
    bool v6 = (ip[0] >> 4) == 6;
    size_t hl = v6 ? 40 : size_t(ip[0] & 0x0F) * 4;
    std::vector<uint8_t> head(ip.begin(), ip.begin() + long(hl)), payload(ip.begin() + long(hl), ip.end());
    if (payload.size() < 16) {
      out.push_back(Frame{101, f.time_us, ip});
      continue;
    }
    ++id;
    if (datagrams) ++*datagrams;
    std::vector<Frame> pieces;
    for (size_t off = 0; off < payload.size();) {
      size_t n = std::min(payload.size() - off, size_t(8 * (1 + rng() % 8)));
      if (off == 0 && n == payload.size()) n = (payload.size() - 1) / 8 * 8;  // always at least two
      bool more = off + n < payload.size();
      std::vector<uint8_t> b = head;
      if (v6) {
        uint8_t next = b[6];
        b[6] = 44;
        uint16_t off_flags = uint16_t((off / 8) << 3 | (more ? 1 : 0));
        for (uint8_t x : {next, uint8_t(0), uint8_t(off_flags >> 8), uint8_t(off_flags), uint8_t(id >> 24),
                          uint8_t(id >> 16), uint8_t(id >> 8), uint8_t(id)})
          b.push_back(x);
        b.insert(b.end(), payload.begin() + long(off), payload.begin() + long(off + n));
        put_be16(&b[4], uint32_t(b.size() - 40));
      } else {
        put_be16(&b[4], id & 0xFFFF);
        put_be16(&b[6], uint32_t((more ? 0x2000 : 0) | (off / 8)));
        b.insert(b.end(), payload.begin() + long(off), payload.begin() + long(off + n));
        put_be16(&b[2], uint32_t(b.size()));
      }
      pieces.push_back(Frame{101, f.time_us, std::move(b)});
      off += n;
    }
    // An exact duplicate is harmless before the datagram completes; after it, it starts a datagram
    // that never completes (given up later, as a receiver's queue times out).
    pieces.push_back(pieces[rng() % pieces.size()]);
    std::shuffle(pieces.begin(), pieces.end(), rng);
    for (auto& p : pieces) out.push_back(std::move(p));
  }
  return out;
}

TEST_CASE("IP fragments (IPv4 and IPv6, shuffled, duplicated) are reassembled and give the same leaks") {
  for (const char* capture : {"http-canaries.pcap", "ipv6.pcapng", "dns-raw.pcap"}) {
    INFO(capture);
    std::vector<Frame> frames = read_frames(traffic_fixture(capture));
    std::set<LeakKey> want = keys(analyze_frames(frames));
    REQUIRE(!want.empty());
    size_t datagrams = 0;
    traffic::TrafficFacts f = analyze_frames(fragment_ip(frames, 7, &datagrams));
    CHECK(keys(f) == want);
    CHECK(f.captures[0].ip_fragments > frames.size());
    CHECK(f.captures[0].ip_datagrams_reassembled == datagrams);
  }
}

TEST_CASE("overlapping IP fragments discard the datagram, as the receiver does") {
  std::vector<Frame> frames = read_frames(traffic_fixture("dns-raw.pcap"));
  size_t datagrams = 0;
  std::vector<Frame> fragmented = fragment_ip(frames, 9, &datagrams);
  // Make every fragment but each datagram's last one reach 8 bytes into the next.
  std::vector<Frame> overlapped;
  size_t bent = 0;
  for (auto f : fragmented) {
    bool v4 = (f.bytes[0] >> 4) == 4;
    if (v4 && (f.bytes[6] & 0x20) && f.bytes.size() >= 28) {
      f.bytes.insert(f.bytes.end(), 8, 0x41);
      put_be16(&f.bytes[2], uint32_t(f.bytes.size()));
      ++bent;
    }
    overlapped.push_back(std::move(f));
  }
  REQUIRE(bent > 0);
  traffic::TrafficFacts f = analyze_frames(overlapped);
  traffic::TrafficFacts whole = analyze_frames(fragmented);
  CHECK(f.captures[0].ip_fragments_dropped >= datagrams / 2);
  // A later copy of a bent fragment can still tile with what arrives after the discard, as it would
  // at the receiver; most datagrams are lost, and with them most leaks.
  CHECK(f.captures[0].ip_datagrams_reassembled * 2 < whole.captures[0].ip_datagrams_reassembled);
  CHECK(keys(f).size() < keys(whole).size());
}

TEST_CASE("IpReassembly - limits: at most kMaxPending datagrams are held") {
  traffic::IpReassembly r;
  std::vector<uint8_t> p(20 + 8, 0);
  p[0] = 0x45, p[9] = 17;
  put_be16(&p[2], 28);
  for (uint32_t id = 0; id < traffic::IpReassembly::kMaxPending + 100; ++id) {
    put_be16(&p[4], id);
    put_be16(&p[6], 0x2000);  // first fragment, more to come: never completed
    p[12] = uint8_t(id >> 16);
    traffic::TransportPacket t;
    traffic::IpFragment f;
    REQUIRE(traffic::parse_ip_packet(4, Bytes(p.data(), p.size()), t, &f) == traffic::IpResult::fragment);
    CHECK_FALSE(r.add(t.src, t.dst, f).has_value());
  }
  CHECK(r.pending() == traffic::IpReassembly::kMaxPending);
  CHECK(r.dropped() == 100);
}

TEST_CASE("TcpStream - wraparound / holes and first-copy-wins") {
  traffic::TcpStream s;
  const std::string text = "POST /a HTTP/1.1\r\nHost: x\r\n\r\n";
  auto bytes = [&](size_t at, size_t n, const char* override_with = nullptr) {
    static std::string keep;
    keep = override_with ? std::string(override_with, n) : text.substr(at, n);
    return Bytes(reinterpret_cast<const uint8_t*>(keep.data()), keep.size());
  };
  uint32_t isn = 0xFFFFFFF0u;  // sequence numbers wrap inside the message
  s.add(isn, true, {}, {1, 0});
  s.add(isn + 1 + 10, false, bytes(10, 10), {3, 0});
  CHECK(s.data().empty());  // a hole before it
  s.add(isn + 1 + 5, false, bytes(0, 5, "XXXXX"), {4, 0});  // out-of-order data that does not fill it
  s.add(isn + 1, false, bytes(0, 10), {2, 0});
  CHECK(s.data() == text.substr(0, 20));
  s.add(isn + 1 + 20, false, bytes(20, text.size() - 20), {5, 0});
  CHECK(s.data() == text);
  CHECK(s.packet_at(0).number == 2);
  CHECK(s.packet_at(25).number == 5);
  s.consume(20);
  CHECK(s.offset() == 20);
  CHECK(s.data() == text.substr(20));
}

TEST_CASE("HTTP - an unfinished message waits for more / chunked and gzip bodies decode") {
  // Real request bytes from the fixture: the chunked and gzip uploads made by curl.
  std::vector<Frame> frames = read_frames(traffic_fixture("http-canaries.pcap"));
  int chunked = 0, gzip = 0;
  for (const auto& f : frames) {
    auto net = traffic::strip_link_layer(f.linktype, Bytes(f.bytes.data(), f.bytes.size()));
    traffic::TransportPacket p;
    if (!net || traffic::parse_ip_packet(net->ip_version, net->bytes, p) != traffic::IpResult::ok || p.payload.empty()) continue;
    std::string_view data = as_chars(p.payload);
    if (!traffic::looks_like_http(data)) continue;
    traffic::HttpMessage m;
    size_t used = 0;
    auto st = traffic::HttpParser::parse(data, false, false, m, used);
    if (st != traffic::HttpParser::Status::complete) continue;  // request split over segments
    CHECK(used == data.size());
    // Every prefix of a complete message is incomplete.
    for (size_t cut : {data.size() / 3, data.size() - 1}) {
      traffic::HttpMessage part;
      CHECK(traffic::HttpParser::parse(data.substr(0, cut), false, false, part, used) ==
            traffic::HttpParser::Status::need_more);
    }
    if (m.header("Transfer-Encoding") == "chunked") {
      ++chunked;
      CHECK(m.body.front() == '{');
      CHECK(m.body.back() == '}');
    }
    if (m.header("Content-Encoding") == "gzip") {
      ++gzip;
      CHECK(m.body.rfind("{\"batch\"", 0) == 0);
    }
  }
  CHECK(chunked > 5);
  CHECK(gzip > 5);
}

TEST_CASE("random bytes raise nothing") {
  std::mt19937 rng(42);
  std::vector<Frame> frames;
  // Valid IPv4/UDP and IPv4/TCP headers around random payloads, and wholly random frames.
  for (int i = 0; i < 4000; ++i) {
    std::vector<uint8_t> p(20 + 20 + 64 + rng() % 1400);
    for (auto& b : p) b = uint8_t(rng());
    if (i % 3 != 2) {
      p[0] = 0x45, p[6] = 0, p[7] = 0, p[9] = (i % 3 == 0) ? 17 : 6;
      put_be16(&p[2], uint32_t(p.size()));
      if (p[9] == 17) put_be16(&p[24], uint32_t(p.size() - 20));
      else p[32] = 0x50;
    }
    frames.push_back(Frame{101, i * 1000, std::move(p)});
  }
  traffic::TrafficFacts f = analyze_frames(frames);
  CHECK(f.captures[0].bytes_scanned > 1000000);
  CHECK(f.leaks.empty());
}

TEST_CASE("IP packets cut inside the transport header are malformed, and a payload stays inside the packet") {
  // An IPv4/UDP datagram captured whole, then cut at every length: 6 or 7 bytes of UDP header used to
  // make a payload view that ran ~2^64 bytes past the packet (found by fuzz_pcap).
  for (uint8_t proto : {uint8_t(17), uint8_t(6)}) {
    std::vector<uint8_t> whole(20 + 20 + 12, 0x41);
    whole[0] = 0x45, whole[6] = 0, whole[7] = 0, whole[9] = proto;
    put_be16(&whole[2], uint32_t(whole.size()));
    if (proto == 17) put_be16(&whole[24], uint32_t(whole.size() - 20));
    else whole[32] = 0x50;
    for (size_t cut = 20; cut <= whole.size(); ++cut) {
      CAPTURE(int(proto));
      CAPTURE(cut);
      std::vector<uint8_t> p(whole.begin(), whole.begin() + cut);
      put_be16(&p[2], uint32_t(cut));
      traffic::TransportPacket t;
      auto r = traffic::parse_ip_packet(4, Bytes(p.data(), p.size()), t);
      size_t header = proto == 17 ? 8 : 20;
      if (cut < 20 + header) {
        CHECK(r == traffic::IpResult::malformed);
      } else {
        REQUIRE(r == traffic::IpResult::ok);
        CHECK(t.payload.size() == cut - 20 - header);
        CHECK(t.payload.data() + t.payload.size() <= p.data() + p.size());
      }
    }
  }
}

TEST_CASE("a DNS-shaped datagram off the DNS ports with a bad question name is raw UDP") {
  // Two questions, the first a single label: not DNS on port 4000, so the datagram is scanned as raw
  // bytes. (The check used to drop the parsed message inside the loop over its own questions, a
  // use-after-free ASan reports here; found by fuzz_pcap.)
  std::vector<uint8_t> dns = {0x12, 0x34, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  for (std::vector<std::string> labels : {std::vector<std::string>{"localhost"}, std::vector<std::string>{"example", "org"}}) {
    for (const auto& l : labels) {
      dns.push_back(uint8_t(l.size()));
      dns.insert(dns.end(), l.begin(), l.end());
    }
    dns.push_back(0);
    for (uint8_t b : {0x00, 0x01, 0x00, 0x01}) dns.push_back(b);
  }
  std::vector<uint8_t> p(20 + 8);
  p[0] = 0x45, p[8] = 64, p[9] = 17;
  uint8_t addrs[8] = {10, 0, 0, 2, 10, 0, 0, 1};
  std::copy(addrs, addrs + 8, p.begin() + 12);
  put_be16(&p[20], 40000), put_be16(&p[22], 4000), put_be16(&p[24], uint32_t(8 + dns.size()));
  p.insert(p.end(), dns.begin(), dns.end());
  put_be16(&p[2], uint32_t(p.size()));
  REQUIRE(traffic::parse_dns_message(Bytes(dns.data(), dns.size())).has_value());
  traffic::TrafficFacts f = analyze_frames({Frame{101, 1000, p}});
  REQUIRE(f.captures.size() == 1);
  CHECK(f.captures[0].udp_datagrams == 1);
  CHECK(f.captures[0].dns_messages == 0);
  CHECK(f.captures[0].buffers_scanned == 1);
}

TEST_CASE("many open flows - the idle ones are closed and still scanned") {
  // 150,000 connections that never close, each one request; the first carries the IMEI.
  std::vector<Frame> frames;
  for (uint32_t n = 0; n < 150000; ++n) {
    std::string req = "GET /e?i=" + std::to_string(n) + (n == 0 ? "&imei=356938035643809" : "") +
                      " HTTP/1.1\r\nHost: log.tiktokv.com\r\n\r\n";
    std::vector<uint8_t> p(40, 0);
    p[0] = 0x45, p[9] = 6;
    put_be16(&p[2], uint32_t(40 + req.size()));
    p[12] = 10, p[13] = uint8_t(n >> 16), p[14] = uint8_t(n >> 8), p[15] = uint8_t(n);
    p[16] = 93, p[17] = 184, p[18] = 216, p[19] = 34;
    put_be16(&p[20], 40000 + n % 20000), put_be16(&p[22], 80);
    put_be32(&p[24], n * 7919u);
    p[32] = 0x50, p[33] = 0x18;
    p.insert(p.end(), req.begin(), req.end());
    frames.push_back(Frame{101, n, std::move(p)});
  }
  traffic::TrafficFacts f = analyze_frames(frames);
  CHECK(f.captures[0].tcp_flows == 150000);
  CHECK(f.captures[0].http_requests == 150000);
  CHECK(f.captures[0].flows_closed_idle >= 50000);
  REQUIRE(f.leaks.size() == 1);
  CHECK(f.leaks[0].identifier == "imei");
  CHECK(f.leaks[0].host == "log.tiktokv.com");
  CHECK(f.leaks[0].packet == 1);
}
