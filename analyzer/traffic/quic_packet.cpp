#include "traffic/quic_packet.h"

#include <algorithm>

namespace apkvet::traffic {

// The top two bits give its length.
bool quic_varint(Bytes b, size_t& at, uint64_t& v) {
  if (at >= b.size()) return false;
  size_t len = size_t(1) << (b[at] >> 6);
  if (at + len > b.size()) return false;
  v = b[at] & 0x3f;
  for (size_t i = 1; i < len; ++i) v = v << 8 | b[at + i];
  at += len;
  return true;
}

bool quic_header_mask(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* hp_cipher, bool chacha, const std::vector<uint8_t>& hp_key,
                      const uint8_t* sample, uint8_t mask[16]) {
  int n = 0;
  if (!hp_cipher) return false;
  if (chacha) {
    static const uint8_t zeros[5] = {};
    return EVP_EncryptInit_ex(ctx, hp_cipher, nullptr, hp_key.data(), sample) == 1 &&
           EVP_EncryptUpdate(ctx, mask, &n, zeros, 5) == 1;
  }
  return EVP_EncryptInit_ex(ctx, hp_cipher, nullptr, hp_key.data(), nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 && EVP_EncryptUpdate(ctx, mask, &n, sample, 16) == 1;
}

QuicHeader quic_unprotect_header(Bytes packet, size_t pn_offset, const uint8_t mask[16]) {
  QuicHeader h;
  bool long_header = packet[0] & 0x80;
  h.first = uint8_t(packet[0] ^ (mask[0] & (long_header ? 0x0f : 0x1f)));
  h.pn_len = (h.first & 0x03) + 1;
  h.header.assign(reinterpret_cast<const char*>(packet.data()), pn_offset);
  h.header[0] = char(h.first);
  for (size_t i = 0; i < h.pn_len; ++i) {
    uint8_t byte = uint8_t(packet[pn_offset + i] ^ mask[1 + i]);
    h.header += char(byte);
    h.truncated_pn = h.truncated_pn << 8 | byte;
  }
  return h;
}

void quic_nonce(const std::vector<uint8_t>& iv, uint64_t pn, uint8_t nonce[12]) {
  std::copy_n(iv.begin(), 12, nonce);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= uint8_t(pn >> (8 * i));
}

}  // namespace apkvet::traffic
