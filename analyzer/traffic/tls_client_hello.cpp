#include "traffic/tls_client_hello.h"

#include <cctype>
#include <vector>

#include "traffic/net_bytes.h"

namespace apkvet::traffic {

bool looks_like_tls(Bytes p) {
  // Record type 22 (handshake), version 3.x.
  return p.size() >= 3 && p[0] == 0x16 && p[1] == 0x03 && p[2] <= 0x04;
}

std::optional<std::string> client_hello_sni(Bytes stream, bool* complete) {
  // A ClientHello may be split over several records (post-quantum key shares make it > 1 record):
  // join the handshake bytes of the leading handshake records first.
  std::vector<uint8_t> hs;
  try {
    ByteReader rec(stream);
    size_t at = 0;
    while (at + 5 <= stream.size() && stream[at] == 0x16 && hs.size() < 65536) {
      size_t len = be16(rec, at + 3);
      if (at + 5 + len > stream.size()) break;
      Bytes frag = rec.view_at(at + 5, len);
      hs.insert(hs.end(), frag.begin(), frag.end());
      at += 5 + len;
    }
  } catch (const ParseError&) {
    return std::nullopt;
  }
  if (complete)
    *complete = hs.size() >= 4 && hs[0] == 1 && hs.size() >= 4 + be_at(as_chars(Bytes(hs.data(), hs.size())), 1, 3);
  return handshake_client_hello_sni(Bytes(hs.data(), hs.size()));
}

std::optional<std::string> handshake_client_hello_sni(Bytes handshake) {
  try {
    Bytes hs = handshake;
    ByteReader r(hs);
    if (hs.size() < 4 || hs[0] != 1) return std::nullopt;  // 1 = client_hello
    size_t body_len = size_t(hs[1]) << 16 | size_t(hs[2]) << 8 | hs[3];
    if (4 + body_len > hs.size()) return std::nullopt;  // not all here yet
    size_t p = 4 + 2 + 32;                               // version, random
    p += 1 + r.view_at(p, 1)[0];                         // session id
    p += 2 + be16(r, p);                                 // cipher suites
    p += 1 + r.view_at(p, 1)[0];                         // compression methods
    size_t ext_end = p + 2 + be16(r, p);
    p += 2;
    if (ext_end > 4 + body_len) return std::nullopt;
    while (p + 4 <= ext_end) {
      uint16_t type = be16(r, p);
      size_t len = be16(r, p + 2);
      size_t data = p + 4;
      if (type == 0) {  // server_name: list length, then (name type 0, length, name)
        size_t q = data + 2, list_end = data + 2 + be16(r, data);
        while (q + 3 <= list_end) {
          uint8_t name_type = r.view_at(q, 1)[0];
          size_t n = be16(r, q + 1);
          Bytes name = r.view_at(q + 3, n);
          if (name_type == 0) {
            std::string host;
            for (uint8_t c : name) host += static_cast<char>(std::tolower(c));
            return host;
          }
          q += 3 + n;
        }
      }
      p = data + len;
    }
  } catch (const ParseError&) {
  }
  return std::nullopt;
}

}  // namespace apkvet::traffic
