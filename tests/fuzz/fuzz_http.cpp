// Fuzzes the message decoders of the traffic area: HTTP/1.x (framing, chunked, gzip/deflate), HTTP/2
// (frames, HPACK), HTTP/3 (frames, QPACK with the encoder stream and server SETTINGS), WebSocket client
// frames, QUIC Initial packets and long headers, DNS, the TLS ClientHello SNI, TLS record and hello reading,
// and HAR; the first byte
// chooses stream-ended / no-body / HTTP/2-preface flags.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "traffic/dns_message.h"
#include "traffic/har_file.h"
#include "traffic/http2_frames.h"
#include "traffic/http3_frames.h"
#include "traffic/quic_connection.h"
#include "traffic/quic_initial.h"
#include "traffic/http_message.h"
#include "traffic/tls_client_hello.h"
#include "traffic/tls_keylog.h"
#include "traffic/tls_session.h"
#include "traffic/websocket_frames.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool ended = data[0] & 1, no_body = data[0] & 2;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  // Consume messages one after another as the flow code does.
  for (int i = 0; i < 64 && !rest.empty(); ++i) {
    apkvet::traffic::HttpMessage m;
    size_t used = 0;
    auto st = apkvet::traffic::HttpParser::parse(rest, ended, no_body, m, used);
    if (st != apkvet::traffic::HttpParser::Status::complete) break;
    if (used == 0 || used > rest.size()) __builtin_trap();  // the parser must make progress within bounds
    (void)m.header("Host");
    rest.remove_prefix(used);
  }
  {
    // HTTP/2 from the client's side, fed in two parts as a stream arrives.
    std::string stream = (data[0] & 4) ? std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") : std::string();
    stream.append(reinterpret_cast<const char*>(data + 1), size - 1);
    apkvet::traffic::Http2Requests h2;
    std::vector<apkvet::traffic::Http2Requests::Request> out;
    size_t half = stream.size() / 2;
    size_t used = h2.feed(std::string_view(stream).substr(0, half), 0, false, out);
    if (used > half) __builtin_trap();
    stream.erase(0, used);
    used = h2.feed(stream, used, true, out);
    if (used > stream.size()) __builtin_trap();
    for (const auto& r : out) (void)r.message.header("host");
  }
  {
    // WebSocket client frames (unmasking, fragments, permessage-deflate), fed in two parts.
    apkvet::traffic::WebSocketMessages ws;
    std::vector<apkvet::traffic::WebSocketMessages::Message> out;
    size_t half = rest.size() / 2;
    size_t used = ws.feed(rest.substr(0, half), 0, false, out);
    if (used > half) __builtin_trap();
    size_t more = ws.feed(rest.substr(used), used, true, out);
    if (more > rest.size() - used) __builtin_trap();
  }
  {
    // TLS records of both directions (no key: record framing, hellos, held records).
    static const apkvet::traffic::TlsKeyLog keys;
    apkvet::traffic::TlsSession tls(keys);
    std::vector<apkvet::traffic::TlsSession::Plaintext> out;
    size_t half = rest.size() / 2;
    size_t used = tls.feed(1, rest.substr(half), half, ended, out);
    if (used > rest.size() - half) __builtin_trap();
    used = tls.feed(0, rest.substr(0, half), 0, true, out);
    if (used > half) __builtin_trap();
    (void)tls.status();
  }
  apkvet::Bytes b(data + 1, size - 1);
  {
    // A QUIC datagram: long-header parsing, header protection, CRYPTO frames (mostly refused by the
    // AEAD tag; the fixture capture in fuzz_pcap's seeds reaches the ClientHello).
    apkvet::traffic::QuicInitials quic;
    (void)apkvet::traffic::looks_like_quic_initial(b);
    quic.add_datagram(b);
    (void)quic.sni();
  }
  {
    // HTTP/3 streams: each segment is a selector byte (direction, one of the streams a connection
    // opens first: requests 0 and 4, the client's encoder stream 2, the server's control stream 3; fin),
    // a length byte, then that many bytes.
    static const uint64_t kIds[] = {0, 4, 2, 3, 6, 8, 7};
    apkvet::traffic::Http3Requests h3;
    std::vector<apkvet::traffic::Http3Requests::Request> requests;
    for (size_t at = 0; at + 2 <= b.size();) {
      uint8_t sel = b[at], len = b[at + 1];
      at += 2;
      size_t n = std::min<size_t>(len, b.size() - at);
      uint64_t id = kIds[(sel >> 2) % 7];
      h3.stream_data((id & 1) == 0, id, std::string_view(reinterpret_cast<const char*>(b.data() + at), n), sel & 1,
                     apkvet::traffic::PacketRef{at, 0}, requests);
      at += n;
    }
    h3.finish(requests);
    // Long and short headers of a connection with no secrets: the packets are walked, none is opened.
    apkvet::traffic::TlsKeyLog none;
    apkvet::traffic::QuicConnection quic(none);
    quic.set_client_random(std::vector<uint8_t>(32, 1));
    quic.add_datagram(true, b, apkvet::traffic::PacketRef{}, requests);
    quic.add_datagram(false, b, apkvet::traffic::PacketRef{}, requests);
    quic.finish(requests);
    (void)quic.status();
  }
  (void)apkvet::traffic::parse_dns_message(b);
  (void)apkvet::traffic::client_hello_sni(b);
  if (data[0] == '{') {
    try {
      (void)apkvet::traffic::parse_har(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const std::exception&) {
    }
  }
  return 0;
}
