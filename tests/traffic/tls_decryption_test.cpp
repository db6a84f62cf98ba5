// TLS read with the device's key log (tools/make-traffic-fixtures.sh step 7: curl logging its secrets
// to a python HTTPS server and to nghttpd, recorded by tcpdump): HTTP/1.1 over TLS 1.3 and TLS 1.2
// with every AEAD suite, and HTTP/2 with HPACK's dynamic table; a connection whose secrets were not
// logged stays closed. Checked against the fixture driver's expected leaks and against tshark.
#include <doctest/doctest.h>

#include <map>
#include <regex>

#include "traffic/http2_frames.h"
#include "traffic/tls_client_hello.h"
#include "traffic/tls_keylog.h"
#include "traffic/tls_session.h"
#include "traffic_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

const traffic::Leak* find_leak(const traffic::TrafficFacts& f, const std::string& identifier) {
  for (const auto& l : f.leaks)
    if (l.identifier == identifier) return &l;
  return nullptr;
}

std::set<LeakKey> expected_keys(const std::string& file) {
  std::set<LeakKey> want;
  for (const auto& e : read_json(traffic_fixture(file)))
    want.insert({e["identifier"], e["encoding"], e["host"], e["location"], e.value("field", "")});
  return want;
}

}  // namespace

TEST_CASE("TLS 1.3 and 1.2 with every AEAD suite, and HTTP/2 inside TLS, are read with the key log") {
  traffic::TrafficFacts f = analyze({"tls-decrypt.pcap"}, "tls-decrypt.keys");
  REQUIRE(f.captures.size() == 1);
  const auto& c = f.captures[0];
  CHECK(f.tls_key_log_entries == 19);  // 4 TLS 1.3 connections x 4 secrets, 3 TLS 1.2 master secrets
  CHECK(c.tls_sessions == 8);
  CHECK(c.tls_sessions_decrypted == 7);
  CHECK(c.tls_sessions_not_decrypted == std::map<std::string, uint64_t>{{"no_key", 1}});
  CHECK(c.http_requests == 9);  // 6 HTTP/1.1 + 3 HTTP/2
  CHECK(keys(f) == expected_keys("tls-decrypt.expected.json"));
  // The HTTP/2 requests: the second and third header blocks refer to the first one's table entries.
  for (const char* id : {"phone_number", "account_email", "iccid"}) {
    const traffic::Leak* l = find_leak(f, id);
    REQUIRE(l != nullptr);
    CHECK(l->protocol == "http2");
    CHECK(l->transport == "tls");
    CHECK(l->host == "graph.facebook.com");
    CHECK(l->port == 18444);
  }
  const traffic::Leak* gz = find_leak(f, "wifi_mac");  // gzip body over TLS 1.2 ChaCha20-Poly1305
  REQUIRE(gz != nullptr);
  CHECK(gz->protocol == "http");
  CHECK(gz->location == "body");
  // The connection left out of the key log carried the Bluetooth MAC: it must stay unread.
  CHECK(find_leak(f, "bluetooth_mac") == nullptr);
}

TEST_CASE("the same capture as a pcapng carrying its own secrets needs no key log") {
  traffic::TrafficFacts embedded = analyze({"tls-decrypt-dsb.pcapng"});
  REQUIRE(embedded.captures.size() == 1);
  CHECK(embedded.captures[0].tls_key_logs_embedded == 1);
  CHECK(embedded.captures[0].format == "pcapng");
  CHECK(keys(embedded) == expected_keys("tls-decrypt.expected.json"));
  // The embedded block is the key log file, byte for byte.
  auto logs = traffic::pcapng_tls_key_logs(read_text(traffic_fixture("tls-decrypt-dsb.pcapng")));
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].substr(0, read_text(traffic_fixture("tls-decrypt.keys")).size()) ==
        read_text(traffic_fixture("tls-decrypt.keys")));
}

TEST_CASE("without the key log only the SNI is read, with wrong secrets nothing is opened") {
  traffic::TrafficFacts closed = analyze({"tls-decrypt.pcap"});
  CHECK(closed.leaks.empty());
  CHECK(closed.captures[0].tls_client_hellos == 8);
  CHECK(closed.captures[0].tls_sessions == 0);
  // Every secret damaged in one hex digit: the AEAD tags refuse every record.
  traffic::TrafficFacts wrong = analyze_with_secrets({"tls-decrypt.pcap"}, damaged_key_log("tls-decrypt.keys"));
  CHECK(wrong.leaks.empty());
  CHECK(wrong.captures[0].tls_sessions_decrypted == 0);
  CHECK(wrong.captures[0].tls_records_decrypted == 0);
  CHECK(wrong.captures[0].tls_sessions_not_decrypted.at("wrong_key") == 7);
}

TEST_CASE("differential: the requests tshark decrypts are the ones apkvet reads, frame for frame") {
  auto lines = tshark_lines("tls-decrypt.pcap", "-o tls.keylog_file:" + traffic_fixture("tls-decrypt.keys") +
                                                     " -Y 'http.request or http2.headers.method' -T fields -e frame.number");
  if (lines.empty()) {
    MESSAGE("tshark not available: differential skipped");
    return;
  }
  std::set<uint64_t> tshark_frames;
  for (const auto& line : lines) tshark_frames.insert(std::stoull(line));
  traffic::TrafficFacts f = analyze({"tls-decrypt.pcap"}, "tls-decrypt.keys");
  std::set<uint64_t> ours;
  for (const auto& l : f.leaks) ours.insert(l.packet);
  // Every request the driver sent carries one canary, so the leaks' packets are the request frames.
  CHECK(tshark_frames.size() == 9);
  CHECK(ours == tshark_frames);
}

TEST_CASE("key log lines: labels, comments, CRLF and malformed lines") {
  traffic::TlsKeyLog log;
  std::string random(64, 'a'), secret(96, 'b');
  size_t added = log.add_text("# a comment\r\nCLIENT_RANDOM " + random + " " + secret + "\r\n" +
               "EXPORTER_SECRET " + random + " " + secret + "\n" +  // known, not needed
               "CLIENT_TRAFFIC_SECRET_0 " + random + " zz\n" +      // not hex
               "SERVER_TRAFFIC_SECRET_0 abcd " + secret + "\n" +     // a random that is not 32 bytes
               "garbage\n");
  CHECK(added == 1);
  CHECK(log.entries() == 1);
  CHECK(log.malformed_lines() == 2);
  std::vector<uint8_t> r(32, 0xaa);
  const auto* s = log.find("CLIENT_RANDOM", r);
  REQUIRE(s != nullptr);
  CHECK(s->size() == 48);
  CHECK(log.find("SERVER_TRAFFIC_SECRET_0", r) == nullptr);
}

TEST_CASE("HTTP/2: a header block split over CONTINUATION frames, padding, and a cut stream") {
  auto frame = [](uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
    std::string f{char(payload.size() >> 16), char(payload.size() >> 8), char(payload.size()), char(type), char(flags)};
    for (int i = 3; i >= 0; --i) f += char(stream >> (8 * i));
    return f + payload;
  };
  auto literal = [](const std::string& name, const std::string& value) {
    return std::string(1, '\0') + char(name.size()) + name + char(value.size()) + value;
  };
  // :method POST, :scheme https, :path /, :authority, x-imei (a literal never added to the table).
  std::string block = std::string("\x83\x87\x84", 3) + "\x41\x0f" + "log.tiktokv.com" + literal("x-imei", "356938035643809");
  std::string stream = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, "");
  stream += frame(1, 0x08, 1, std::string(1, '\x02') + block.substr(0, 10) + std::string(2, '\0'));  // padded
  stream += frame(9, 0x04, 1, block.substr(10));                                                  // END_HEADERS
  stream += frame(0, 0x01, 1, R"({"a":1})");
  stream += frame(1, 0x04, 3, std::string("\x83\x87\x84\xbe", 4));  // refers to :authority in the table
  traffic::Http2Requests h2;
  std::vector<traffic::Http2Requests::Request> out;
  // Byte by byte: a frame is read only once it is whole.
  size_t used = 0;
  for (size_t n = 1; n <= stream.size(); ++n) used += h2.feed(std::string_view(stream).substr(used, n - used), used, false, out);
  CHECK(used == stream.size());
  REQUIRE(out.size() == 1);
  CHECK(out[0].message.method == "POST");
  CHECK(out[0].message.header("host") == "log.tiktokv.com");
  CHECK(out[0].message.header("x-imei") == "356938035643809");
  CHECK(out[0].message.body == R"({"a":1})");
  CHECK(out[0].offset == 24 + 9);  // the HEADERS frame after the preface and SETTINGS
  h2.feed("", used, true, out);    // stream 3 never ended: kept, noted
  REQUIRE(out.size() == 2);
  CHECK(out[1].message.header("host") == "log.tiktokv.com");
  CHECK(out[1].message.notes == std::vector<std::string>{"stream_incomplete"});
  CHECK(!h2.failed());
}

TEST_CASE("AES-CBC suites: encrypt-then-MAC and MAC-then-encrypt, SHA-1/256/384 MACs, TLS 1.2 and 1.1") {
  traffic::TrafficFacts f = analyze({"tls-cbc.pcap"}, "tls-cbc.keys");
  REQUIRE(f.captures.size() == 1);
  CHECK(f.captures[0].tls_sessions == 4);
  CHECK(f.captures[0].tls_sessions_decrypted == 4);
  CHECK(keys(f) == expected_keys("tls-cbc.expected.json"));
  // The frames tshark decrypts with the same key log are those of the leaks.
  auto lines = tshark_lines("tls-cbc.pcap", "-o tls.keylog_file:" + traffic_fixture("tls-cbc.keys") +
                                                 " -Y http.request -T fields -e frame.number");
  if (!lines.empty()) {
    std::set<uint64_t> tshark_frames, ours;
    for (const auto& line : lines) tshark_frames.insert(std::stoull(line));
    for (const auto& l : f.leaks) ours.insert(l.packet);
    CHECK(tshark_frames.size() == 4);
    CHECK(ours == tshark_frames);
  }
  // A damaged master secret: padding and MAC refuse every record (a CBC record has no AEAD tag).
  traffic::TrafficFacts wrong = analyze_with_secrets({"tls-cbc.pcap"}, damaged_key_log("tls-cbc.keys"));
  CHECK(wrong.leaks.empty());
  CHECK(wrong.captures[0].tls_records_decrypted == 0);
}

TEST_CASE("a CBC record whose MAC does not match is not read, even when its padding is valid") {
  // Packet 27 carries the MAC-then-encrypt request with the Android ID (tshark: frame 27). A byte
  // flipped in its first ciphertext block garbles that block and one bit of the next, and leaves the
  // padding at the end intact: only the MAC tells the record was altered.
  std::vector<Frame> frames = read_frames(traffic_fixture("tls-cbc.pcap"));
  REQUIRE(frames.size() > 27);
  std::vector<uint8_t>& b = frames[26].bytes;
  REQUIRE(b.size() > 14 + 20 + 20);
  size_t tcp = 14 + size_t(b[14] & 0x0f) * 4, payload = tcp + size_t(b[tcp + 12] >> 4) * 4;
  REQUIRE(b.size() > payload + 5 + 16 + 8);
  REQUIRE(b[payload] == 23);  // application_data
  b[payload + 5 + 16 + 3] ^= 0x01;
  traffic::TrafficAnalyzer a(device());
  a.add_tls_key_log(read_text(traffic_fixture("tls-cbc.keys")));
  a.begin_capture("altered", "test");
  for (const auto& f : frames) a.add_packet(f.linktype, f.time_us, Bytes(f.bytes.data(), f.bytes.size()));
  a.end_capture();
  traffic::TrafficFacts f = a.finish(OwnerRules::builtin().get());
  std::set<std::string> ids;
  for (const auto& l : f.leaks) ids.insert(l.identifier);
  CHECK(ids == std::set<std::string>{"imei", "imsi", "serial"});
  CHECK(f.captures[0].tls_records_undecryptable == 1);
}

TEST_CASE("keys come from whichever hello is read last, and a ClientHello without SNI does not hold the stream") {
  // The first connection of the fixture, its two directions joined from the capture's TCP payloads.
  std::vector<Frame> frames = read_frames(traffic_fixture("tls-decrypt.pcap"));
  std::string to_server, to_client;
  uint16_t client_port = 0;
  for (const auto& f : frames) {
    const auto& b = f.bytes;
    size_t tcp = 14 + size_t(b[14] & 0x0f) * 4, payload = tcp + size_t(b[tcp + 12] >> 4) * 4;
    uint16_t sport = uint16_t(b[tcp] << 8 | b[tcp + 1]), dport = uint16_t(b[tcp + 2] << 8 | b[tcp + 3]);
    if (!client_port && dport == 18443) client_port = sport;
    std::string data(b.begin() + long(payload), b.end());
    if (sport == client_port && dport == 18443) to_server += data;
    if (dport == client_port && sport == 18443) to_client += data;
  }
  REQUIRE(!to_server.empty());
  REQUIRE(!to_client.empty());
  traffic::TlsKeyLog keys;
  keys.add_text(read_text(traffic_fixture("tls-decrypt.keys")));
  // The server's side first, whole: its ServerHello comes before the client random is known.
  traffic::TlsSession session(keys);
  std::vector<traffic::TlsSession::Plaintext> from_server, from_client;
  size_t held_at = session.feed(1, to_client, 0, false, from_server);
  CHECK(session.records_decrypted() == 0);
  CHECK(held_at < to_client.size());  // its sealed records wait for the client random
  session.feed(0, to_server, 0, true, from_client);
  CHECK(session.take_keys_changed());
  session.feed(1, std::string_view(to_client).substr(held_at), held_at, true, from_server);
  CHECK(session.status() == "decrypted");
  REQUIRE(!from_client.empty());
  CHECK(from_client[0].bytes.rfind("GET /collect?kimei=356938035643809", 0) == 0);

  // A whole ClientHello without a server_name extension: no SNI, and nothing more to wait for.
  std::string body = std::string("\x03\x03", 2) + std::string(32, '\x11') + std::string("\x00\x00\x02\x13\x01\x01\x00", 7) +
                     std::string("\x00\x07\x00\x2b\x00\x03\x02\x03\x04", 9);
  std::string hello = std::string("\x16\x03\x01\x00", 4) + char(body.size() + 4) + std::string("\x01\x00\x00", 3) +
                      char(body.size()) + body;
  bool complete = false;
  auto sni = traffic::client_hello_sni(Bytes(reinterpret_cast<const uint8_t*>(hello.data()), hello.size()), &complete);
  CHECK(!sni);
  CHECK(complete);
  CHECK(!traffic::client_hello_sni(Bytes(reinterpret_cast<const uint8_t*>(hello.data()), hello.size() - 3), &complete));
  CHECK(!complete);
}

TEST_CASE("TLS 1.3 KeyUpdate: a request after the client's key update is read with the next key") {
  traffic::TrafficFacts f = analyze({"tls-keyupdate.pcap"}, "tls-keyupdate.keys");
  REQUIRE(f.captures.size() == 1);
  CHECK(f.captures[0].tls_sessions_decrypted == 1);
  CHECK(f.captures[0].tls_records_undecryptable == 0);
  std::map<std::string, uint64_t> packet_of;
  for (const auto& l : f.leaks) packet_of[l.identifier] = l.packet;
  REQUIRE(packet_of.count("imei") == 1);
  REQUIRE(packet_of.count("android_id") == 1);  // sealed under the updated key
  // tshark: the client's KeyUpdate lies between the two requests, and the requests are the leaks' frames.
  auto lines = tshark_lines("tls-keyupdate.pcap", "-o tls.keylog_file:" + traffic_fixture("tls-keyupdate.keys") +
                                                       " -Y 'http.request or tls.handshake.type == 24' -T fields"
                                                       " -e frame.number -e tcp.dstport -e http.request.uri");
  if (lines.empty()) return;
  std::vector<uint64_t> requests, updates_to_server;
  for (const auto& line : lines) {
    std::istringstream fields(line);
    std::string frame, port, uri;
    std::getline(fields, frame, '\t');
    std::getline(fields, port, '\t');
    std::getline(fields, uri, '\t');
    if (!uri.empty()) requests.push_back(std::stoull(frame));
    else if (port == "18450") updates_to_server.push_back(std::stoull(frame));
  }
  REQUIRE(requests.size() == 2);
  REQUIRE(updates_to_server.size() == 1);
  CHECK(requests[0] < updates_to_server[0]);
  CHECK(updates_to_server[0] < requests[1]);
  CHECK(packet_of["imei"] == requests[0]);
  CHECK(packet_of["android_id"] == requests[1]);
}
