// The permission catalogue's binary index (manifest/permission_catalog.h): built from the JSON,
// cached by the file's identity and read back with the same answers; a damaged cached index or a
// malformed entry never gives a wrong or out-of-bounds read.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/data_dir.h"
#include "manifest/permission_catalog.h"

using namespace apkvet;
namespace fs = std::filesystem;

namespace {

// A copy of the shipped catalogue and a private cache directory, removed after.
struct CatalogueCopy {
  fs::path dir, json, cache;
  CatalogueCopy() {
    dir = fs::temp_directory_path() / ("apkvet-permissions-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "cache");
    json = dir / "android_permissions.json";
    cache = dir / "cache";
    fs::copy_file(rules_path("permissions/android_permissions.json"), json);
    setenv("APKVET_CACHE_DIR", cache.c_str(), 1);
  }
  ~CatalogueCopy() {
    unsetenv("APKVET_CACHE_DIR");
    fs::remove_all(dir);
  }
  size_t cached_indexes() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(cache)) n += e.path().filename().string().rfind("permissions-", 0) == 0;
    return n;
  }
};

void check_answers(const PermissionCatalog& c) {
  PermissionInfo contacts = c.find("android.permission.READ_CONTACTS");
  CHECK(contacts.known);
  CHECK(contacts.protection_level == "dangerous");
  CHECK(contacts.runtime_group == "android.permission-group.CONTACTS");
  CHECK(contacts.added_api == 4);
  CHECK(c.find("com.google.android.gms.permission.AD_ID").protection_level == "normal");
  CHECK_FALSE(c.find("com.example.NOT_A_PERMISSION").known);
  CHECK_FALSE(c.find("").known);
  CHECK(c.size() > 1000);
}

}  // namespace

TEST_CASE("the permission index is cached once the catalogue is settled, and read back the same") {
  CatalogueCopy copy;
  {
    PermissionCatalog fresh(copy.json.string());  // just written: its times are not trusted yet
    check_answers(fresh);
    CHECK(copy.cached_indexes() == 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  {
    PermissionCatalog built(copy.json.string());
    check_answers(built);
    CHECK(copy.cached_indexes() == 1);
  }
  PermissionCatalog cached(copy.json.string());
  check_answers(cached);
  // An edit gives the file a new identity: the old index is not used for it.
  { std::ofstream(copy.json, std::ios::trunc) << R"({"permissions": {"a.B": {"protection_level": "normal"}}})"; }
  PermissionCatalog edited(copy.json.string());
  CHECK(edited.size() == 1);
  CHECK(edited.find("a.B").protection_level == "normal");
  CHECK_FALSE(edited.find("android.permission.READ_CONTACTS").known);
}

TEST_CASE("a damaged cached index is not trusted: garbage is rebuilt, a cut index answers unknown") {
  CatalogueCopy copy;
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  { PermissionCatalog built(copy.json.string()); }
  REQUIRE(copy.cached_indexes() == 1);
  fs::path index = fs::directory_iterator(copy.cache)->path();
  std::string bytes;
  {
    std::ifstream in(index, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  { std::ofstream(index, std::ios::binary | std::ios::trunc) << std::string(bytes.size(), 'x'); }
  check_answers(PermissionCatalog(copy.json.string()));  // not an index: built again from the JSON
  // Records intact, strings cut off: lookups stay in bounds and find nothing.
  { std::ofstream(index, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() * 2 / 3); }
  PermissionCatalog cut(copy.json.string());
  CHECK_FALSE(cut.find("android.permission.READ_CONTACTS").known);
}

TEST_CASE("a catalogue entry with a field of the wrong type is unknown, the others are read") {
  std::string index = PermissionCatalog::build_index(R"({
    "non_platform_permissions": {"x.NON": {"protection_level": "normal", "added_api": "ignored"},
                                 "x.BOTH": {"protection_level": "signature"}},
    "permissions": {"x.GOOD": {"protection_level": "dangerous", "added_api": 23, "deprecated": true},
                    "x.BAD_LEVEL": {"protection_level": 7},
                    "x.BAD_API": {"protection_level": "normal", "added_api": 2.5},
                    "x.HUGE_API": {"protection_level": "normal", "added_api": 4294967296},
                    "x.BOTH": {"protection_level": "normal", "base_protection": "normal"}}})");
  fs::path file = fs::temp_directory_path() / ("apkvet-catalogue-" + std::to_string(getpid()) + ".json");
  setenv("APKVET_CACHE_DIR", "off", 1);
  {
    std::ofstream(file) << R"({"permissions": {"x.GOOD": {"protection_level": "dangerous", "added_api": 23,
      "deprecated": true}, "x.BAD_LEVEL": {"protection_level": 7}}, "non_platform_permissions": {
      "x.NON": {"protection_level": "normal", "added_api": "ignored"}}})";
  }
  PermissionCatalog c(file.string());
  unsetenv("APKVET_CACHE_DIR");
  fs::remove(file);
  PermissionInfo good = c.find("x.GOOD");
  CHECK(good.known);
  CHECK(good.added_api == 23);
  CHECK(good.deprecated);
  CHECK_FALSE(c.find("x.BAD_LEVEL").known);
  CHECK(c.find("x.NON").known);  // a non-platform entry is known by its protection level only
  CHECK(c.find("x.NON").base_protection == "normal");
  CHECK(c.size() == 2);
  // The index itself: the platform entry wins over a non-platform one of the same name; bad API levels
  // (not an integer, beyond 32 bits) leave the entry out.
  CHECK(index.size() > 16);
  CHECK(index.find("x.BAD_API") == std::string::npos);
  CHECK(index.find("x.HUGE_API") == std::string::npos);
  CHECK(index.find("signature") == std::string::npos);
}
