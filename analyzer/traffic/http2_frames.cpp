#include "traffic/http2_frames.h"

#include <nghttp2/nghttp2.h>

#include "traffic/net_bytes.h"

namespace apkvet::traffic {

namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr size_t kMaxFrame = (1u << 24) - 1;  // SETTINGS_MAX_FRAME_SIZE's ceiling
constexpr size_t kMaxStreams = 1000;          // open request streams kept; more are finished early
enum FrameType : uint8_t { kData = 0, kHeaders = 1, kContinuation = 9 };
enum Flags : uint8_t { kEndStream = 0x1, kEndHeaders = 0x4, kPadded = 0x8, kPriority = 0x20 };

}  // namespace

struct Http2Requests::Decoder {
  nghttp2_hd_inflater* inflater = nullptr;
  Decoder() { nghttp2_hd_inflate_new(&inflater); }
  ~Decoder() { nghttp2_hd_inflate_del(inflater); }
};

bool looks_like_http2(std::string_view p) {
  size_t n = std::min(p.size(), kPreface.size());
  return n >= 8 && p.substr(0, n) == kPreface.substr(0, n);
}

Http2Requests::Http2Requests() : hpack_(std::make_unique<Decoder>()) {}
Http2Requests::~Http2Requests() = default;

void Http2Requests::decode_block(Stream& s) {
  auto* in = reinterpret_cast<const uint8_t*>(s.header_block.data());
  size_t left = s.header_block.size();
  for (;;) {
    nghttp2_nv nv;
    int flags = 0;
    ssize_t used = nghttp2_hd_inflate_hd2(hpack_->inflater, &nv, &flags, in, left, 1);
    if (used < 0) {
      failed_ = true;  // the shared table is now out of step: nothing after this can be read
      return;
    }
    in += used;
    left -= size_t(used);
    if (flags & NGHTTP2_HD_INFLATE_EMIT)
      s.headers.emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                             std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
    if (flags & NGHTTP2_HD_INFLATE_FINAL) {
      nghttp2_hd_inflate_end_headers(hpack_->inflater);
      break;
    }
    if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && left == 0) break;
  }
  s.header_block.clear();
  s.headers_done = true;
}

void Http2Requests::finish(uint32_t id, std::vector<Request>& out, bool incomplete) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  Stream& s = it->second;
  if (s.headers_done) {
    HttpMessage m = request_from_fields(s.headers, "HTTP/2", std::move(s.body));
    if (s.body_cut) m.notes.push_back("body_truncated");
    if (incomplete) m.notes.push_back("stream_incomplete");
    out.push_back({s.offset, std::move(m)});
  }
  streams_.erase(it);
}

size_t Http2Requests::feed(std::string_view data, uint64_t offset, bool ended, std::vector<Request>& out) {
  size_t at = 0;
  if (failed_) return data.size();
  if (!preface_read_) {
    if (data.size() < kPreface.size() && !ended) return 0;
    if (data.substr(0, kPreface.size()) != kPreface) {
      failed_ = true;
      return data.size();
    }
    preface_read_ = true;
    at = kPreface.size();
  }
  while (at + 9 <= data.size() && !failed_) {
    size_t len = be_at(data, at, 3);
    uint8_t type = uint8_t(data[at + 3]), flags = uint8_t(data[at + 4]);
    uint32_t id = be_at(data, at + 5, 4) & 0x7fffffffu;
    if (len > kMaxFrame) {
      failed_ = true;
      break;
    }
    if (at + 9 + len > data.size()) break;
    std::string_view payload = data.substr(at + 9, len);
    uint64_t frame_offset = offset + at;
    at += 9 + len;
    if (continuing_ && type != kContinuation) {
      failed_ = true;  // RFC 9113 6.10: nothing may come between a block's frames
      break;
    }
    if (type == kData || type == kHeaders) {
      size_t pad = 0;
      if (flags & kPadded) {
        if (payload.empty()) continue;
        pad = uint8_t(payload[0]);
        payload.remove_prefix(1);
      }
      if (type == kHeaders && (flags & kPriority)) payload.remove_prefix(std::min<size_t>(5, payload.size()));
      if (pad > payload.size()) continue;  // a protocol error; the peer would reset the stream
      payload.remove_suffix(pad);
    }
    if (id == 0) continue;  // connection-level frames: SETTINGS, PING, GOAWAY, WINDOW_UPDATE
    if (type == kHeaders || type == kContinuation) {
      if (type == kContinuation && continuing_ != id) {
        failed_ = true;
        break;
      }
      if (type == kHeaders && !streams_.count(id) && streams_.size() >= kMaxStreams)
        finish(streams_.begin()->first, out, true);
      auto [it, fresh] = streams_.try_emplace(id);
      Stream& s = it->second;
      if (fresh) s.offset = frame_offset;
      if (type == kHeaders) {
        s.headers_done = false;  // trailers: a second block on the same stream
        s.ends_with_block = flags & kEndStream;
      }
      s.header_block.append(payload);
      if (!(flags & kEndHeaders)) {
        continuing_ = id;
        continue;
      }
      continuing_ = 0;
      decode_block(s);
      if (s.ends_with_block) finish(id, out, false);
    } else if (type == kData) {
      auto it = streams_.find(id);
      if (it == streams_.end()) continue;
      Stream& s = it->second;
      size_t room = HttpParser::kMaxBodyBytes - std::min(s.body.size(), HttpParser::kMaxBodyBytes);
      s.body.append(payload.substr(0, room));
      if (payload.size() > room) s.body_cut = true;
      if (flags & kEndStream) finish(id, out, false);
    }
  }
  if (ended) {
    while (!streams_.empty()) finish(streams_.begin()->first, out, true);
    return data.size();
  }
  return failed_ ? data.size() : at;
}

}  // namespace apkvet::traffic
