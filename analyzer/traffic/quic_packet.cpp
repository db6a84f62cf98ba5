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

void quic_frames(Bytes f, bool initial, const std::function<void(uint64_t, std::string_view)>& crypto,
                 const std::function<void(uint64_t, uint64_t, std::string_view, bool)>& stream) {
  auto skip = [&](size_t& q, uint64_t count) {
    uint64_t v;
    for (uint64_t i = 0; i < count; ++i)
      if (!quic_varint(f, q, v)) return false;
    return true;
  };
  auto bytes = [&](size_t at, uint64_t len) { return std::string_view(reinterpret_cast<const char*>(f.data() + at), size_t(len)); };
  for (size_t q = 0; q < f.size();) {
    uint64_t type = 0;
    if (!quic_varint(f, q, type)) return;
    if (initial && type > 0x03 && type != 0x06) return;
    if (type >= 0x08 && type <= 0x0f) {  // STREAM: OFF 0x04, LEN 0x02, FIN 0x01
      uint64_t id = 0, offset = 0, len = 0;
      if (!quic_varint(f, q, id) || ((type & 0x04) && !quic_varint(f, q, offset))) return;
      if (type & 0x02) {
        if (!quic_varint(f, q, len) || len > f.size() - q) return;
      } else {
        len = f.size() - q;
      }
      if (stream) stream(id, offset, bytes(q, len), (type & 0x01) != 0);
      q += size_t(len);
      continue;
    }
    bool ok = true;
    switch (type) {
      case 0x00: case 0x01: case 0x1e: break;                   // PADDING, PING, HANDSHAKE_DONE
      case 0x02: case 0x03: {                                     // ACK, ACK_ECN
        uint64_t largest, delay, count, first;
        ok = quic_varint(f, q, largest) && quic_varint(f, q, delay) && quic_varint(f, q, count) &&
             quic_varint(f, q, first) && count < (initial ? 256 : f.size()) && skip(q, 2 * count) &&
             (type == 0x02 || skip(q, 3));
        break;
      }
      case 0x06: {                                                // CRYPTO
        uint64_t offset = 0, len = 0;
        ok = quic_varint(f, q, offset) && quic_varint(f, q, len) && len <= f.size() - q;
        if (ok && crypto) crypto(offset, bytes(q, len));
        if (ok) q += size_t(len);
        break;
      }
      case 0x04: ok = skip(q, 3); break;                          // RESET_STREAM
      case 0x05: case 0x11: case 0x15: ok = skip(q, 2); break;    // STOP_SENDING, MAX_STREAM_DATA, STREAM_DATA_BLOCKED
      case 0x10: case 0x12: case 0x13: case 0x14: case 0x16: case 0x17: case 0x19: ok = skip(q, 1); break;
      case 0x07: {                                                // NEW_TOKEN
        uint64_t len = 0;
        ok = quic_varint(f, q, len) && len <= f.size() - q;
        if (ok) q += size_t(len);
        break;
      }
      case 0x18: {                                                // NEW_CONNECTION_ID
        ok = skip(q, 2) && q < f.size();
        if (ok) {
          size_t cid = f[q++];
          ok = cid <= 20 && q + cid + 16 <= f.size();
          q += cid + 16;
        }
        break;
      }
      case 0x1a: case 0x1b: ok = q + 8 <= f.size(); q += 8; break;  // PATH_CHALLENGE, PATH_RESPONSE
      case 0x1c: case 0x1d: {                                     // CONNECTION_CLOSE
        uint64_t len = 0;
        ok = skip(q, type == 0x1c ? 2 : 1) && quic_varint(f, q, len) && len <= f.size() - q;
        if (ok) q += size_t(len);
        break;
      }
      default: return;
    }
    if (!ok) return;
  }
}

void quic_nonce(const std::vector<uint8_t>& iv, uint64_t pn, uint8_t nonce[12]) {
  std::copy_n(iv.begin(), 12, nonce);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= uint8_t(pn >> (8 * i));
}

}  // namespace apkvet::traffic
