// One TLS connection read with the secrets the device logged (tls_keylog.h): the handshake's clear
// part gives the client random, the version and the cipher suite; the logged secret gives each
// direction's record keys; each record is then opened and its application data handed on, in order,
// to the same HTTP/1.1 and HTTP/2 readers as cleartext traffic.
//
// Read: TLS 1.3 (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, with
// handshake and application secrets and KeyUpdate); TLS 1.2 with the AEAD suites Android offers
// (AES-GCM, ChaCha20-Poly1305; RFC 5288, 7905) and, in TLS 1.1 and 1.2, the AES-CBC suites with SHA-1,
// SHA-256 or SHA-384 MACs, MAC-then-encrypt or encrypt-then-MAC (RFC 7366). Not read: TLS 1.0 CBC
// (chained IVs), RC4/3DES and other legacy suites, 0-RTT early data, SSLv2 hellos. A record that no key
// opens (tampered, or a key the log lacks) is counted and skipped.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace apkvet::traffic {

class TlsKeyLog;

class TlsSession {
 public:
  explicit TlsSession(const TlsKeyLog& keys);
  ~TlsSession();

  // Application data opened from one direction's records (0: client -> server, 1: server -> client).
  struct Plaintext {
    uint64_t record_offset;  // TCP stream offset of the record it came from
    std::string bytes;
  };

  // Reads the whole records at the front of `data`, which starts at TCP stream offset `offset`;
  // returns how many bytes it used (a partial record is left for the next call; records that cannot be
  // opened yet, because the other direction's ServerHello has not been read, are left too, up to a limit).
  size_t feed(int direction, std::string_view data, uint64_t offset, bool ended, std::vector<Plaintext>& out);

  // Whether the ServerHello has been read since the last call (the other direction may now be read).
  bool take_keys_changed();

  std::string version() const;       // "TLS 1.3", "TLS 1.2", "" before the ServerHello
  std::string cipher_suite() const;  // IANA name, or "0x...." when not one this reads
  // "decrypted", "no_key" (not in the key log), "unsupported_cipher", "no_server_hello", "not_tls"
  std::string status() const;
  uint64_t records_decrypted() const;
  uint64_t records_undecryptable() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace apkvet::traffic
