// Fuzzes the message decoders of the traffic area: HTTP/1.x (framing, chunked, gzip/deflate), DNS,
// the TLS ClientHello SNI and HAR; the first byte chooses stream-ended / no-body flags.
#include <cstddef>
#include <cstdint>
#include <string>

#include "traffic/dns_message.h"
#include "traffic/har_file.h"
#include "traffic/http_message.h"
#include "traffic/tls_client_hello.h"

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
  apkvet::Bytes b(data + 1, size - 1);
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
