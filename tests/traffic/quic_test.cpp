// QUIC Initial packets (tools/make-traffic-fixtures.sh step 10: ngtcp2's example HTTP/3 client and
// server, recorded by tcpdump): the ClientHello inside is opened with the keys any observer derives
// from the client's Destination Connection ID, and its SNI names the UDP flow and is scanned.
#include <doctest/doctest.h>

#include "traffic/http3_frames.h"
#include "traffic/quic_connection.h"
#include "traffic/quic_initial.h"
#include "traffic/tls_keylog.h"
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

// ---- QUIC read with the key log (tools/make-traffic-fixtures.sh quic-decrypt: ngtcp2's example client,
// GnuTLS logging its secrets; two HTTP/3 requests per connection over AES-128-GCM, AES-256-GCM, and
// ChaCha20-Poly1305 after a key update; the fourth connection's secrets left out of the log) ----

namespace {

// The requests apkvet reads from each client's QUIC connection of a capture, by the client's port.
std::map<uint16_t, std::vector<traffic::Http3Requests::Request>> quic_requests(const std::string& capture,
                                                                                const std::string& key_log_text,
                                                                                std::map<uint16_t, std::string>* status,
                                                                                uint16_t server_port = 18451) {
  traffic::TlsKeyLog keylog;
  keylog.add_text(key_log_text);
  struct Conn {
    traffic::QuicInitials initials;
    std::unique_ptr<traffic::QuicConnection> quic;
  };
  std::map<uint16_t, Conn> conns;
  std::map<uint16_t, std::vector<traffic::Http3Requests::Request>> out;
  std::vector<Frame> frames = read_frames(traffic_fixture(capture));
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto& b = frames[i].bytes;
    size_t udp = 14 + size_t(b[14] & 0x0f) * 4;
    Bytes payload(b.data() + udp + 8, b.size() - udp - 8);
    uint16_t src = uint16_t(b[udp] << 8 | b[udp + 1]), dst = uint16_t(b[udp + 2] << 8 | b[udp + 3]);
    bool from_client = dst == server_port;
    Conn& c = conns[from_client ? src : dst];
    if (!c.quic) c.quic = std::make_unique<traffic::QuicConnection>(keylog);
    if (from_client && !c.initials.client_hello_complete() && c.initials.add_datagram(payload) &&
        c.initials.client_hello_complete())
      c.quic->set_client_random(c.initials.client_random());
    c.quic->add_datagram(from_client, payload, traffic::PacketRef{i + 1, frames[i].time_us}, out[from_client ? src : dst]);
  }
  for (auto& [port, c] : conns) {
    c.quic->finish(out[port]);
    if (status) (*status)[port] = c.quic->status();
  }
  return out;
}

}  // namespace

TEST_CASE("QUIC with the key log: HTTP/3 requests over each cipher suite and after a key update") {
  traffic::TrafficFacts f = analyze({"quic-decrypt.pcap"}, "quic-decrypt.keys");
  REQUIRE(f.captures.size() == 1);
  const auto& c = f.captures[0];
  CHECK(c.quic_connections == 4);
  CHECK(c.quic_connections_decrypted == 3);
  CHECK(c.quic_connections_not_read() == 1);
  CHECK(c.quic_connections_not_decrypted == std::map<std::string, uint64_t>{{"no_key", 1}});
  CHECK(c.http_requests == 6);  // two per connection the key log opened; none from the fourth
  // Exactly the identifiers the client sent: the IMEI in a query of one request per connection, the
  // Android ID in every body.
  std::map<std::string, uint64_t> occurrences;
  for (const auto& l : f.leaks) {
    CHECK(l.protocol == "http3");
    CHECK(l.transport == "tls");
    CHECK(l.host == "log.tiktokv.com");
    CHECK(l.host_source == "http_host");
    CHECK(l.flow.rfind("udp 127.0.0.1:", 0) == 0);
    occurrences[l.identifier + " " + l.location + " " + l.field] += l.occurrences;
  }
  CHECK(occurrences == std::map<std::string, uint64_t>{{"imei query imei", 3}, {"android_id body aid", 6}});
}

TEST_CASE("QUIC: the pcapng carrying its own secrets reads the same") {
  traffic::TrafficFacts with_file = analyze({"quic-decrypt.pcap"}, "quic-decrypt.keys");
  traffic::TrafficFacts embedded = analyze({"quic-decrypt-dsb.pcapng"});
  REQUIRE(embedded.captures.size() == 1);
  CHECK(embedded.captures[0].tls_key_logs_embedded == 1);
  CHECK(embedded.captures[0].quic_connections_decrypted == 3);
  CHECK(keys(embedded) == keys(with_file));
}

TEST_CASE("QUIC without the secrets, or with damaged ones, is not read and says why") {
  traffic::TrafficFacts none = analyze({"quic-decrypt.pcap"});
  CHECK(none.captures[0].quic_connections_not_read() == 4);
  CHECK(none.captures[0].quic_connections_not_decrypted == std::map<std::string, uint64_t>{{"no_key", 4}});
  CHECK(none.captures[0].http_requests == 0);
  traffic::TrafficFacts damaged = analyze_with_secrets({"quic-decrypt.pcap"}, damaged_key_log("quic-decrypt.keys"));
  CHECK(damaged.captures[0].quic_connections_decrypted == 0);
  CHECK(damaged.captures[0].quic_connections_not_decrypted ==
        std::map<std::string, uint64_t>{{"wrong_key", 3}, {"no_key", 1}});
  CHECK(damaged.leaks.empty());
}

TEST_CASE("differential: the packets where tshark first reads each connection's HTTP/3 HEADERS are apkvet's") {
  auto lines = tshark_lines("quic-decrypt.pcap", "-o tls.keylog_file:" + traffic_fixture("quic-decrypt.keys") +
                                                     " -Y 'http3.frame_type == 1 && udp.dstport == 18451' -T fields "
                                                     "-e frame.number -e udp.srcport");
  if (lines.empty()) {
    MESSAGE("tshark not available: differential skipped");
    return;
  }
  std::map<uint16_t, uint64_t> tshark_first;  // client port -> first frame with a request's HEADERS
  for (const auto& line : lines) {
    size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    tshark_first.try_emplace(uint16_t(std::stoul(line.substr(tab + 1))), std::stoull(line.substr(0, tab)));
  }
  std::map<uint16_t, std::string> status;
  auto ours = quic_requests("quic-decrypt.pcap", read_text(traffic_fixture("quic-decrypt.keys")), &status);
  std::map<uint16_t, uint64_t> our_first;
  for (const auto& [port, requests] : ours)
    for (const auto& r : requests) {
      auto [it, fresh] = our_first.try_emplace(port, r.packet.number);
      if (!fresh) it->second = std::min(it->second, r.packet.number);
      CHECK(r.message.notes.empty());
      CHECK(r.message.header("user-agent") == "nghttp3/ngtcp2 client");
    }
  CHECK(tshark_first.size() == 3);
  CHECK(our_first == tshark_first);
  size_t decrypted = 0;
  for (const auto& [port, s] : status) decrypted += s == "decrypted";
  CHECK(decrypted == 3);
}

namespace {
std::string varint(uint64_t v) {  // QUIC variable-length integer, the shortest form
  std::string out;
  if (v < 64) out += char(v);
  else if (v < 16384) out += char(0x40 | (v >> 8)), out += char(v & 0xff);
  else for (int i = 3; i >= 0; --i) out += char((i == 3 ? 0x80 : 0) | ((v >> (8 * i)) & 0xff));
  return out;
}
std::string h3_frame(uint64_t type, const std::string& payload) { return varint(type) + varint(payload.size()) + payload; }
}  // namespace

TEST_CASE("HTTP/3: a header section that refers to the dynamic table waits for the encoder stream") {
  traffic::Http3Requests h3;
  std::vector<traffic::Http3Requests::Request> out;
  traffic::PacketRef ref{7, 0};
  // The server allows a 4096-byte table (control stream, id 3: type 0x00, SETTINGS).
  h3.stream_data(false, 3, std::string(1, '\0') + h3_frame(0x04, varint(0x01) + varint(4096)), false, ref, out);
  // The request (stream 0): Required Insert Count 1 (encoded 2: 4096/32 = 128 entries), base 0;
  // :method GET (static 17), :path / (static 1), then dynamic entry 0 (relative index 0).
  std::string section = std::string("\x02\x00", 2) + "\xd1\xc1\x80";
  h3.stream_data(true, 0, h3_frame(0x01, section) + h3_frame(0x00, "ok=1"), true, ref, out);
  CHECK(out.empty());  // blocked: the entry is not in the table yet
  // The client's encoder stream (id 2, type 0x02): set the capacity to 4096, insert x-imei: IMEI.
  std::string encoder = std::string("\x02\x3f\xe1\x1f", 4) + "\x46x-imei" + "\x0f" "356938035643809";
  h3.stream_data(true, 2, encoder, false, ref, out);
  REQUIRE(out.size() == 1);
  const auto& m = out[0].message;
  CHECK(m.method == "GET");
  CHECK(m.target == "/");
  CHECK(m.header("x-imei") == "356938035643809");
  CHECK(m.body == "ok=1");
  CHECK(out[0].packet.number == 7);
  CHECK(m.notes.empty());
}

TEST_CASE("HTTP/3: DATA split across deliveries, an unfinished stream, and a section QPACK cannot read") {
  traffic::Http3Requests h3;
  std::vector<traffic::Http3Requests::Request> out;
  traffic::PacketRef ref{1, 0};
  // Static-table and literal fields only: ":authority" with a literal value, :method POST (static 20).
  std::string section = std::string("\x00\x00", 2) + "\x50\x0flog.tiktokv.com" + "\xd4";
  std::string stream = h3_frame(0x01, section) + h3_frame(0x00, "aid=9774d56d682e549c");
  for (size_t i = 0; i < stream.size(); ++i) h3.stream_data(true, 4, stream.substr(i, 1), false, ref, out);
  CHECK(out.empty());  // the stream has not ended
  // A section naming a dynamic entry of a table that was never allowed: QPACK fails; the raw bytes
  // are still reported as the body.
  h3.stream_data(true, 8, h3_frame(0x01, std::string("\x02\x00\x80", 3) + "raw-literal"), true, ref, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].message.body.find("raw-literal") != std::string::npos);
  CHECK(h3.undecodable_sections() == 1);
  h3.finish(out);
  REQUIRE(out.size() == 2);
  const auto& m = out[1].message;
  CHECK(m.method == "POST");
  CHECK(m.header("host") == "log.tiktokv.com");
  CHECK(m.body == "aid=9774d56d682e549c");
  CHECK(std::find(m.notes.begin(), m.notes.end(), "stream_incomplete") != m.notes.end());
}

TEST_CASE("HTTP/3: at most 1000 request streams are held open, the oldest is reported when more open") {
  traffic::Http3Requests h3;
  std::vector<traffic::Http3Requests::Request> out;
  std::string request = h3_frame(0x01, std::string("\x00\x00", 2) + "\xd1\xc1");  // GET /, no fin
  for (uint64_t i = 0; i < 1000; ++i) h3.stream_data(true, 4 * i, request, false, traffic::PacketRef{i + 1, 0}, out);
  CHECK(out.empty());
  h3.stream_data(true, 4000, request, false, traffic::PacketRef{1001, 0}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].packet.number == 1);  // stream 0, the oldest
  CHECK(std::find(out[0].message.notes.begin(), out[0].message.notes.end(), "stream_incomplete") != out[0].message.notes.end());
  h3.finish(out);
  CHECK(out.size() == 1001);
}

TEST_CASE("QUIC: a new connection from the client port of a finished one is read as its own") {
  // The fixture's first two connections, the second moved onto the first one's client port (its UDP
  // checksum cleared, which IPv4 allows): without telling them apart, the second's requests were
  // read under the first one's keys, that is, not at all, while the flow counted as decrypted.
  std::vector<Frame> frames = read_frames(traffic_fixture("quic-decrypt.pcap"));
  std::vector<uint16_t> clients;
  std::vector<Frame> two;
  for (auto f : frames) {
    auto& b = f.bytes;
    size_t udp = 14 + size_t(b[14] & 0x0f) * 4;
    uint16_t src = uint16_t(b[udp] << 8 | b[udp + 1]), dst = uint16_t(b[udp + 2] << 8 | b[udp + 3]);
    size_t at = dst == 18451 ? udp : udp + 2;  // the client's port field
    uint16_t client = dst == 18451 ? src : dst;
    if (std::find(clients.begin(), clients.end(), client) == clients.end()) clients.push_back(client);
    if (client != clients[0] && (clients.size() < 2 || client != clients[1])) continue;
    b[at] = uint8_t(clients[0] >> 8), b[at + 1] = uint8_t(clients[0] & 0xff);
    b[udp + 6] = b[udp + 7] = 0;
    two.push_back(std::move(f));
  }
  REQUIRE(clients.size() >= 2);
  traffic::TrafficAnalyzer a(device());
  a.add_tls_key_log(read_text(traffic_fixture("quic-decrypt.keys")));
  a.begin_capture("two-on-one-port", "test");
  for (const auto& f : two) a.add_packet(f.linktype, f.time_us, Bytes(f.bytes.data(), f.bytes.size()));
  a.end_capture();
  traffic::TrafficFacts facts = a.finish(OwnerRules::builtin().get());
  const auto& c = facts.captures[0];
  CHECK(c.quic_connections == 2);
  CHECK(c.quic_connections_decrypted == 2);
  CHECK(c.http_requests == 4);
}

TEST_CASE("QUIC 0-RTT: a resumed connection's early request is read under CLIENT_EARLY_TRAFFIC_SECRET") {
  // tools/make-traffic-fixtures.sh quic-0rtt: the second connection resumes the first's session and
  // sends its request in a 0-RTT packet (the server declines early data, so the client sends it again
  // in 1-RTT). tshark opens the 0-RTT packet but does not dissect HTTP/3 inside it: the differential
  // takes the first frame in which tshark's QUIC layer carries client stream 0 of each connection.
  std::string keys = read_text(traffic_fixture("quic-0rtt.keys"));
  std::map<uint16_t, std::string> status;
  auto ours = quic_requests("quic-0rtt.pcap", keys, &status, 18452);
  auto lines = tshark_lines("quic-0rtt.pcap", "-o tls.keylog_file:" + traffic_fixture("quic-0rtt.keys") +
                                                  " -Y 'udp.dstport == 18452 && quic.stream.stream_id == 0' -T fields "
                                                  "-e frame.number -e udp.srcport -e quic.long.packet_type");
  std::map<uint16_t, uint64_t> our_first;
  for (const auto& [port, requests] : ours) {
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].message.target.find("imei=356938035643809") != std::string::npos);
    CHECK(requests[0].message.body.find("9774d56d682e549c") != std::string::npos);
    our_first[port] = requests[0].packet.number;
  }
  REQUIRE(our_first.size() == 2);
  for (const auto& [port, s] : status) CHECK(s == "decrypted");
  if (lines.empty()) {
    MESSAGE("tshark not available: differential skipped");
  } else {
    std::map<uint16_t, uint64_t> tshark_first;
    std::set<uint64_t> zero_rtt;
    for (const auto& line : lines) {
      std::istringstream in(line);
      uint64_t frame = 0;
      uint16_t port = 0;
      std::string type;
      in >> frame >> port >> type;
      tshark_first.try_emplace(port, frame);
      // Long header types of the datagram's packets ("0,1": an Initial, then a 0-RTT packet).
      if (("," + type + ",").find(",1,") != std::string::npos) zero_rtt.insert(frame);
    }
    CHECK(our_first == tshark_first);
    CHECK(zero_rtt.size() == 1);  // the second connection's request came first in its 0-RTT packet
    CHECK(zero_rtt.count(std::max(our_first.begin()->second, std::next(our_first.begin())->second)) == 1);
  }
  // Without the early secret the 1-RTT copy of the request is still read, later, and the connection
  // says its early data went unread.
  std::string no_early;
  std::istringstream in(keys);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("CLIENT_EARLY_TRAFFIC_SECRET", 0) != 0) no_early += line + "\n";
  traffic::TrafficFacts f = analyze_with_secrets({"quic-0rtt.pcap"}, no_early);
  CHECK(f.captures[0].quic_connections_not_decrypted == std::map<std::string, uint64_t>{{"early_data_not_read", 1}});
  CHECK(f.captures[0].quic_connections_not_read() == 1);
  CHECK(f.captures[0].http_requests == 2);
  traffic::TrafficFacts all = analyze({"quic-0rtt.pcap"}, "quic-0rtt.keys");
  CHECK(all.captures[0].quic_connections_decrypted == 2);
  CHECK(all.captures[0].quic_connections_not_read() == 0);
}
