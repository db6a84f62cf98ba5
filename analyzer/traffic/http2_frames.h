// The requests of an HTTP/2 connection (RFC 9113), from the client's direction of the stream: what
// OkHttp and Cronet speak to servers that offer it, inside TLS (read with tls_session.h) or in clear
// with prior knowledge (h2c). Header blocks are HPACK-decoded (RFC 7541) with nghttp2's decoder, in
// order, because each block can refer to the table the earlier ones built; each request becomes an
// HttpMessage like an HTTP/1.1 one (":authority" as "host"), so one detector reads both.
// Responses are not read: what the device sends is what leaves it.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "traffic/http_message.h"

namespace apkvet::traffic {

// Whether a client's stream starts with the HTTP/2 connection preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
// (or the part of it that has arrived).
bool looks_like_http2(std::string_view prefix);

class Http2Requests {
 public:
  Http2Requests();
  ~Http2Requests();

  struct Request {
    uint64_t offset;  // stream offset of the frame that opened it
    HttpMessage message;
  };

  // Reads whole frames from the front of `data` (the client's stream from its preface on, starting at
  // stream offset `offset`); returns how many bytes it used. Requests whose stream ended are appended
  // to `out`; with `ended`, so are those the capture cut short (noted "stream_incomplete").
  size_t feed(std::string_view data, uint64_t offset, bool ended, std::vector<Request>& out);

  // The stream is not HTTP/2 (no preface, a frame larger than allowed, or a header block HPACK cannot
  // decode, after which no later block can be either).
  bool failed() const { return failed_; }

 private:
  struct Stream {
    uint64_t offset = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string header_block, body;
    bool headers_done = false, body_cut = false;
    bool ends_with_block = false;  // END_STREAM on its HEADERS: complete when the block is
  };
  void decode_block(Stream& s);
  void finish(uint32_t id, std::vector<Request>& out, bool incomplete);

  struct Decoder;
  std::unique_ptr<Decoder> hpack_;
  bool preface_read_ = false, failed_ = false;
  uint32_t continuing_ = 0;  // stream whose header block continues in CONTINUATION frames
  std::map<uint32_t, Stream> streams_;
};

}  // namespace apkvet::traffic
