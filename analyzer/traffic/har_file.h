// HAR 1.2 (HTTP Archive, as exported by browsers, Charles, mitmproxy's hardump, HTTP Toolkit): each
// entry's request rebuilt as an HTTP message, so it goes through the same detector as a capture.
// A proxy that intercepted TLS exports https:// requests in clear; they count as TLS traffic.
#pragma once
#include <string>
#include <vector>

#include "traffic/http_message.h"

namespace apkvet::traffic {

struct HarEntry {
  HttpMessage request;  // head = start line + headers; body = postData.text
  std::string url, scheme, host, server_ip, started;  // started: startedDateTime as written
  uint16_t port = 0;
  // A WebSocket entry's messages the client sent ("_webSocketMessages" of type "send", as Chrome and
  // mitmproxy export them), binary ones base64-decoded.
  std::vector<std::string> websocket_sent;
};

// Throws std::runtime_error when the text is not a HAR document.
std::vector<HarEntry> parse_har(const std::string& json_text);

}  // namespace apkvet::traffic
