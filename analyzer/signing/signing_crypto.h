// OpenSSL glue for signature verification: digests, Base64, public keys and signature checks.
// Everything here is pure (bytes in, result out) and never throws on malformed keys or signatures.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/byte_reader.h"

namespace apkvet::signing {

enum class DigestAlg { md5, sha1, sha224, sha256, sha384, sha512 };
const EVP_MD* evp_md(DigestAlg alg);
const char* jca_name(DigestAlg alg);  // "SHA-256", as Java names it
std::optional<DigestAlg> digest_from_jca(std::string_view name);  // "SHA1", "SHA-1", "SHA" -> sha1 ...

std::vector<uint8_t> digest(DigestAlg alg, Bytes data);
std::string hex(Bytes data);
std::string base64(Bytes data);
// Strict RFC 4648 decoding with padding, as java.util.Base64.getDecoder(); nullopt when invalid.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

PkeyPtr parse_public_key(Bytes subject_public_key_info);  // nullptr when malformed
X509Ptr parse_certificate(Bytes der);                     // nullptr when malformed
std::vector<uint8_t> encode_public_key(EVP_PKEY* key);    // SubjectPublicKeyInfo DER

enum class KeyType { rsa, ec, dsa, other };
KeyType key_type(EVP_PKEY* key);

enum class Padding { pkcs1, pss, none };
struct SignatureCheck {
  bool verified = false;
  std::string exception;  // set when the check could not run (wrong key type, bad parameters)
};
// Verifies `signature` over `data` with the digest and padding given (PSS: MGF1 with the same digest
// and a salt as long as the digest, as the APK signature schemes define).
SignatureCheck verify_signature(EVP_PKEY* key, KeyType expected, DigestAlg md, Padding padding, Bytes data,
                                Bytes signature);

}  // namespace apkvet::signing
