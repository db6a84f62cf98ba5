#include "traffic/tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <memory>
#include <string_view>

namespace apkvet::traffic {

namespace {

using KdfCtx = std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)>;

KdfCtx kdf_ctx(const char* name) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, name, nullptr);
  KdfCtx ctx(kdf ? EVP_KDF_CTX_new(kdf) : nullptr, EVP_KDF_CTX_free);
  EVP_KDF_free(kdf);
  return ctx;
}

}  // namespace

std::vector<uint8_t> hkdf_extract(const char* hash, const std::vector<uint8_t>& salt, const std::vector<uint8_t>& ikm) {
  KdfCtx ctx = kdf_ctx("HKDF");
  int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(hash), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_end()};
  std::vector<uint8_t> out(std::string_view(hash) == "SHA384" ? 48 : 32);
  if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) return {};
  return out;
}

// HKDF-Expand-Label(secret, label, "", length) of RFC 8446 7.1.
std::vector<uint8_t> hkdf_expand_label(const char* hash, const std::vector<uint8_t>& secret, const std::string& label,
                                       size_t length) {
  std::string full = "tls13 " + label;
  std::string info{char(length >> 8), char(length & 0xff), char(full.size())};
  info += full;
  info += '\0';  // empty context
  KdfCtx ctx = kdf_ctx("HKDF");
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(hash), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()), OSSL_PARAM_construct_end()};
  std::vector<uint8_t> out(length);
  if (!ctx || secret.empty() || EVP_KDF_derive(ctx.get(), out.data(), length, params) != 1) return {};
  return out;
}

// Opens `sealed` (ciphertext then 16-byte tag); false if the tag does not match.
bool aead_open(EVP_CIPHER_CTX* ctx, const EVP_CIPHER* cipher, const std::vector<uint8_t>& key, const uint8_t nonce[12],
               std::string_view aad, std::string_view sealed, std::string& out) {
  constexpr size_t kTag = 16;
  if (sealed.size() < kTag) return false;
  size_t n = sealed.size() - kTag;
  int len = 0;
  out.resize(n);
  auto u = [](const char* p) { return reinterpret_cast<const unsigned char*>(p); };
  if (EVP_DecryptInit_ex(ctx, cipher, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx, nullptr, nullptr, key.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx, nullptr, &len, u(aad.data()), int(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, u(sealed.data()), int(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, int(kTag), const_cast<char*>(sealed.data() + n)) != 1)
    return false;
  int tail = 0;
  return EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out.data()) + len, &tail) == 1;
}

}  // namespace apkvet::traffic
