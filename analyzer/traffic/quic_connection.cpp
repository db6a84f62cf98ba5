#include "traffic/quic_connection.h"

#include <openssl/evp.h>

#include <algorithm>

#include "traffic/net_bytes.h"
#include "traffic/quic_packet.h"
#include "traffic/tls_crypto.h"

namespace apkvet::traffic {

namespace {

constexpr uint32_t kQuicV1 = 0x00000001;
constexpr size_t kUnknown = ~size_t{0};
constexpr size_t kMaxHeldBytes = 8 << 20;  // out-of-order stream bytes held per connection
constexpr size_t kMaxStreams = 1 << 16;     // streams followed per connection

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// The TLS 1.3 cipher suites QUIC uses (RFC 9001 5.3): the hash, the AEAD and its header protection,
// fetched from OpenSSL's default provider once (a legacy EVP_aes_128_gcm() is looked up again at every
// use, that is, per packet). Kept for the life of the process, like the signing digests: freed at exit
// they could race OpenSSL's own cleanup.
struct Suite {
  const char* hash;
  const EVP_CIPHER* aead;
  const EVP_CIPHER* hp;
  size_t key_len;
  bool chacha;  // ChaCha20 header protection (its sample is the IV, not the input)
};

const Suite& aes128() {
  static const Suite s{"SHA256", EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr),
                       EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr), 16, false};
  return s;
}
const Suite& aes256() {
  static const Suite s{"SHA384", EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr),
                       EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr), 32, false};
  return s;
}
const Suite& chacha20() {
  static const Suite s{"SHA256", EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr),
                       EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr), 32, true};
  return s;
}

}  // namespace

// One secret's packet keys: the suite is fixed once a packet opened under them.
struct QuicConnection::PacketKeys {
  bool secret_read = false;
  std::vector<uint8_t> secret;  // 1-RTT: the current generation's (key updates derive the next from it)
  const Suite* suite = nullptr;
  std::vector<uint8_t> hp, key, iv;
};

// One direction's application packet number space: 1-RTT packets, and the client's 0-RTT ones.
struct QuicConnection::Direction {
  CipherCtx ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  size_t dcid_len = kUnknown;  // the length of the connection ID its short headers carry
  PacketKeys one_rtt;
  std::vector<uint8_t> prev_key, prev_iv;  // the 1-RTT generation before the last key update
  int phase = 0;
  bool any = false;
  uint64_t largest = 0;
  uint64_t opened = 0, failed = 0;
};

namespace {

// The full packet number from its truncated encoding and the largest one opened (RFC 9000 A.3).
uint64_t decode_packet_number(bool any, uint64_t largest, uint64_t truncated, size_t bits) {
  uint64_t expected = any ? largest + 1 : 0;
  uint64_t win = uint64_t{1} << bits, hwin = win / 2, mask = win - 1;
  uint64_t candidate = (expected & ~mask) | truncated;
  if (candidate + hwin <= expected && candidate < (uint64_t{1} << 62) - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

}  // namespace

QuicConnection::QuicConnection(const TlsKeyLog& keylog)
    : keylog_(keylog),
      dir_{std::make_unique<Direction>(), std::make_unique<Direction>()},
      early_keys_(std::make_unique<PacketKeys>()) {}
QuicConnection::~QuicConnection() = default;

bool QuicConnection::add_datagram(bool from_client, Bytes d, const PacketRef& ref,
                                  std::vector<Http3Requests::Request>& out) {
  bool whole = true;  // every packet so far read (opened, or one that carries no application data)
  for (size_t at = 0; at < d.size();) {
    uint8_t first = d[at];
    // The fixed bit (0x40) is not checked: peers that agreed to grease it (RFC 9287; ngtcp2 does) clear it.
    if (!(first & 0x80)) {  // a short header runs to the end of the datagram
      if (std::all_of(d.begin() + long(at), d.end(), [](uint8_t b) { return b == 0; })) return whole;  // padding
      return open_short(from_client, d.subspan(at), ref, out) && whole;
    }
    // Long header: version, then both connection IDs in clear. The sender's own ID (SCID) is the one
    // the other side's short headers carry.
    if (at + 7 > d.size()) return false;
    uint32_t version = uint32_t(be_at(as_chars(d), at + 1, 4));
    size_t p = at + 5;
    size_t dcid_len = d[p++];
    if (dcid_len > 20 || p + dcid_len + 1 > d.size()) return false;
    p += dcid_len;
    size_t scid_len = d[p++];
    if (scid_len > 20 || p + scid_len > d.size()) return false;
    p += scid_len;
    if (version == 0) return whole;  // Version Negotiation: versions, in clear
    if (version != kQuicV1) {  // a greased or other version: not this reader's (the connection is v1)
      other_version_ = true;
      return false;
    }
    Direction& peer = *dir_[from_client ? 1 : 0];
    if (peer.dcid_len == kUnknown) peer.dcid_len = scid_len;
    int type = (first >> 4) & 0x3;
    if (type == 3) return whole;  // Retry: no length, the rest of the datagram
    uint64_t token_len = 0, length = 0;
    if (type == 0 && (!quic_varint(d, p, token_len) || token_len > d.size() - p)) return false;
    p += size_t(token_len);
    if (!quic_varint(d, p, length) || length > d.size() - p) return false;
    // Initial packets are read by quic_initial, Handshake packets carry only the handshake; a client's
    // 0-RTT packets carry early requests.
    if (type == 1 && from_client && !open_early(d.subspan(at, p + size_t(length) - at), p - at, ref, out)) whole = false;
    at = p + size_t(length);
  }
  return whole;
}

// Opens one packet under `keys` (derived from their secret with each candidate suite until one
// opens), its packet number rebuilt against the direction's largest. A short header's key phase bit
// follows 1-RTT key updates ("quic ku", RFC 9001 6); the header key does not change with them.
bool QuicConnection::open_packet(Direction& k, PacketKeys& keys, Bytes pkt, size_t pn_offset, std::string& plain) {
  if (keys.secret.empty() || pkt.size() < pn_offset + 4 + 16 + 1) return false;
  bool short_header = !(pkt[0] & 0x80);
  EVP_CIPHER_CTX* ctx = k.ctx.get();
  // Before a packet opened, the secret's length narrows the suite (48 bytes: SHA-384, AES-256-GCM)
  // and the rest are tried.
  std::vector<const Suite*> suites;
  if (keys.suite) suites = {keys.suite};
  else if (keys.secret.size() == 48) suites = {&aes256()};
  else suites = {&aes128(), &chacha20()};
  for (const Suite* suite : suites) {
    std::vector<uint8_t> hp = keys.hp, key = keys.key, iv = keys.iv;
    if (!keys.suite) {
      hp = hkdf_expand_label(suite->hash, keys.secret, "quic hp", suite->key_len);
      key = hkdf_expand_label(suite->hash, keys.secret, "quic key", suite->key_len);
      iv = hkdf_expand_label(suite->hash, keys.secret, "quic iv", 12);
    }
    if (hp.size() != suite->key_len || key.size() != suite->key_len || iv.size() != 12) continue;
    uint8_t mask[16];
    if (!quic_header_mask(ctx, suite->hp, suite->chacha, hp, pkt.data() + pn_offset + 4, mask)) continue;
    QuicHeader h = quic_unprotect_header(pkt, pn_offset, mask);
    int phase = (h.first >> 2) & 1;
    uint64_t pn = decode_packet_number(k.any, k.largest, h.truncated_pn, h.pn_len * 8);
    std::string_view sealed(reinterpret_cast<const char*>(pkt.data() + pn_offset + h.pn_len),
                            pkt.size() - pn_offset - h.pn_len);
    auto open = [&](const std::vector<uint8_t>& with_key, const std::vector<uint8_t>& with_iv) {
      uint8_t nonce[12];
      quic_nonce(with_iv, pn, nonce);
      return suite->aead && aead_open(ctx, suite->aead, with_key, nonce, h.header, sealed, plain);
    };
    bool opened = false;
    if (!short_header || !keys.suite || phase == k.phase) {
      opened = open(key, iv);
      if (!opened && short_header && keys.suite && !k.prev_key.empty()) opened = open(k.prev_key, k.prev_iv);  // reordered
    } else {
      std::vector<uint8_t> next = hkdf_expand_label(suite->hash, keys.secret, "quic ku", keys.secret.size());
      std::vector<uint8_t> next_key = hkdf_expand_label(suite->hash, next, "quic key", suite->key_len);
      std::vector<uint8_t> next_iv = hkdf_expand_label(suite->hash, next, "quic iv", 12);
      if (open(next_key, next_iv)) {
        opened = true;
        k.prev_key = key, k.prev_iv = iv;
        keys.secret = next, key = next_key, iv = next_iv;
        k.phase = phase;
      } else if (!k.prev_key.empty()) {
        opened = open(k.prev_key, k.prev_iv);  // a packet of the previous phase, late
      }
    }
    if (!opened) continue;
    if (!keys.suite) {
      keys.suite = suite;
      if (short_header) k.phase = phase;
    }
    keys.hp = hp, keys.key = key, keys.iv = iv;
    if (!k.any || pn > k.largest) k.largest = pn;
    k.any = true;
    return true;
  }
  return false;
}

bool QuicConnection::open_short(bool from_client, Bytes pkt, const PacketRef& ref,
                                std::vector<Http3Requests::Request>& out) {
  Direction& k = *dir_[from_client ? 0 : 1];
  if (!client_random_.empty() && k.dcid_len != kUnknown) {
    if (!k.one_rtt.secret_read) {
      k.one_rtt.secret_read = true;
      if (const auto* s = keylog_.find(from_client ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0", client_random_))
        k.one_rtt.secret = *s;
    }
    std::string plain;
    if (open_packet(k, k.one_rtt, pkt, 1 + k.dcid_len, plain)) {
      ++k.opened;
      ++opened_;
      read_frames(from_client, Bytes(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()), ref, out);
      return true;
    }
  }
  ++k.failed;
  ++failed_;
  return false;
}

// A client's 0-RTT packet (a resumed connection's early requests, sent before the handshake ends):
// under CLIENT_EARLY_TRAFFIC_SECRET, in the client's application packet number space.
bool QuicConnection::open_early(Bytes pkt, size_t pn_offset, const PacketRef& ref, std::vector<Http3Requests::Request>& out) {
  if (!client_random_.empty()) {
    if (!early_keys_->secret_read) {
      early_keys_->secret_read = true;
      if (const auto* s = keylog_.find("CLIENT_EARLY_TRAFFIC_SECRET", client_random_)) early_keys_->secret = *s;
    }
    std::string plain;
    if (open_packet(*dir_[0], *early_keys_, pkt, pn_offset, plain)) {
      ++early_opened_;
      ++opened_;
      read_frames(true, Bytes(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()), ref, out);
      return true;
    }
  }
  ++early_failed_;
  ++failed_;
  return false;
}

// The frames of an opened packet: STREAM frames are kept, the others stepped over (quic_frames).
void QuicConnection::read_frames(bool from_client, Bytes f, const PacketRef& ref,
                                 std::vector<Http3Requests::Request>& out) {
  quic_frames(f, false, nullptr, [&](uint64_t id, uint64_t offset, std::string_view data, bool fin) {
    stream_frame(from_client, id, offset, data, fin, ref, out);
  });
}

// Puts a stream's bytes back in order (retransmissions and reordering) and hands on what is contiguous.
void QuicConnection::stream_frame(bool from_client, uint64_t id, uint64_t offset, std::string_view data, bool fin,
                                  const PacketRef& ref, std::vector<Http3Requests::Request>& out) {
  auto key = std::make_pair(from_client, id);
  auto it = streams_.find(key);
  if (it == streams_.end()) {
    if (streams_.size() >= kMaxStreams) return;
    it = streams_.emplace(key, StreamIn{}).first;
    it->second.first = ref;
  }
  StreamIn& s = it->second;
  if (s.done) return;
  if (offset == 0 && !s.start_seen) s.first = ref, s.start_seen = true;
  if (fin) s.fin_at = offset + data.size();
  if (offset < s.delivered) {  // the part already handed on is dropped
    uint64_t seen = s.delivered - offset;
    data = seen >= data.size() ? std::string_view() : data.substr(size_t(seen));
    offset = s.delivered;
  }
  if (offset > s.delivered) {
    if (held_bytes_ + data.size() > kMaxHeldBytes) return;
    std::string& slot = s.held[offset];
    if (data.size() > slot.size()) {
      held_bytes_ += data.size() - slot.size();
      slot.assign(data);
    }
    return;
  }
  std::string chunk(data);
  s.delivered += data.size();
  // What was held beyond the hole this filled.
  for (auto h = s.held.begin(); h != s.held.end() && h->first <= s.delivered;) {
    if (h->first + h->second.size() > s.delivered) {
      size_t skip = size_t(s.delivered - h->first);
      chunk.append(h->second, skip, std::string::npos);
      s.delivered = h->first + h->second.size();
    }
    held_bytes_ -= h->second.size();
    h = s.held.erase(h);
  }
  bool ended = s.delivered >= s.fin_at;
  if (chunk.empty() && !ended) return;
  http3_.stream_data(from_client, id, chunk, ended, s.first, out);
  if (ended) {
    s.done = true;
    for (const auto& [o, b] : s.held) held_bytes_ -= b.size();
    s.held.clear();
  }
}

void QuicConnection::finish(std::vector<Http3Requests::Request>& out) { http3_.finish(out); }

std::string QuicConnection::status() const {
  const Direction& c = *dir_[0];
  if (c.opened > 0 || early_opened_ > 0) return early_failed_ > 0 ? "early_data_not_read" : "decrypted";
  if (client_random_.empty()) return other_version_ ? "unsupported_version" : "no_client_hello";
  if (c.failed == 0) return "no_data";
  if (c.one_rtt.secret_read && c.one_rtt.secret.empty()) return "no_key";
  return "wrong_key";
}

}  // namespace apkvet::traffic
