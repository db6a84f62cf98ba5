#include "core/digest.h"

// SHA256_Init/Update/Final are marked deprecated in OpenSSL 3 in favour of EVP_Digest (and SHA256()
// now goes through it), which on its first use sets up the provider machinery and fetches an
// implementation (~0.65 M instructions, ~0.2 ms): more than reading a small manifest, and every scan
// hashes its input. The low-level calls run the same block function (SHA-NI / AVX2) directly.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace apkvet {

std::string to_hex(const unsigned char* bytes, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(digest, &ctx);
  return to_hex(digest, sizeof digest);
}

}  // namespace apkvet
