#include "traffic/websocket_frames.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace apkvet::traffic {

namespace {
enum Opcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };
}

// One raw-deflate stream for the connection's compressed messages (RFC 7692 7.2.2): each message is
// inflated after appending the 00 00 FF FF its sender removed.
struct WebSocketMessages::Inflater {
  z_stream z{};
  bool ok = false;
  Inflater() { ok = inflateInit2(&z, -15) == Z_OK; }
  ~Inflater() {
    if (ok) inflateEnd(&z);
  }
  bool inflate_message(std::string compressed, std::string& out, bool& cut) {
    if (!ok) return false;
    compressed.append("\x00\x00\xff\xff", 4);
    z.next_in = reinterpret_cast<Bytef*>(compressed.data());
    z.avail_in = uInt(compressed.size());
    char buf[16384];
    for (;;) {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      int rc = ::inflate(&z, Z_SYNC_FLUSH);
      size_t produced = sizeof buf - z.avail_out;
      size_t room = kMaxMessageBytes - std::min(out.size(), kMaxMessageBytes);
      out.append(buf, std::min(produced, room));
      if (produced > room) cut = true;
      if (rc == Z_STREAM_END) {  // the sender ended its stream (no context takeover): start a new one
        inflateReset(&z);
        if (z.avail_in == 0) return true;
        continue;
      }
      if (rc == Z_BUF_ERROR) return z.avail_in == 0;  // no progress: done if the input is used up
      if (rc != Z_OK) {
        inflateReset(&z);  // later messages that do not refer back can still be read
        return false;
      }
      if (z.avail_in == 0 && z.avail_out != 0) return true;
    }
  }
};

bool is_websocket_upgrade(std::string_view h) {
  std::string v(h);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return v.find("websocket") != std::string::npos;
}

WebSocketMessages::WebSocketMessages() : inflater_(std::make_unique<Inflater>()) {}
WebSocketMessages::~WebSocketMessages() = default;

void WebSocketMessages::finish_message(std::vector<Message>& out, bool incomplete) {
  Message m = std::move(current_);
  current_ = Message{};
  in_message_ = false;
  if (compressed_) {
    std::string inflated;
    bool cut = false;
    if (inflater_->inflate_message(std::move(m.payload), inflated, cut)) {
      m.payload = std::move(inflated);
      if (cut) m.notes.push_back("message_truncated");
    } else {
      m.notes.push_back("inflate_failed");  // scanned as sent
      m.payload = std::move(inflated);
    }
  }
  if (cut_) m.notes.push_back("message_truncated");
  if (incomplete) m.notes.push_back("message_incomplete");
  cut_ = compressed_ = false;
  out.push_back(std::move(m));
}

size_t WebSocketMessages::feed(std::string_view data, uint64_t offset, bool ended, std::vector<Message>& out) {
  size_t at = 0;
  while (!failed_ && at + 2 <= data.size()) {
    uint8_t b0 = uint8_t(data[at]), b1 = uint8_t(data[at + 1]);
    bool fin = b0 & 0x80, rsv1 = b0 & 0x40, masked = b1 & 0x80;
    uint8_t opcode = b0 & 0x0f;
    uint64_t len = b1 & 0x7f;
    size_t header = 2;
    if (len == 126) header += 2;
    else if (len == 127) header += 8;
    if (masked) header += 4;
    if (at + header > data.size()) break;
    if (len == 126) len = uint64_t(uint8_t(data[at + 2])) << 8 | uint8_t(data[at + 3]);
    else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; ++i) len = len << 8 | uint8_t(data[at + 2 + size_t(i)]);
    }
    bool control = opcode >= 8;
    // RFC 6455 5.1-5.5: client frames are masked; control frames are short and never fragmented.
    if (!masked || (opcode > 2 && opcode < 8) || opcode > 10 || (control && (len > 125 || !fin)) ||
        (opcode == kContinuation && !in_message_) || ((opcode == kText || opcode == kBinary) && in_message_) ||
        len > (uint64_t(1) << 40)) {
      failed_ = true;
      break;
    }
    if (at + header + len > data.size()) {
      // A frame larger than what may be held is read in place once whole; until then, wait (the
      // layer's buffer is bounded by its caller).
      break;
    }
    const char* key = data.data() + at + header - 4;
    std::string_view payload = data.substr(at + header, size_t(len));
    uint64_t frame_offset = offset + at;
    at += header + size_t(len);
    if (control) continue;  // ping, pong, close: nothing the app wrote
    if (opcode != kContinuation) {
      in_message_ = true;
      compressed_ = rsv1;  // RSV1 on a message's first frame: permessage-deflate
      current_.offset = frame_offset;
      current_.text = opcode == kText;
    }
    size_t room = kMaxMessageBytes - std::min(current_.payload.size(), kMaxMessageBytes);
    size_t take = std::min(payload.size(), room);
    size_t base = current_.payload.size();
    current_.payload.append(payload.substr(0, take));
    for (size_t i = 0; i < take; ++i) current_.payload[base + i] ^= key[i % 4];
    if (take < payload.size()) cut_ = true;
    if (fin) finish_message(out, false);
  }
  if (ended && in_message_) finish_message(out, true);
  return at;
}

}  // namespace apkvet::traffic
