// The on-disk cache of compiled Hyperscan databases: a second compile of the same patterns loads the
// stored database and matches exactly as a fresh one; a damaged cache file is recompiled over.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <unistd.h>

#include "core/hyperscan_cache.h"

namespace fs = std::filesystem;

namespace {

std::vector<unsigned> matches(hs_database_t* db, const std::string& text) {
  hs_scratch_t* scratch = nullptr;
  REQUIRE(hs_alloc_scratch(db, &scratch) == HS_SUCCESS);
  std::vector<unsigned> ids;
  hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
          [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
            static_cast<std::vector<unsigned>*>(ctx)->push_back(id);
            return 0;
          },
          &ids);
  hs_free_scratch(scratch);
  return ids;
}

hs_database_t* compile(const std::vector<const char*>& exprs) {
  std::vector<unsigned> flags(exprs.size(), HS_FLAG_SINGLEMATCH), ids;
  for (unsigned i = 0; i < exprs.size(); ++i) ids.push_back(i + 10);
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  REQUIRE(apkvet::compile_multi_cached(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                                       HS_MODE_BLOCK, &db, &err) == HS_SUCCESS);
  return db;
}

std::vector<fs::path> cache_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

}  // namespace

TEST_CASE("compiled databases are stored, reloaded, and recompiled when damaged") {
  fs::path dir = fs::temp_directory_path() / ("apkvet-hs-cache-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  setenv("APKVET_CACHE_DIR", dir.c_str(), 1);
  const std::vector<const char*> exprs = {"graph\\.facebook\\.com", "tiktokv\\.com", "^Lcom/appsflyer/"};
  const std::string text = "https://graph.facebook.com/v12 and log.tiktokv.com";

  hs_database_t* fresh = compile(exprs);
  REQUIRE(cache_files(dir).size() == 1);
  const fs::path stored = cache_files(dir)[0];
  CHECK(fs::file_size(stored) > 0);
  CHECK(matches(fresh, text) == std::vector<unsigned>{10, 11});

  hs_database_t* loaded = compile(exprs);  // from the file
  CHECK(matches(loaded, text) == std::vector<unsigned>{10, 11});
  CHECK(cache_files(dir).size() == 1);

  // Other patterns get their own entry: the key covers the expressions.
  hs_database_t* other = compile({"appsflyer"});
  CHECK(cache_files(dir).size() == 2);
  CHECK(matches(other, text).empty());

  // A damaged file is not trusted: the database is compiled again and still matches.
  { std::ofstream(stored, std::ios::binary | std::ios::trunc) << "not a database"; }
  hs_database_t* recompiled = compile(exprs);
  CHECK(matches(recompiled, text) == std::vector<unsigned>{10, 11});
  CHECK(fs::file_size(stored) > 100);  // rewritten

  for (auto* db : {fresh, loaded, other, recompiled}) hs_free_database(db);
  unsetenv("APKVET_CACHE_DIR");
  fs::remove_all(dir);
}
