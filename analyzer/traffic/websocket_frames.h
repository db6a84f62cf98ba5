// The messages a client sends on a WebSocket (RFC 6455) after its HTTP Upgrade: what chat, push and
// analytics SDKs (Socket.IO, SignalR, vendor push channels) use to keep a channel open. Client frames
// are XOR-masked with a key per frame, so an identifier inside never appears as such on the wire:
// frames are unmasked, fragmented messages joined (control frames between fragments skipped), and
// permessage-deflate messages (RFC 7692) inflated with one raw-deflate stream per connection, since
// each message may refer back to earlier ones (context takeover).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace apkvet::traffic {

class WebSocketMessages {
 public:
  WebSocketMessages();
  ~WebSocketMessages();

  struct Message {
    uint64_t offset;  // stream offset of its first frame
    bool text;        // opcode 1 (text) or 2 (binary)
    std::string payload;  // unmasked, inflated
    std::vector<std::string> notes;  // "inflate_failed", "message_truncated", "message_incomplete"
  };

  // Reads whole frames from the front of `data` (the client's stream after the Upgrade request, at
  // stream offset `offset`); returns how many bytes it used. With `ended`, a message the capture cut
  // short is handed on as it is.
  size_t feed(std::string_view data, uint64_t offset, bool ended, std::vector<Message>& out);

  // The bytes are not WebSocket frames (a reserved opcode, a control frame too long, an unmasked
  // client frame): the caller reads the rest another way.
  bool failed() const { return failed_; }

  static constexpr size_t kMaxMessageBytes = 16 * 1024 * 1024;  // inflated; more is cut (noted)

 private:
  void finish_message(std::vector<Message>& out, bool incomplete);

  struct Inflater;
  std::unique_ptr<Inflater> inflater_;
  bool failed_ = false, in_message_ = false, compressed_ = false, cut_ = false;
  Message current_{};
};

// Whether an HTTP request asks to become a WebSocket ("Upgrade: websocket").
bool is_websocket_upgrade(std::string_view upgrade_header);

}  // namespace apkvet::traffic
