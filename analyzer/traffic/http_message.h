// HTTP/1.x messages from one direction of a reassembled TCP stream: start line, headers, and the body
// framed by Content-Length, chunked transfer coding or the end of the stream, then decompressed
// (gzip, deflate) so the detector sees what the app wrote.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apkvet::traffic {

struct HttpMessage {
  bool request = true;
  std::string method, target, version;  // request: "POST", "/a?b=c", "HTTP/1.1"
  int status = 0;                       // response
  std::string head;                     // start line and header lines as sent (without the blank line)
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;                     // after transfer and content decoding
  std::vector<std::string> notes;       // decoding trouble: "gzip_error", "body_truncated", ...

  // The first header with this name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// Whether `prefix` (the first bytes of a stream direction) looks like HTTP/1.x.
bool looks_like_http(std::string_view prefix);

class HttpParser {
 public:
  enum class Status { complete, need_more, not_http };
  // Parses one message from the front of `buf`. `stream_ended`: no more bytes will come (a response
  // without framing ends with the stream). `no_body`: a response to HEAD, or 1xx/204/304 (the caller
  // knows the request). On `complete`, `consumed` is how many bytes of buf the message used.
  static Status parse(std::string_view buf, bool stream_ended, bool no_body, HttpMessage& out, size_t& consumed);

  static constexpr size_t kMaxHeaderBytes = 64 * 1024;
  static constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;  // decoded; more is cut (noted)
};

// Sets out.body from the body as sent: inflated when Content-Encoding says gzip or deflate, or when it
// is an undeclared gzip stream (SDKs compress their own payloads); trouble goes to out.notes. HTTP/1.x
// and HTTP/2 messages are decoded alike.
void decode_content(HttpMessage& out, std::string raw);

// A request from the header fields of HTTP/2 or HTTP/3 (":method", ":path", ":authority" as "host",
// the others in order) and its body as sent, with the head an HTTP/1.1 reader would see, so that a
// hit's place (path, query, header) reads alike whatever the version. `version`: "HTTP/2", "HTTP/3".
HttpMessage request_from_fields(const std::vector<std::pair<std::string, std::string>>& fields, const std::string& version,
                                std::string body);

// Decompresses a gzip/zlib/raw-deflate body; false if it is not valid. Output capped at `limit`.
bool inflate_body(std::string_view in, std::string& out, size_t limit, bool* truncated);

}  // namespace apkvet::traffic
