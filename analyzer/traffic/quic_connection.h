// A QUIC v1 connection read with the TLS secrets a test device logged (RFC 9001 5): its 1-RTT packets
// are protected with keys derived from CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0 of the
// connection whose ClientHello carried the client random (the same key log lines TLS over TCP uses).
// Packet protection is removed (header protection, then AES-GCM or ChaCha20-Poly1305 with the full
// packet number), key updates are followed, STREAM frames are put back in order per stream, and the
// streams go to the HTTP/3 reader (http3_frames.h). The Initial packets, which need no key log, are
// read by quic_initial.h; Handshake and 0-RTT packets are skipped (they carry no application data a
// client sends after its handshake; 0-RTT requests are not read).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/byte_reader.h"
#include "traffic/http3_frames.h"
#include "traffic/tcp_reassembly.h"
#include "traffic/tls_keylog.h"

namespace apkvet::traffic {

class QuicConnection {
 public:
  explicit QuicConnection(const TlsKeyLog& keylog);
  ~QuicConnection();

  // The client random of the connection's ClientHello (from its Initial packets): names its secrets.
  void set_client_random(std::vector<uint8_t> random) { client_random_ = std::move(random); }

  // One UDP datagram of the connection (coalesced packets too); `from_client`: the device sent it.
  // HTTP/3 requests whose streams ended are appended to `out`. True when every packet in it was either
  // opened or a long-header packet stepped over: nothing of it is left unread (the caller need not
  // scan its bytes as they are).
  bool add_datagram(bool from_client, Bytes datagram, const PacketRef& ref, std::vector<Http3Requests::Request>& out);
  // The end of the connection: requests not yet complete are appended.
  void finish(std::vector<Http3Requests::Request>& out);

  // "decrypted": the client's 1-RTT (and 0-RTT) packets opened; "early_data_not_read": they did, but
  // its 0-RTT packets did not (no CLIENT_EARLY_TRAFFIC_SECRET: early requests may be missing); else why
  // not: "no_key" (the key log has no secret for this client random), "wrong_key" (none opened),
  // "no_client_hello" (its ClientHello was not read), "unsupported_version", "no_data" (no 1-RTT
  // packet from the client).
  std::string status() const;
  uint64_t packets_decrypted() const { return opened_; }
  uint64_t packets_undecryptable() const { return failed_; }
  const Http3Requests& http3() const { return http3_; }

 private:
  struct Direction;
  struct PacketKeys;
  bool open_packet(Direction& space, PacketKeys& keys, Bytes packet, size_t pn_offset, std::string& plain);
  bool open_short(bool from_client, Bytes packet, const PacketRef& ref, std::vector<Http3Requests::Request>& out);
  bool open_early(Bytes packet, size_t pn_offset, const PacketRef& ref, std::vector<Http3Requests::Request>& out);
  void read_frames(bool from_client, Bytes plain, const PacketRef& ref, std::vector<Http3Requests::Request>& out);
  void stream_frame(bool from_client, uint64_t id, uint64_t offset, std::string_view data, bool fin,
                    const PacketRef& ref, std::vector<Http3Requests::Request>& out);

  struct StreamIn {
    uint64_t delivered = 0;                  // bytes handed on, in order
    std::map<uint64_t, std::string> held;    // bytes beyond a hole, by offset
    uint64_t fin_at = ~uint64_t{0};          // the stream's final size, once a FIN said it
    bool done = false;                       // FIN handed on: retransmissions are dropped
    bool start_seen = false;                 // a frame at offset 0 arrived: `first` is its packet
    PacketRef first;
  };

  const TlsKeyLog& keylog_;
  std::vector<uint8_t> client_random_;
  std::unique_ptr<Direction> dir_[2];  // 0: client -> server, 1: server -> client
  std::unique_ptr<PacketKeys> early_keys_;  // the client's 0-RTT keys
  std::map<std::pair<bool, uint64_t>, StreamIn> streams_;
  size_t held_bytes_ = 0;
  bool other_version_ = false;
  uint64_t opened_ = 0, failed_ = 0, early_opened_ = 0, early_failed_ = 0;
  Http3Requests http3_;
};

}  // namespace apkvet::traffic
