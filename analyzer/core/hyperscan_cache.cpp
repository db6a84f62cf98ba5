#include "core/hyperscan_cache.h"

#include "core/data_dir.h"
#include "core/digest.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace apkvet {
namespace {

namespace fs = std::filesystem;

fs::path cache_dir() { return user_cache_dir(); }

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

bool load(const fs::path& file, hs_database_t** db) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  char* info = nullptr;
  // A file from another Hyperscan build or a damaged one is refused here; we then recompile.
  if (hs_serialized_database_info(bytes.data(), bytes.size(), &info) != HS_SUCCESS) return false;
  std::free(info);
  return hs_deserialize_database(bytes.data(), bytes.size(), db) == HS_SUCCESS;
}

void store(const fs::path& dir, const fs::path& file, const hs_database_t* db) {
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db, &bytes, &size) != HS_SUCCESS) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  // Write then rename, so a concurrent reader (batch workers) never sees half a file.
  fs::path tmp = file;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out) out.write(bytes, static_cast<std::streamsize>(size));
    if (!out) {
      std::free(bytes);
      fs::remove(tmp, ec);
      return;
    }
  }
  std::free(bytes);
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
}

template <typename Compile>
hs_error_t cached(const char* const* exprs, const unsigned* flags, const unsigned* ids, const size_t* lengths,
                  unsigned count, unsigned mode, hs_database_t** db, Compile compile) {
  fs::path dir = cache_dir();
  fs::path file;
  if (!dir.empty()) {
    file = dir / ("hs-" + cache_key(exprs, flags, ids, lengths, count, mode) + ".db");
    if (load(file, db)) return HS_SUCCESS;
  }
  hs_error_t rc = compile();
  if (rc == HS_SUCCESS && !file.empty()) store(dir, file, *db);
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
