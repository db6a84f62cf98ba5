// WebSocket messages a client sends after its HTTP Upgrade (tools/make-traffic-fixtures.sh step 8: a
// client in the fixture driver, masked frames to a python sink, recorded by tcpdump): text, a message
// fragmented around a ping, binary, permessage-deflate with context takeover, and wss inside TLS read
// with the key log. Checked against the driver's expected leaks and against tshark's frames.
#include <doctest/doctest.h>

#include <zlib.h>

#include "traffic/websocket_frames.h"
#include "traffic_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

std::set<LeakKey> expected_keys(const std::string& file, bool with_tls) {
  std::set<LeakKey> want;
  for (const auto& e : read_json(traffic_fixture(file)))
    if (with_tls || e["transport"] != "tls")
      want.insert({e["identifier"], e["encoding"], e["host"], e["location"], e.value("field", "")});
  return want;
}

// A client frame: FIN, opcode, masked with `key`.
std::string client_frame(uint8_t opcode, const std::string& payload, bool fin = true, bool rsv1 = false,
                         const char key[4] = "\x11\x22\x33\x44") {
  std::string f(1, char((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode));
  size_t n = payload.size();
  if (n < 126) {
    f += char(0x80 | n);
  } else if (n < 65536) {
    f += char(0x80 | 126);
    f += char(n >> 8), f += char(n & 0xff);
  } else {
    f += char(0x80 | 127);
    for (int i = 7; i >= 0; --i) f += char(uint64_t(n) >> (8 * i));
  }
  f.append(key, 4);
  for (size_t i = 0; i < n; ++i) f += char(payload[i] ^ key[i % 4]);
  return f;
}

}  // namespace

TEST_CASE("WebSocket client messages are unmasked, joined and inflated, wss is read with the key log") {
  traffic::TrafficFacts f = analyze({"websocket.pcap"}, "websocket.keys");
  REQUIRE(f.captures.size() == 1);
  CHECK(f.captures[0].websocket_messages == 6);  // text, fragmented text, binary; 2 deflated; 1 over wss
  CHECK(keys(f) == expected_keys("websocket.expected.json", true));
  for (const auto& l : f.leaks) {
    CHECK(l.protocol == "websocket");
    CHECK(l.location == "message");
  }
  // Without the key log, the wss connection stays closed and the rest is read all the same.
  traffic::TrafficFacts closed = analyze({"websocket.pcap"});
  CHECK(keys(closed) == expected_keys("websocket.expected.json", false));
  CHECK(closed.captures[0].websocket_messages == 5);
}

TEST_CASE("differential: the client frames that open a data message in tshark are the packets of apkvet's leaks") {
  auto lines = tshark_lines("websocket.pcap", "-o tls.keylog_file:" + traffic_fixture("websocket.keys") +
                                                   " -Y 'websocket.mask == 1' -T fields -e frame.number -e websocket.opcode");
  if (lines.empty()) {
    MESSAGE("tshark not available: differential skipped");
    return;
  }
  std::set<uint64_t> tshark_frames;
  for (const auto& line : lines) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    // A packet may carry several frames ("1,9,0,2,8"): text (1) or binary (2) begins a message.
    std::string ops = "," + line.substr(tab + 1) + ",";
    if (ops.find(",1,") != std::string::npos || ops.find(",2,") != std::string::npos)
      tshark_frames.insert(std::stoull(line.substr(0, tab)));
  }
  traffic::TrafficFacts f = analyze({"websocket.pcap"}, "websocket.keys");
  std::set<uint64_t> ours;
  for (const auto& l : f.leaks) ours.insert(l.packet);
  CHECK(tshark_frames.size() == 5);  // the fragmented and the binary message left in one packet
  CHECK(ours == tshark_frames);
}

TEST_CASE("WebSocket frames: 64-bit lengths, byte-by-byte arrival, a cut message, and unmasked frames") {
  std::string big(70000, 'x');
  big.replace(50000, 15, "356938035643809");
  std::string stream = client_frame(2, big) + client_frame(1, "{\"a\":", false) + client_frame(10, "") +
                       client_frame(0, "1}", true);
  traffic::WebSocketMessages ws;
  std::vector<traffic::WebSocketMessages::Message> out;
  size_t used = 0;
  for (size_t n = 1; n <= stream.size(); n += 997)
    used += ws.feed(std::string_view(stream).substr(used, n - used), used, false, out);
  used += ws.feed(std::string_view(stream).substr(used), used, false, out);
  CHECK(used == stream.size());
  REQUIRE(out.size() == 2);
  CHECK(out[0].payload == big);
  CHECK(!out[0].text);
  CHECK(out[1].payload == "{\"a\":1}");
  CHECK(out[1].text);
  CHECK(out[1].offset == 70000 + 14);  // after the first frame: 2 + 8 length + 4 mask + payload

  // A message whose last fragment never came: handed on at the end, noted.
  traffic::WebSocketMessages cut;
  std::vector<traffic::WebSocketMessages::Message> partial;
  cut.feed(client_frame(1, "{\"imei\":\"3569380356", false), 0, true, partial);
  REQUIRE(partial.size() == 1);
  CHECK(partial[0].notes == std::vector<std::string>{"message_incomplete"});

  // permessage-deflate whose bytes are not deflate: scanned as sent, noted.
  traffic::WebSocketMessages bad;
  std::vector<traffic::WebSocketMessages::Message> raw;
  bad.feed(client_frame(1, "not deflate at all", true, true), 0, false, raw);
  REQUIRE(raw.size() == 1);
  CHECK(raw[0].notes == std::vector<std::string>{"inflate_failed"});

  // A server's (unmasked) frame on the client's side is not a client WebSocket stream.
  traffic::WebSocketMessages unmasked;
  std::vector<traffic::WebSocketMessages::Message> none;
  CHECK(unmasked.feed(std::string("\x81\x02hi", 4), 0, false, none) == 0);
  CHECK(unmasked.failed());
  CHECK(none.empty());
}
