#include "traffic/quic_initial.h"

#include <openssl/evp.h>

#include <memory>

#include "traffic/net_bytes.h"
#include "traffic/quic_packet.h"
#include "traffic/tls_client_hello.h"
#include "traffic/tls_crypto.h"

namespace apkvet::traffic {

namespace {

constexpr uint32_t kQuicV1 = 0x00000001;
// RFC 9001 5.2: initial_salt for QUIC version 1.
const std::vector<uint8_t> kInitialSaltV1 = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                             0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr size_t kMaxCryptoBytes = 64 * 1024;  // a ClientHello is a few KB, post-quantum shares included

bool is_initial_v1(Bytes b, size_t at) {
  // Long header (0x80), fixed bit (0x40), type Initial (0x00 in bits 0x30).
  return at + 7 <= b.size() && (b[at] & 0xf0) == 0xc0 && be_at(as_chars(b), at + 1, 4) == kQuicV1;
}

}  // namespace

// A client pads every datagram with an Initial to 1200 bytes (RFC 9000 14.1); a server's may be shorter.
bool looks_like_quic_initial(Bytes d) { return is_initial_v1(d, 0) && d.size() >= 1200; }

size_t QuicInitials::add_datagram(Bytes d) {
  size_t opened = 0;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  for (size_t at = 0; at < d.size() && is_initial_v1(d, at) && !client_hello_complete();) {
    size_t p = at + 5;
    size_t dcid_len = d[p++];
    if (dcid_len > 20 || p + dcid_len + 1 > d.size()) return opened;
    std::vector<uint8_t> dcid(d.begin() + long(p), d.begin() + long(p + dcid_len));
    p += dcid_len;
    size_t scid_len = d[p++];
    p += scid_len;
    uint64_t token_len = 0, length = 0;
    if (!quic_varint(d, p, token_len) || token_len > d.size() || (p += size_t(token_len)) > d.size() || !quic_varint(d, p, length) ||
        length > d.size() - p || length < 20)
      return opened;
    size_t pn_offset = p, end = p + size_t(length);
    size_t next = end;
    // Keys: from this packet's DCID until one opens a packet, then those (the client's later Initials
    // may carry the DCID the server chose, but stay under the keys of the first).
    std::vector<uint8_t> key = key_, iv = iv_, hp = hp_;
    if (original_dcid_.empty()) {
      auto initial = hkdf_extract("SHA256", kInitialSaltV1, dcid);
      auto client = hkdf_expand_label("SHA256", initial, "client in", 32);
      key = hkdf_expand_label("SHA256", client, "quic key", 16);
      iv = hkdf_expand_label("SHA256", client, "quic iv", 12);
      hp = hkdf_expand_label("SHA256", client, "quic hp", 16);
    }
    if (key.size() != 16 || iv.size() != 12 || hp.size() != 16 || pn_offset + 4 + 16 > end) return opened;
    // Header protection (RFC 9001 5.4): AES-ECB of the 16-byte sample 4 bytes after the packet number's
    // start gives the mask of the first byte's low bits and of the packet number. An Initial's packet
    // number is its own (no earlier one to reconstruct it from): the truncated one is used as sent.
    uint8_t mask[16];
    if (!quic_header_mask(ctx.get(), EVP_aes_128_ecb(), false, hp, d.data() + pn_offset + 4, mask)) return opened;
    QuicHeader h = quic_unprotect_header(d.subspan(at, end - at), pn_offset - at, mask);
    uint8_t nonce[12];
    quic_nonce(iv, h.truncated_pn, nonce);
    std::string_view sealed(reinterpret_cast<const char*>(d.data() + pn_offset + h.pn_len), end - pn_offset - h.pn_len);
    std::string plain;
    if (aead_open(ctx.get(), EVP_aes_128_gcm(), key, nonce, h.header, sealed, plain)) {
      ++opened;
      if (original_dcid_.empty()) original_dcid_ = dcid, key_ = key, iv_ = iv, hp_ = hp;
      // Frames: PADDING, PING, ACK and CRYPTO are what a client's Initial holds.
      quic_frames(Bytes(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()), true,
                  [&](uint64_t offset, std::string_view data) {
                    if (offset + data.size() <= kMaxCryptoBytes) crypto_[offset].assign(data);
                  },
                  nullptr);
    }
    at = next;
  }
  return opened;
}

std::string QuicInitials::contiguous() const {
  std::string out;
  for (const auto& [offset, bytes] : crypto_) {
    if (offset > out.size()) break;
    if (offset + bytes.size() > out.size()) out.append(bytes, out.size() - size_t(offset), std::string::npos);
  }
  return out;
}

std::optional<std::string> QuicInitials::sni() const {
  std::string hs = contiguous();
  return handshake_client_hello_sni(Bytes(reinterpret_cast<const uint8_t*>(hs.data()), hs.size()));
}

std::vector<uint8_t> QuicInitials::client_random() const {
  std::string hs = contiguous();
  // Handshake header (type 1, 3-byte length), legacy_version (2), random (32).
  if (hs.size() < 38 || hs[0] != 0x01) return {};
  return std::vector<uint8_t>(hs.begin() + 6, hs.begin() + 38);
}

bool QuicInitials::client_hello_complete() const {
  std::string hs = contiguous();
  if (hs.size() < 4) return false;
  return hs.size() >= 4 + be_at(hs, 1, 3);
}

}  // namespace apkvet::traffic
