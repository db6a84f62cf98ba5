// QUIC Initial packets (tools/make-traffic-fixtures.sh step 10: ngtcp2's example HTTP/3 client and
// server, recorded by tcpdump): the ClientHello inside is opened with the keys any observer derives
// from the client's Destination Connection ID, and its SNI names the UDP flow and is scanned.
#include <doctest/doctest.h>

#include "traffic/quic_initial.h"
#include "traffic_support.h"

using namespace apkvet;
using namespace apkvet::test;

TEST_CASE("QUIC Initial packets give the SNI: it names the flow and an identifier in it is a leak") {
  traffic::TrafficFacts f = analyze({"quic-sni.pcap"});
  REQUIRE(f.captures.size() == 1);
  CHECK(f.captures[0].quic_client_hellos == 2);
  CHECK(f.captures[0].tcp_flows == 0);
  bool named = false;
  for (const auto& h : f.hosts) named = named || (h.host == "log.tiktokv.com" && h.sources.count("sni") && h.transports.count("tls"));
  CHECK(named);
  REQUIRE(f.leaks.size() == 1);
  const auto& l = f.leaks[0];
  CHECK(l.identifier == "imei");
  CHECK(l.protocol == "quic_sni");
  CHECK(l.location == "sni");
  CHECK(l.transport == "tls");
  CHECK(l.host == "356938035643809.device.byteoversea.com");
  CHECK(l.owner == "bytedance");
  CHECK(l.flow.rfind("udp 127.0.0.1:", 0) == 0);
}

TEST_CASE("differential: the server names tshark reads from the QUIC Initials are apkvet's") {
  auto lines = tshark_lines("quic-sni.pcap",
                            "-Y 'tls.handshake.type == 1' -T fields -e frame.number -e tls.handshake.extensions_server_name");
  if (lines.empty()) {
    MESSAGE("tshark not available: differential skipped");
    return;
  }
  std::set<std::pair<uint64_t, std::string>> tshark_names, ours;
  for (const auto& line : lines) {
    size_t tab = line.find('\t');
    if (tab != std::string::npos) tshark_names.insert({std::stoull(line.substr(0, tab)), line.substr(tab + 1)});
  }
  // apkvet's names, each at the packet that completed its ClientHello (here, the first Initial).
  std::vector<Frame> frames = read_frames(traffic_fixture("quic-sni.pcap"));
  traffic::QuicInitials per_flow[2];
  std::map<uint16_t, size_t> flow_of_port;
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto& b = frames[i].bytes;
    size_t udp = 14 + size_t(b[14] & 0x0f) * 4;
    Bytes payload(b.data() + udp + 8, b.size() - udp - 8);
    if (!traffic::looks_like_quic_initial(payload)) continue;
    uint16_t port = uint16_t(b[udp] << 8 | b[udp + 1]);
    if (port == 18449) continue;  // the server's datagrams (its Initials are under the server's keys)
    size_t k = flow_of_port.emplace(port, flow_of_port.size()).first->second;
    REQUIRE(k < 2);
    bool had = per_flow[k].client_hello_complete();
    per_flow[k].add_datagram(payload);
    if (!had && per_flow[k].client_hello_complete()) ours.insert({i + 1, per_flow[k].sni().value_or("")});
  }
  CHECK(tshark_names.size() == 2);
  CHECK(ours == tshark_names);
}

TEST_CASE("QUIC Initial: a server's Initial, a damaged packet and other versions do not open") {
  std::vector<Frame> frames = read_frames(traffic_fixture("quic-sni.pcap"));
  REQUIRE(!frames.empty());
  const auto& b = frames[0].bytes;
  size_t udp = 14 + size_t(b[14] & 0x0f) * 4;
  std::vector<uint8_t> first(b.begin() + long(udp + 8), b.end());
  REQUIRE(traffic::looks_like_quic_initial(Bytes(first.data(), first.size())));
  traffic::QuicInitials good;
  CHECK(good.add_datagram(Bytes(first.data(), first.size())) == 1);
  // One byte of the protected payload changed: the AEAD tag refuses the packet.
  std::vector<uint8_t> damaged = first;
  damaged[damaged.size() / 2] ^= 0x40;
  traffic::QuicInitials bad;
  CHECK(bad.add_datagram(Bytes(damaged.data(), damaged.size())) == 0);
  CHECK(!bad.sni());
  // A version this reader does not know is not an Initial to it.
  std::vector<uint8_t> other = first;
  other[4] = 0x02;
  CHECK(!traffic::looks_like_quic_initial(Bytes(other.data(), other.size())));
  // Cut short: no crash, nothing opened.
  traffic::QuicInitials cut;
  CHECK(cut.add_datagram(Bytes(first.data(), 40)) == 0);
}
