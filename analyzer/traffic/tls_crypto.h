// The TLS 1.3 key schedule's pieces and AEAD record opening, with OpenSSL: shared by TLS over TCP
// (tls_session.cpp) and QUIC's Initial packets (quic_initial.cpp), which derive their keys the same way.
#pragma once
#include <openssl/evp.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace apkvet::traffic {

// HKDF-Extract(salt, ikm) (RFC 5869) with `hash` ("SHA256" or "SHA384").
std::vector<uint8_t> hkdf_extract(const char* hash, const std::vector<uint8_t>& salt, const std::vector<uint8_t>& ikm);

// HKDF-Expand-Label(secret, label, "", length) of RFC 8446 7.1; `label` without the "tls13 " prefix.
std::vector<uint8_t> hkdf_expand_label(const char* hash, const std::vector<uint8_t>& secret, const std::string& label,
                                       size_t length);

// Opens `sealed` (ciphertext, then the 16-byte tag) with an AEAD cipher (AES-GCM, ChaCha20-Poly1305)
// and a 12-byte nonce; false if the tag does not match.
bool aead_open(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, const std::vector<uint8_t>& key, const uint8_t nonce[12],
               std::string_view aad, std::string_view sealed, std::string& out);

}  // namespace apkvet::traffic
