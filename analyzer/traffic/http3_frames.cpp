#include "traffic/http3_frames.h"

#include <nghttp3/nghttp3.h>

#include <algorithm>

#include "traffic/quic_packet.h"

namespace apkvet::traffic {

namespace {

constexpr uint64_t kFrameData = 0x00, kFrameHeaders = 0x01, kFrameSettings = 0x04;
constexpr uint64_t kStreamControl = 0x00, kStreamQpackEncoder = 0x02;
constexpr uint64_t kSettingQpackMaxTableCapacity = 0x01;
constexpr uint64_t kMaxTableCapacity = 1 << 20;  // more than any server allows (Chrome's: 64 KB)
constexpr size_t kMaxBlockedStreams = 256;
constexpr size_t kMaxFrameBytes = 1 << 20;  // a HEADERS or SETTINGS frame larger than this is not HTTP/3
constexpr size_t kMaxOpenRequests = 1000;   // open request streams kept; more finish the oldest early

bool varint(std::string_view s, size_t& at, uint64_t& v) {
  return quic_varint(Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()), at, v);
}

bool client_bidi(bool from_client, uint64_t id) { return from_client && (id & 0x3) == 0; }
bool unidirectional(uint64_t id) { return (id & 0x2) != 0; }

}  // namespace

struct Http3Requests::Qpack {
  nghttp3_qpack_decoder* decoder = nullptr;
  explicit Qpack(uint64_t capacity) {
    nghttp3_qpack_decoder_new(&decoder, size_t(std::min(capacity, kMaxTableCapacity)), kMaxBlockedStreams,
                              nghttp3_mem_default());
  }
  ~Qpack() { nghttp3_qpack_decoder_del(decoder); }
  bool failed = false;  // the table is out of step: no later section can be trusted
};

struct Http3Requests::Stream {
  PacketRef first;
  std::string buf;           // bytes not yet read as frames
  bool typed = false;        // unidirectional: its type is read
  uint64_t type = 0;
  uint64_t data_left = 0;    // bytes of the current DATA frame still to come
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body, section;  // section: a HEADERS frame's payload awaiting the encoder stream
  bool headers = false, body_cut = false, blocked = false, fin = false, raw = false;
  nghttp3_qpack_stream_context* context = nullptr;
  ~Stream() {
    if (context) nghttp3_qpack_stream_context_del(context);
  }
};

Http3Requests::Http3Requests() = default;
Http3Requests::~Http3Requests() {
  streams_.clear();  // their stream contexts before the decoder
  qpack_.reset();
}

// Made when a section or the encoder stream first needs it: by then the server's SETTINGS (sent first
// on its control stream, before the client may use the table) have said how large the table may be,
// which decoding needs (RFC 9204 4.5.1.1: the Required Insert Count is sent modulo twice the table's
// number of entries).
Http3Requests::Qpack& Http3Requests::qpack() {
  if (!qpack_) qpack_ = std::make_unique<Qpack>(table_capacity_);
  return *qpack_;
}

void Http3Requests::stream_data(bool from_client, uint64_t id, std::string_view data, bool fin, const PacketRef& first,
                                std::vector<Request>& out) {
  if (client_bidi(from_client, id) && !streams_.count({from_client, id}) && open_requests_ >= kMaxOpenRequests) {
    for (auto old = streams_.lower_bound({true, 0}); old != streams_.end(); ++old)
      if (client_bidi(old->first.first, old->first.second)) {
        close_request(old, true, out);
        break;
      }
  }
  auto [it, fresh] = streams_.try_emplace({from_client, id});
  Stream& s = it->second;
  if (fresh && client_bidi(from_client, id)) ++open_requests_;
  if (fresh) s.first = first;
  s.fin = s.fin || fin;
  if (client_bidi(from_client, id)) {
    // A section waiting for the encoder stream holds up what follows it: held up to a bound.
    s.buf.append(data.substr(0, s.blocked ? std::min(data.size(), 2 * kMaxFrameBytes - std::min(s.buf.size(), 2 * kMaxFrameBytes)) : data.size()));
    request_frames(id, s, out);
    if (s.fin && !s.blocked) close_request(it, false, out);
    return;
  }
  if (!unidirectional(id)) {  // the server's side of a request stream: its response, not read
    streams_.erase(it);
    return;
  }
  s.buf.append(data);
  if (!s.typed) {
    size_t at = 0;
    if (!varint(s.buf, at, s.type)) return;
    s.typed = true;
    s.buf.erase(0, at);
  }
  if (from_client && s.type == kStreamQpackEncoder) {
    Qpack& q = qpack();
    if (!q.failed && !s.buf.empty()) {
      auto used = nghttp3_qpack_decoder_read_encoder(q.decoder, reinterpret_cast<const uint8_t*>(s.buf.data()),
                                                     s.buf.size());
      if (used < 0) q.failed = true;
    }
    s.buf.clear();
    retry_blocked(out);
  } else if (!from_client && s.type == kStreamControl) {
    control_frames(s);
  } else {
    s.buf.clear();  // the client's own control and decoder streams, pushes, reserved types: not read
  }
}

// The server's control stream opens with SETTINGS; only the table capacity matters here.
void Http3Requests::control_frames(Stream& s) {
  size_t at = 0;
  uint64_t type = 0, len = 0;
  if (!varint(s.buf, at, type) || !varint(s.buf, at, len)) return;
  if (len > kMaxFrameBytes) {
    s.buf.clear();
    return;
  }
  if (s.buf.size() - at < len) return;
  if (type == kFrameSettings) {
    std::string_view p(s.buf.data() + at, size_t(len));
    for (size_t q = 0; q < p.size();) {
      uint64_t setting = 0, value = 0;
      if (!varint(p, q, setting) || !varint(p, q, value)) break;
      if (setting == kSettingQpackMaxTableCapacity && !qpack_) table_capacity_ = value;
    }
  }
  s.buf.clear();  // after SETTINGS: GOAWAY, MAX_PUSH_ID, PRIORITY_UPDATE; none says what the device sent
  s.type = ~uint64_t{0};
}

void Http3Requests::request_frames(uint64_t id, Stream& s, std::vector<Request>& out) {
  size_t at = 0;
  while (!s.blocked && !s.raw) {
    if (s.data_left > 0) {  // DATA payload, taken as it arrives
      size_t n = size_t(std::min<uint64_t>(s.data_left, s.buf.size() - at));
      size_t room = HttpParser::kMaxBodyBytes > s.body.size() ? HttpParser::kMaxBodyBytes - s.body.size() : 0;
      s.body.append(s.buf, at, std::min(n, room));
      if (n > room) s.body_cut = true;
      at += n;
      s.data_left -= n;
      if (s.data_left > 0) break;
      continue;
    }
    size_t p = at;
    uint64_t type = 0, len = 0;
    if (!varint(s.buf, p, type) || !varint(s.buf, p, len)) break;
    if (type == kFrameData) {
      at = p;
      s.data_left = len;
      continue;
    }
    if (len > kMaxFrameBytes) {
      s.raw = true;  // not HTTP/3 framing as this reader knows it: the bytes are kept as the body
      break;
    }
    if (s.buf.size() - p < len) break;
    if (type == kFrameHeaders) {
      s.section.assign(s.buf, p, size_t(len));
      at = p + size_t(len);
      if (!decode_section(id, s)) break;  // waits for the encoder stream
      continue;
    }
    at = p + size_t(len);  // PUSH_PROMISE, reserved and unknown types (RFC 9114 9: ignored)
  }
  s.buf.erase(0, at);
  if (s.raw && !s.buf.empty()) {
    size_t room = HttpParser::kMaxBodyBytes > s.body.size() ? HttpParser::kMaxBodyBytes - s.body.size() : 0;
    s.body.append(s.buf, 0, std::min(room, s.buf.size()));
    s.buf.clear();
  }
  (void)out;
}

// Decodes the pending HEADERS section of a request stream (trailers add to the fields). A section that
// refers to table entries the encoder stream has not yet brought stays pending (blocked).
bool Http3Requests::decode_section(uint64_t id, Stream& s) {
  Qpack& q = qpack();
  if (!s.context && nghttp3_qpack_stream_context_new(&s.context, int64_t(id), nghttp3_mem_default()) != 0) s.context = nullptr;
  auto undecodable = [&] {
    ++undecodable_;
    q.failed = true;
    size_t room = HttpParser::kMaxBodyBytes > s.body.size() ? HttpParser::kMaxBodyBytes - s.body.size() : 0;
    s.body.append(s.section, 0, std::min(room, s.section.size()));
    s.section.clear();
    s.headers = true;
    s.blocked = false;
    return true;
  };
  if (q.failed || !s.context) return undecodable();
  const auto* in = reinterpret_cast<const uint8_t*>(s.section.data());
  size_t left = s.section.size();
  for (;;) {
    nghttp3_qpack_nv nv;
    uint8_t flags = 0;
    auto used = nghttp3_qpack_decoder_read_request(q.decoder, s.context, &nv, &flags, in, left, 1);
    if (used < 0) return undecodable();
    in += used;
    left -= size_t(used);
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_BLOCKED) {
      s.section.erase(0, s.section.size() - left);  // the decoder keeps what it read; the rest waits
      s.blocked = true;
      return false;
    }
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT) {
      nghttp3_vec name = nghttp3_rcbuf_get_buf(nv.name), value = nghttp3_rcbuf_get_buf(nv.value);
      if (s.fields.size() < 512)
        s.fields.emplace_back(std::string(reinterpret_cast<const char*>(name.base), name.len),
                              std::string(reinterpret_cast<const char*>(value.base), value.len));
      nghttp3_rcbuf_decref(nv.name);
      nghttp3_rcbuf_decref(nv.value);
    }
    if (flags & NGHTTP3_QPACK_DECODE_FLAG_FINAL) break;
    if (used == 0 && left == 0) break;
  }
  nghttp3_qpack_stream_context_reset(s.context);
  s.section.clear();
  s.headers = true;
  s.blocked = false;
  return true;
}

void Http3Requests::retry_blocked(std::vector<Request>& out) {
  for (auto it = streams_.begin(); it != streams_.end();) {
    auto& [key, s] = *it;
    if (s.blocked && decode_section(key.second, s)) {
      request_frames(key.second, s, out);
      if (s.fin && !s.blocked) {
        it = close_request(it, false, out);
        continue;
      }
    }
    ++it;
  }
}

// A request stream's end (its FIN, the open-streams bound): its request reported, the stream forgotten.
Http3Requests::Streams::iterator Http3Requests::close_request(Streams::iterator it, bool incomplete,
                                                              std::vector<Request>& out) {
  emit(it->second, incomplete, out);
  --open_requests_;
  return streams_.erase(it);
}

void Http3Requests::emit(Stream& s, bool incomplete, std::vector<Request>& out) {
  if (s.blocked) s.body.append(s.section);  // its fields never became readable: the raw section at least
  if (!s.headers && s.body.empty()) return;
  ++requests_;
  HttpMessage m = request_from_fields(s.fields, "HTTP/3", std::move(s.body));
  if (s.body_cut) m.notes.push_back("body_truncated");
  if (s.raw) m.notes.push_back("not_http3_frames");
  if (s.blocked) m.notes.push_back("qpack_blocked");
  if (incomplete) m.notes.push_back("stream_incomplete");
  out.push_back({s.first, std::move(m)});
}

void Http3Requests::finish(std::vector<Request>& out) {
  for (auto& [key, s] : streams_)
    if (client_bidi(key.first, key.second)) emit(s, true, out);
  streams_.clear();
  open_requests_ = 0;
}

}  // namespace apkvet::traffic
