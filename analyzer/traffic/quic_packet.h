// The pieces of QUIC packet protection (RFC 9001 5) that the Initial reader (quic_initial.h) and the
// 1-RTT reader (quic_connection.h) share: variable-length integers, the header protection mask, the
// header with its protection removed, and the per-packet nonce.
#pragma once
#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"

namespace apkvet::traffic {

// A variable-length integer (RFC 9000 16) at `at`, which it advances; false if it runs past the end.
bool quic_varint(Bytes b, size_t& at, uint64_t& v);

// The header protection mask (RFC 9001 5.4.3, 5.4.4) from the 16-byte sample: AES-ECB of the sample
// (`hp_cipher` AES-128/256-ECB), or, for ChaCha20, 5 bytes of its keystream with the sample as counter
// and nonce (OpenSSL's 16-byte ChaCha20 IV is exactly that).
bool quic_header_mask(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* hp_cipher, bool chacha, const std::vector<uint8_t>& hp_key,
                      const uint8_t* sample, uint8_t mask[16]);

// A packet's header with its protection removed (RFC 9001 5.4.1): the first byte's low bits (0x0f of a
// long header, 0x1f of a short one) and the packet number unmasked. `header` is the AEAD's associated
// data; the packet number is truncated to `pn_len` bytes as sent.
struct QuicHeader {
  std::string header;
  uint8_t first = 0;
  size_t pn_len = 0;
  uint64_t truncated_pn = 0;
};
// `packet` starts at the packet's first byte; its packet number starts at `pn_offset`, which must leave
// at least 4 bytes (the longest packet number).
QuicHeader quic_unprotect_header(Bytes packet, size_t pn_offset, const uint8_t mask[16]);

// Walks the frames of an opened packet (RFC 9000 19): CRYPTO frames go to `crypto` (offset, bytes),
// STREAM frames to `stream` (stream id, offset, bytes, fin), either may be empty; the others are stepped
// over. `initial`: an Initial packet, whose frames are only what a client's Initial holds (PADDING, PING,
// ACK with fewer than 256 ranges, CRYPTO). A frame type it does not know, or one that runs past the
// end, ends the walk (its length cannot be known).
void quic_frames(Bytes plain, bool initial, const std::function<void(uint64_t, std::string_view)>& crypto,
                 const std::function<void(uint64_t, uint64_t, std::string_view, bool)>& stream);

// The AEAD nonce of packet number `pn`: the IV with the packet number XORed into its last bytes (5.3).
void quic_nonce(const std::vector<uint8_t>& iv, uint64_t pn, uint8_t nonce[12]);

}  // namespace apkvet::traffic
