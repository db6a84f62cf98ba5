#include "traffic/tls_session.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include <cstring>

#include "traffic/net_bytes.h"
#include "traffic/tls_crypto.h"
#include "traffic/tls_keylog.h"

namespace apkvet::traffic {

namespace {

enum class Aead { aes128gcm, aes256gcm, chacha20, aes128cbc, aes256cbc };

struct Suite {
  uint16_t id;
  const char* name;
  Aead aead;          // for CBC suites, the block cipher (MAC-then-encrypt or encrypt-then-MAC)
  const char* hash;   // HKDF (TLS 1.3) or PRF (TLS 1.2) hash
  size_t key_len;
  size_t iv_len;      // TLS 1.2 GCM: the 4-byte implicit part; ChaCha20 and TLS 1.3: 12; CBC: 16
  const char* mac = nullptr;  // CBC suites: the record MAC's hash
  size_t mac_len = 0;
};

constexpr Suite kSuites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", Aead::aes128gcm, "SHA256", 16, 12},
    {0x1302, "TLS_AES_256_GCM_SHA384", Aead::aes256gcm, "SHA384", 32, 12},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", Aead::chacha20, "SHA256", 32, 12},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", Aead::aes128gcm, "SHA256", 16, 4},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", Aead::aes256gcm, "SHA384", 32, 4},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Aead::aes128gcm, "SHA256", 16, 4},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", Aead::aes256gcm, "SHA384", 32, 4},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Aead::aes128gcm, "SHA256", 16, 4},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", Aead::aes256gcm, "SHA384", 32, 4},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Aead::aes128gcm, "SHA256", 16, 4},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Aead::aes256gcm, "SHA384", 32, 4},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Aead::chacha20, "SHA256", 32, 12},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", Aead::chacha20, "SHA256", 32, 12},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Aead::chacha20, "SHA256", 32, 12},
    // CBC suites, which servers that never dropped them still pick (TLS 1.1 and 1.2: explicit IVs).
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", Aead::aes128cbc, "SHA256", 16, 16, "SHA1", 20},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", Aead::aes256cbc, "SHA256", 32, 16, "SHA1", 20},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", Aead::aes128cbc, "SHA256", 16, 16, "SHA256", 32},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", Aead::aes256cbc, "SHA256", 32, 16, "SHA256", 32},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", Aead::aes128cbc, "SHA256", 16, 16, "SHA1", 20},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", Aead::aes256cbc, "SHA256", 32, 16, "SHA1", 20},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", Aead::aes128cbc, "SHA256", 16, 16, "SHA1", 20},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", Aead::aes256cbc, "SHA256", 32, 16, "SHA1", 20},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", Aead::aes128cbc, "SHA256", 16, 16, "SHA256", 32},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", Aead::aes256cbc, "SHA384", 32, 16, "SHA384", 48},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", Aead::aes128cbc, "SHA256", 16, 16, "SHA256", 32},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", Aead::aes256cbc, "SHA384", 32, 16, "SHA384", 48},
};

const Suite* find_suite(uint16_t id) {
  for (const auto& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

constexpr size_t kMaxRecord = 16384 + 2048;      // TLSCiphertext.length limit (RFC 5246 6.2.3)
constexpr size_t kMaxHeldForKeys = 1 << 20;      // records held until the other side's ServerHello
constexpr size_t kMaxHandshakeBytes = 256 * 1024;  // clear handshake read for the hellos
// The random of a HelloRetryRequest (RFC 8446 4.1.3): SHA-256 of "HelloRetryRequest".
constexpr uint8_t kHelloRetryRandom[32] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                           0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                                           0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

using KdfCtx = std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)>;

// The TLS 1.2 PRF (RFC 5246 5) with the suite's hash.
std::vector<uint8_t> tls12_prf(const char* hash, const std::vector<uint8_t>& secret, const std::string& label,
                               const std::vector<uint8_t>& seed, size_t length) {
  std::string label_and_seed = label + std::string(seed.begin(), seed.end());
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  KdfCtx ctx(kdf ? EVP_KDF_CTX_new(kdf) : nullptr, EVP_KDF_CTX_free);
  EVP_KDF_free(kdf);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(hash), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, label_and_seed.data(), label_and_seed.size()),
      OSSL_PARAM_construct_end()};
  std::vector<uint8_t> out(length);
  if (!ctx || secret.empty() || EVP_KDF_derive(ctx.get(), out.data(), length, params) != 1) return {};
  return out;
}

const EVP_CIPHER* cipher_of(Aead a) {
  switch (a) {
    case Aead::aes128gcm: return EVP_aes_128_gcm();
    case Aead::aes256gcm: return EVP_aes_256_gcm();
    case Aead::chacha20: return EVP_chacha20_poly1305();
    case Aead::aes128cbc: return EVP_aes_128_cbc();
    case Aead::aes256cbc: return EVP_aes_256_cbc();
  }
  return nullptr;
}

bool is_cbc(Aead a) { return a == Aead::aes128cbc || a == Aead::aes256cbc; }

std::string hmac(const char* hash, const std::vector<uint8_t>& key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, hash, nullptr, key.data(), key.size(),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof out, &len))
    return {};
  return std::string(reinterpret_cast<char*>(out), len);
}

// CRYPTO_memcmp's job: a capture is not an oracle, but there is no reason to compare MACs differently.
bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// AES-CBC without OpenSSL's padding removal (TLS padding is checked by the caller).
bool cbc_decrypt(EVP_CIPHER_CTX* ctx, Aead a, const std::vector<uint8_t>& key, std::string_view iv,
                 std::string_view in, std::string& out) {
  if (in.empty() || in.size() % 16) return false;
  out.resize(in.size());
  int len = 0, tail = 0;
  return EVP_DecryptInit_ex(ctx, cipher_of(a), nullptr, key.data(), reinterpret_cast<const unsigned char*>(iv.data())) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
         EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                           reinterpret_cast<const unsigned char*>(in.data()), int(in.size())) == 1 &&
         EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &tail) == 1;
}

uint16_t be16(std::string_view s, size_t at) { return uint16_t(be_at(s, at, 2)); }
size_t be24(std::string_view s, size_t at) { return be_at(s, at, 3); }

}  // namespace

struct TlsSession::Impl {
  explicit Impl(const TlsKeyLog& k) : keys(k), cipher_ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free) {}

  struct RecordKey {
    std::vector<uint8_t> key, iv, mac_key;  // mac_key: CBC suites only
  };
  struct Direction {
    std::string handshake;  // clear handshake bytes, read for the hellos
    size_t handshake_read = 0;
    bool hello_read = false;  // this side's hello is in: its later handshake messages are not kept
    bool encrypted = false;          // records from here on are sealed
    std::vector<RecordKey> candidates;  // TLS 1.3: handshake key, then application key
    size_t current = 0;
    uint64_t seq = 0;
    bool current_opened = false;  // the current key has opened a record: the sender is using it
    std::vector<uint8_t> application_secret;  // TLS 1.3, for KeyUpdate
    bool on_application_key = false;
  };

  const TlsKeyLog& keys;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> cipher_ctx;
  Direction dir[2];
  std::vector<uint8_t> client_random, server_random;
  bool server_hello = false, tls13 = false, keys_changed = false, not_tls = false, key_found = false;
  bool encrypt_then_mac = false;  // RFC 7366, from the ServerHello (CBC suites)
  uint16_t legacy_version = 0;    // the ServerHello's: TLS 1.1 derives keys with MD5+SHA-1
  uint16_t suite_id = 0;
  const Suite* suite = nullptr;
  uint64_t decrypted = 0, undecryptable = 0;

  void read_hellos(int d) {
    Direction& s = dir[d];
    std::string_view h = s.handshake;
    while (s.handshake_read + 4 <= h.size()) {
      size_t at = s.handshake_read, len = be24(h, at + 1);
      if (at + 4 + len > h.size()) return;
      std::string_view body = h.substr(at + 4, len);
      uint8_t type = uint8_t(h[at]);
      s.handshake_read = at + 4 + len;
      if (type == 1 && d == 0 && body.size() >= 34) {
        client_random.assign(body.begin() + 2, body.begin() + 34);
        s.hello_read = true;  // a second ClientHello (after a retry) repeats the random
        if (server_hello && tls13) s.encrypted = true;
        if (server_hello && suite && !key_found) {  // the ServerHello was read first: keys now
          if (tls13) derive_tls13();
          else derive_tls12();
          keys_changed = true;
        }
      }
      if (type == 2 && d == 1 && body.size() >= 38) s.hello_read = read_server_hello(body);
      if (s.hello_read) {
        s.handshake.clear();
        s.handshake_read = 0;
        return;
      }
    }
  }

  // False for a HelloRetryRequest (the real ServerHello follows) or a hello too short to read.
  bool read_server_hello(std::string_view b) {
    if (std::memcmp(b.data() + 2, kHelloRetryRandom, 32) == 0) return false;
    uint16_t version = be16(b, 0);
    size_t p = 34;
    if (p + 1 > b.size()) return false;
    p += 1 + uint8_t(b[p]);  // session id
    if (p + 3 > b.size()) return false;
    suite_id = be16(b, p);
    p += 3;  // suite, compression
    if (p + 2 <= b.size()) {
      size_t end = std::min(b.size(), p + 2 + be16(b, p));
      for (p += 2; p + 4 <= end;) {
        uint16_t type = be16(b, p), len = be16(b, p + 2);
        if (type == 0x002b && len == 2 && p + 6 <= end) version = be16(b, p + 4);  // supported_versions
        if (type == 0x0016) encrypt_then_mac = true;
        p += 4 + len;
      }
    }
    server_random.assign(b.begin() + 2, b.begin() + 34);
    server_hello = true;
    keys_changed = true;
    tls13 = version == 0x0304;
    legacy_version = version;
    // TLS 1.3 seals everything after the hellos: the server's side from here, the client's once its
    // ClientHello is in (it may not be, when the client's side is behind in the capture).
    if (tls13) dir[1].encrypted = true, dir[0].encrypted = dir[0].hello_read;
    suite = find_suite(suite_id);
    if (suite && tls13 != (suite->id >> 8 == 0x13)) suite = nullptr;  // a TLS 1.3 suite only in TLS 1.3
    if (suite && is_cbc(suite->aead) && version < 0x0302) suite = nullptr;  // TLS 1.0's implicit IVs
    if (suite && !client_random.empty()) {
      if (tls13) derive_tls13();
      else derive_tls12();
    }
    return true;
  }

  void derive_tls13() {
    size_t hash_len = std::strcmp(suite->hash, "SHA384") == 0 ? 48 : 32;
    static const char* const labels[2][2] = {{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"},
                                             {"SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"}};
    for (int d = 0; d < 2; ++d) {
      for (int which = 0; which < 2; ++which) {
        const std::vector<uint8_t>* secret = keys.find(labels[d][which], client_random);
        if (!secret || secret->size() != hash_len) continue;
        key_found = true;
        dir[d].candidates.push_back(record_key_13(*secret));
        if (which == 1) dir[d].application_secret = *secret;
      }
    }
  }

  RecordKey record_key_13(const std::vector<uint8_t>& secret) const {
    return {hkdf_expand_label(suite->hash, secret, "key", suite->key_len), hkdf_expand_label(suite->hash, secret, "iv", 12), {}};
  }

  void derive_tls12() {
    const std::vector<uint8_t>* master = keys.find("CLIENT_RANDOM", client_random);
    if (!master || master->size() != 48) return;
    key_found = true;
    std::vector<uint8_t> seed = server_random;
    seed.insert(seed.end(), client_random.begin(), client_random.end());
    // Key block (RFC 5246 6.3): MAC keys (CBC suites), write keys, write IVs.
    size_t m = suite->mac_len, k = suite->key_len, v = suite->iv_len;
    const char* prf = legacy_version < 0x0303 ? "MD5-SHA1" : suite->hash;  // TLS 1.1's PRF (RFC 4346 5)
    auto block = tls12_prf(prf, *master, "key expansion", seed, 2 * m + 2 * k + 2 * v);
    if (block.size() != 2 * m + 2 * k + 2 * v) return;
    auto part = [&](size_t at, size_t n) { return std::vector<uint8_t>(block.begin() + long(at), block.begin() + long(at + n)); };
    dir[0].candidates.push_back({part(2 * m, k), part(2 * m + 2 * k, v), part(0, m)});
    dir[1].candidates.push_back({part(2 * m + k, k), part(2 * m + 2 * k + v, v), part(m, m)});
  }

  static void seq_nonce(const std::vector<uint8_t>& iv, uint64_t seq, uint8_t nonce[12]) {
    std::memcpy(nonce, iv.data(), 12);
    for (int i = 0; i < 8; ++i) nonce[11 - i] ^= uint8_t(seq >> (8 * i));
  }

  bool open_with(const RecordKey& k, uint64_t seq, std::string_view record, std::string& out) {
    std::string_view header = record.substr(0, 5), fragment = record.substr(5);
    uint8_t nonce[12];
    if (tls13) {
      seq_nonce(k.iv, seq, nonce);
      return aead_open(cipher_ctx.get(), cipher_of(suite->aead), k.key, nonce, header, fragment, out);
    }
    if (is_cbc(suite->aead)) return open_cbc(k, seq, header, fragment, out);
    // TLS 1.2 AEAD: additional data is seq_num + type + version + plaintext length.
    std::string_view sealed = fragment;
    if (suite->aead == Aead::chacha20) {
      seq_nonce(k.iv, seq, nonce);
    } else {
      if (fragment.size() < 8) return false;
      std::memcpy(nonce, k.iv.data(), 4);
      std::memcpy(nonce + 4, fragment.data(), 8);  // the explicit part travels with the record
      sealed = fragment.substr(8);
    }
    if (sealed.size() < 16) return false;
    size_t plain = sealed.size() - 16;
    std::string aad;
    for (int i = 7; i >= 0; --i) aad += char(seq >> (8 * i));
    aad += header.substr(0, 3);
    aad += char(plain >> 8);
    aad += char(plain & 0xff);
    return aead_open(cipher_ctx.get(), cipher_of(suite->aead), k.key, nonce, aad, sealed, out);
  }

  // The MAC input of RFC 5246 6.2.3.1: seq_num + type + version + length, then the bytes.
  static std::string mac_input(uint64_t seq, std::string_view header, std::string_view bytes) {
    std::string in;
    for (int i = 7; i >= 0; --i) in += char(seq >> (8 * i));
    in += header.substr(0, 3);
    in += char(bytes.size() >> 8);
    in += char(bytes.size() & 0xff);
    in += bytes;
    return in;
  }

  // A CBC record of TLS 1.1/1.2: explicit IV, then (MAC-then-encrypt) the ciphertext of content + MAC +
  // padding, or (encrypt-then-MAC, RFC 7366) the ciphertext of content + padding followed by the MAC of
  // IV and ciphertext. The MAC is checked either way: it is what tells a right key from a wrong one.
  bool open_cbc(const RecordKey& k, uint64_t seq, std::string_view header, std::string_view fragment, std::string& out) {
    size_t m = suite->mac_len;
    std::string_view iv = fragment.substr(0, std::min<size_t>(16, fragment.size()));
    if (iv.size() < 16) return false;
    std::string_view body = fragment.substr(16);
    if (encrypt_then_mac) {
      if (body.size() < m) return false;
      std::string_view mac = body.substr(body.size() - m), sealed = fragment.substr(0, fragment.size() - m);
      if (!same(mac, hmac(suite->mac, k.mac_key, mac_input(seq, header, sealed)))) return false;
      body.remove_suffix(m);
    }
    std::string plain;
    if (!cbc_decrypt(cipher_ctx.get(), suite->aead, k.key, iv, body, plain)) return false;
    size_t pad = uint8_t(plain.back());
    if (pad + 1 > plain.size()) return false;
    for (size_t i = plain.size() - pad - 1; i < plain.size(); ++i)
      if (uint8_t(plain[i]) != pad) return false;
    plain.resize(plain.size() - pad - 1);
    if (!encrypt_then_mac) {
      if (plain.size() < m) return false;
      std::string mac = plain.substr(plain.size() - m);
      plain.resize(plain.size() - m);
      if (!same(mac, hmac(suite->mac, k.mac_key, mac_input(seq, header, plain)))) return false;
    }
    out = std::move(plain);
    return true;
  }

  // Opens one sealed record: with the current key, else (TLS 1.3) the next one, which then becomes
  // current (the handshake key gives way to the application key after Finished). Returns the
  // content type, or -1.
  int open(int d, std::string_view record, std::string& out) {
    Direction& s = dir[d];
    for (size_t k = s.current; k < s.candidates.size() && k <= s.current + 1; ++k) {
      uint64_t seq = k == s.current ? s.seq : 0;
      if (!open_with(s.candidates[k], seq, record, out)) continue;
      if (k != s.current) s.current = k;
      s.seq = seq + 1;
      s.current_opened = true;
      if (!tls13) return uint8_t(record[0]);
      while (!out.empty() && out.back() == '\0') out.pop_back();  // TLSInnerPlaintext padding
      if (out.empty()) return -1;
      int type = uint8_t(out.back());
      out.pop_back();
      s.on_application_key = !s.application_secret.empty() && s.current == s.candidates.size() - 1;
      return type;
    }
    // Altered or not ours: the sender still spent a sequence number on it, once its key is in use.
    if (s.current_opened) ++s.seq;
    return -1;
  }

  // TLS 1.3 KeyUpdate (handshake type 24) under the application key: the next key follows.
  void key_update(int d, std::string_view messages) {
    Direction& s = dir[d];
    for (size_t at = 0; at + 4 <= messages.size(); at += 4 + be24(messages, at + 1)) {
      if (uint8_t(messages[at]) != 24 || !s.on_application_key) continue;
      size_t hash_len = s.application_secret.size();
      s.application_secret = hkdf_expand_label(suite->hash, s.application_secret, "traffic upd", hash_len);
      s.candidates.back() = record_key_13(s.application_secret);
      s.seq = 0;
      s.current_opened = false;
    }
  }

  size_t feed(int d, std::string_view data, uint64_t offset, bool ended, std::vector<Plaintext>& out) {
    Direction& s = dir[d];
    size_t at = 0;
    if (not_tls) return data.size();
    while (at + 5 <= data.size()) {
      uint8_t type = uint8_t(data[at]);
      size_t len = be16(data, at + 3);
      if (type < 20 || type > 24 || data[at + 1] != 3 || len > kMaxRecord) {
        not_tls = true;  // lost framing (a gap in the capture, or not TLS at all)
        return data.size();
      }
      if (at + 5 + len > data.size()) break;
      std::string_view record = data.substr(at, 5 + len), fragment = record.substr(5);
      if (!s.encrypted) {
        if (type == 22 && !s.hello_read) {
          if (s.handshake.size() < kMaxHandshakeBytes) s.handshake.append(fragment);
          read_hellos(d);
        } else if (type == 20 && server_hello && !tls13) {
          // ChangeCipherSpec: TLS 1.2 seals what follows. (Before the ServerHello it is TLS 1.3's
          // compatibility record after a HelloRetryRequest, and nothing changes.)
          s.encrypted = true;
          s.seq = 0;
        } else if (type == 23 && !server_hello) {
          // Sealed before we have the ServerHello (the other direction is behind): wait for it.
          if (!ended && data.size() < kMaxHeldForKeys) return at;
          ++undecryptable;
        }
      } else if (!(tls13 && type != 23)) {  // TLS 1.3's clear ChangeCipherSpec and alerts are skipped
        // Sealed, and the client random that names its keys not read yet (the client's side is
        // behind): wait for it, as for the ServerHello.
        if (s.candidates.empty() && client_random.empty() && !ended && data.size() < kMaxHeldForKeys) return at;
        std::string plain;
        int inner = s.candidates.empty() || !suite ? -1 : open(d, record, plain);
        if (inner < 0) {
          ++undecryptable;
        } else {
          ++decrypted;
          if (inner == 23 && !plain.empty()) out.push_back({offset + at, std::move(plain)});
          else if (inner == 22 && tls13) key_update(d, plain);
        }
      }
      at += 5 + len;
    }
    return at;
  }
};

TlsSession::TlsSession(const TlsKeyLog& keys) : impl_(std::make_unique<Impl>(keys)) {}
TlsSession::~TlsSession() = default;

size_t TlsSession::feed(int direction, std::string_view data, uint64_t offset, bool ended, std::vector<Plaintext>& out) {
  return impl_->feed(direction & 1, data, offset, ended, out);
}

bool TlsSession::take_keys_changed() {
  bool changed = impl_->keys_changed;
  impl_->keys_changed = false;
  return changed;
}

std::string TlsSession::version() const {
  if (!impl_->server_hello) return "";
  return impl_->tls13 ? "TLS 1.3" : "TLS 1.2";
}

std::string TlsSession::cipher_suite() const {
  if (!impl_->server_hello) return "";
  if (impl_->suite) return impl_->suite->name;
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", impl_->suite_id);
  return buf;
}

std::string TlsSession::status() const {
  const Impl& i = *impl_;
  if (i.decrypted) return "decrypted";
  if (i.not_tls && !i.server_hello) return "not_tls";
  if (!i.server_hello) return "no_server_hello";
  if (!i.suite) return "unsupported_cipher";
  if (!i.key_found) return "no_key";
  return i.undecryptable ? "wrong_key" : "no_data";
}

uint64_t TlsSession::records_decrypted() const { return impl_->decrypted; }
uint64_t TlsSession::records_undecryptable() const { return impl_->undecryptable; }

}  // namespace apkvet::traffic
