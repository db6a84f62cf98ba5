#include "signing/signing_crypto.h"

#include <algorithm>

#include <openssl/err.h>
#include <openssl/rsa.h>

namespace apkvet::signing {

namespace {

// A digest fetched from the default provider once: with a legacy EVP_sha256() and the like, OpenSSL 3
// looks the implementation up again at every EVP_DigestInit (a locked method-store search), and a
// v1-signed APK digests each of its entries. The legacy object is the fallback if the fetch fails.
const EVP_MD* fetched(const char* name, const EVP_MD* legacy) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md ? md : legacy;  // kept for the life of the process
}

}  // namespace

const EVP_MD* evp_md(DigestAlg alg) {
  static const EVP_MD* const md5 = fetched("MD5", EVP_md5()), *const sha1 = fetched("SHA1", EVP_sha1()),
                             *const sha224 = fetched("SHA224", EVP_sha224()),
                             *const sha256 = fetched("SHA256", EVP_sha256()),
                             *const sha384 = fetched("SHA384", EVP_sha384()),
                             *const sha512 = fetched("SHA512", EVP_sha512());
  switch (alg) {
    case DigestAlg::md5: return md5;
    case DigestAlg::sha1: return sha1;
    case DigestAlg::sha224: return sha224;
    case DigestAlg::sha256: return sha256;
    case DigestAlg::sha384: return sha384;
    case DigestAlg::sha512: return sha512;
  }
  return sha256;
}

const char* jca_name(DigestAlg alg) {
  switch (alg) {
    case DigestAlg::md5: return "MD5";
    case DigestAlg::sha1: return "SHA-1";
    case DigestAlg::sha224: return "SHA-224";
    case DigestAlg::sha256: return "SHA-256";
    case DigestAlg::sha384: return "SHA-384";
    case DigestAlg::sha512: return "SHA-512";
  }
  return "?";
}

std::optional<DigestAlg> digest_from_jca(std::string_view name) {
  std::string up;
  for (char c : name) up += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  if (up == "MD5") return DigestAlg::md5;
  if (up == "SHA" || up == "SHA1" || up == "SHA-1") return DigestAlg::sha1;
  if (up == "SHA-224") return DigestAlg::sha224;
  if (up == "SHA-256") return DigestAlg::sha256;
  if (up == "SHA-384") return DigestAlg::sha384;
  if (up == "SHA-512") return DigestAlg::sha512;
  return std::nullopt;
}

std::vector<uint8_t> digest(DigestAlg alg, Bytes data) {
  std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, evp_md(alg), nullptr);
  out.resize(len);
  return out;
}

std::string hex(Bytes data) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string base64(Bytes data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(), static_cast<int>(data.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    int v = value(text[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  size_t data_chars = i;
  size_t pad = 0;
  for (; i < text.size(); ++i) {
    if (text[i] != '=') return std::nullopt;
    ++pad;
  }
  // Java accepts a missing padding but not a dangling single character or excess padding.
  if (data_chars % 4 == 1 || pad > 2 || (pad && (data_chars + pad) % 4 != 0)) return std::nullopt;
  return out;
}

namespace {

// The certificates parsed last on this thread, each with its SubjectPublicKeyInfo as encoded in it.
struct RecentCertificate {
  std::vector<uint8_t> der, public_key;
  X509Ptr cert;
};
std::vector<RecentCertificate>& recent_certificates() {
  thread_local std::vector<RecentCertificate> recent;
  return recent;
}

}  // namespace

PkeyPtr parse_public_key(Bytes spki) {
  // Decoding a key through OpenSSL 3's decoders costs ~1M instructions. The v2 and v3 signers of an
  // APK carry the same key, and the certificate of the scheme verified before (v3.1, v3, then v2)
  // holds it too: a key whose encoding is that of a recent certificate's key is that key (decoded
  // from the same bytes by the same decoder), shared by reference.
  for (const auto& r : recent_certificates())
    if (std::equal(r.public_key.begin(), r.public_key.end(), spki.begin(), spki.end()))
      if (EVP_PKEY* key = X509_get0_pubkey(r.cert.get()); key && EVP_PKEY_up_ref(key) == 1) return PkeyPtr(key);
  const unsigned char* p = spki.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  return PkeyPtr(key);
}

X509Ptr parse_certificate(Bytes der) {
  // Every scheme that carries a certificate (v1, v2, v3, v3.1, the lineage) parses it again, and
  // parsing (its public key through OpenSSL 3's decoders) is the costly part of describing it: the
  // last few certificates parsed on this thread are kept and shared (X509 objects are reference
  // counted and read-only once parsed).
  auto& recent = recent_certificates();
  for (const auto& r : recent)
    if (std::equal(r.der.begin(), r.der.end(), der.begin(), der.end()) && X509_up_ref(r.cert.get()) == 1)
      return X509Ptr(r.cert.get());
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || X509_up_ref(cert.get()) != 1) return cert;
  if (recent.size() >= 8) recent.erase(recent.begin());
  RecentCertificate r{std::vector<uint8_t>(der.begin(), der.end()), {}, X509Ptr(cert.get())};
  unsigned char* spki = nullptr;
  if (int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki); n > 0) r.public_key.assign(spki, spki + n);
  OPENSSL_free(spki);
  recent.push_back(std::move(r));
  return cert;
}

std::vector<uint8_t> encode_public_key(EVP_PKEY* key) {
  unsigned char* buf = nullptr;
  int n = i2d_PUBKEY(key, &buf);
  if (n <= 0) return {};
  std::vector<uint8_t> out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

KeyType key_type(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: case EVP_PKEY_RSA_PSS: return KeyType::rsa;
    case EVP_PKEY_EC: return KeyType::ec;
    case EVP_PKEY_DSA: return KeyType::dsa;
    default: return KeyType::other;
  }
}

SignatureCheck verify_signature(EVP_PKEY* key, KeyType expected, DigestAlg md, Padding padding, Bytes data,
                                Bytes signature) {
  SignatureCheck out;
  if (!key) {
    out.exception = "no public key";
    return out;
  }
  if (key_type(key) != expected) {
    out.exception = "public key type does not match the signature algorithm";
    return out;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx, &pctx, evp_md(md), nullptr, key) != 1) {
    out.exception = "cannot initialise verification";
  } else {
    if (padding == Padding::pss) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, evp_md(md));
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(evp_md(md)));
    } else if (padding == Padding::pkcs1) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
    }
    int rc = EVP_DigestVerify(ctx, signature.data(), signature.size(), data.data(), data.size());
    out.verified = rc == 1;
  }
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return out;
}

}  // namespace apkvet::signing
