#include "core/hyperscan_cache.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <string_view>

#include "core/data_dir.h"
#include "core/digest.h"

namespace apkvet {
namespace {

// The key covers everything that decides the compiled bytes, including the library version and the
// platform features Hyperscan tunes for (the default platform of this host).
std::string cache_key(const char* const* exprs, const unsigned* flags, const unsigned* ids, const size_t* lengths,
                      unsigned count, unsigned mode) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  auto feed = [&](const void* p, size_t n) { EVP_DigestUpdate(ctx, p, n); };
  std::string version = hs_version();
  feed(version.data(), version.size() + 1);
  hs_platform_info_t platform{};
  hs_populate_platform(&platform);
  feed(&platform.tune, sizeof platform.tune);
  feed(&platform.cpu_features, sizeof platform.cpu_features);
  feed(&mode, sizeof mode);
  feed(&count, sizeof count);
  for (unsigned i = 0; i < count; ++i) {
    size_t len = lengths ? lengths[i] : std::char_traits<char>::length(exprs[i]);
    feed(&len, sizeof len);
    feed(exprs[i], len);
    unsigned f = flags ? flags[i] : 0, id = ids ? ids[i] : 0;
    feed(&f, sizeof f);
    feed(&id, sizeof id);
  }
  unsigned char digest[32];
  unsigned n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  return to_hex(digest, n);
}

bool load(const std::string& name, hs_database_t** db) {
  std::optional<std::string> bytes = read_cache_entry(name);
  if (!bytes) return false;
  char* info = nullptr;
  // A file from another Hyperscan build or a damaged one is refused here; we then recompile.
  if (hs_serialized_database_info(bytes->data(), bytes->size(), &info) != HS_SUCCESS) return false;
  std::free(info);
  return hs_deserialize_database(bytes->data(), bytes->size(), db) == HS_SUCCESS;
}

void store(const std::string& name, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db, &bytes, &size) != HS_SUCCESS) return;
  write_cache_entry(name, std::string_view(bytes, size));
  std::free(bytes);
}

template <typename Compile>
hs_error_t cached(const char* const* exprs, const unsigned* flags, const unsigned* ids, const size_t* lengths,
                  unsigned count, unsigned mode, hs_database_t** db, Compile compile) {
  if (user_cache_dir().empty()) return compile();  // caching is off
  std::string name = "hs-" + cache_key(exprs, flags, ids, lengths, count, mode) + ".db";
  if (load(name, db)) return HS_SUCCESS;
  hs_error_t rc = compile();
  if (rc == HS_SUCCESS) store(name, *db);
  return rc;
}

}  // namespace

hs_error_t compile_multi_cached(const char* const* expressions, const unsigned* flags, const unsigned* ids,
                                unsigned count, unsigned mode, hs_database_t** db, hs_compile_error_t** error) {
  return cached(expressions, flags, ids, nullptr, count, mode, db, [&] {
    return hs_compile_multi(expressions, flags, ids, count, mode, nullptr, db, error);
  });
}

hs_error_t compile_lit_multi_cached(const char* const* literals, const unsigned* flags, const unsigned* ids,
                                    const size_t* lengths, unsigned count, unsigned mode, hs_database_t** db,
                                    hs_compile_error_t** error) {
  return cached(literals, flags, ids, lengths, count, mode, db, [&] {
    return hs_compile_lit_multi(literals, flags, ids, lengths, count, mode, nullptr, db, error);
  });
}

}  // namespace apkvet
