#include "strings/geoip.h"

#include <GeoIP.h>
#include <maxminddb.h>

#include <cstdlib>
#include <fstream>
#include <ctime>
#include <map>
#include <mutex>
#include <regex>
#include <sys/stat.h>

#include "core/shared_library.h"

namespace apkvet {

struct GeoIp::Impl {
  bool mmdb_open = false;
  MMDB_s mmdb{};
  GeoIP* v4 = nullptr;
  GeoIP* v6 = nullptr;
  mutable std::mutex legacy_mutex;  // libGeoIP lookups share per-handle state
};

namespace {

// libGeoIP, loaded when Debian's legacy data is first opened (most runs never look up an IP): linked,
// it cost every process its loading and ~100 symbol bindings.
struct LibGeoIp {
  decltype(&GeoIP_open) open = nullptr;
  decltype(&GeoIP_delete) del = nullptr;
  decltype(&GeoIP_database_info) database_info = nullptr;
  decltype(&GeoIP_country_code_by_addr) country_code_by_addr = nullptr;
  decltype(&GeoIP_country_code_by_addr_v6) country_code_by_addr_v6 = nullptr;
};

const LibGeoIp& libgeoip() {
  // APKVET_LIBGEOIP_SONAME is the SONAME of the libGeoIP found at configure time (analyzer/CMakeLists.txt).
  return load_functions<LibGeoIp>(APKVET_LIBGEOIP_SONAME, "libGeoIP", [](const SharedLibrary& so, LibGeoIp& lib) {
    so.resolve(lib.open, "GeoIP_open");
    so.resolve(lib.del, "GeoIP_delete");
    so.resolve(lib.database_info, "GeoIP_database_info");
    so.resolve(lib.country_code_by_addr, "GeoIP_country_code_by_addr");
    so.resolve(lib.country_code_by_addr_v6, "GeoIP_country_code_by_addr_v6");
  });
}

std::string day(time_t t) {
  char buf[16];
  struct tm tm {};
  gmtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

bool exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0;
}

// "GEO-106FREE 20191224 Build 1 Copyright (c) ..." -> ("GEO-106FREE", "2019-12-24")
void legacy_info(GeoIP* gi, GeoIpInfo& info) {
  char* s = libgeoip().database_info(gi);
  if (!s) return;
  std::string text(s);
  free(s);
  std::smatch m;
  if (std::regex_search(text, m, std::regex("^(\\S+) (\\d{4})(\\d{2})(\\d{2})")))
    info.type = m[1], info.date = std::string(m[2]) + "-" + std::string(m[3]) + "-" + std::string(m[4]);
  else
    info.type = text.substr(0, 60);
}

// Debian's geoip-database version says where its data comes from: "20230203+really20191224-0+deb12u1"
// is a rebuild of the 2019-12-24 data (the last release before MaxMind's licence change), although
// the file's own header carries the rebuild date.
void debian_package_date(GeoIpInfo& info) {
  std::ifstream status("/var/lib/dpkg/status");
  std::string line;
  bool in_pkg = false;
  while (std::getline(status, line)) {
    if (line.rfind("Package: ", 0) == 0) in_pkg = line == "Package: geoip-database";
    else if (in_pkg && line.rfind("Version: ", 0) == 0) {
      std::string v = line.substr(9);
      std::smatch m;
      if (std::regex_search(v, m, std::regex("really(\\d{4})(\\d{2})(\\d{2})")) ||
          std::regex_search(v, m, std::regex("^(\\d{4})(\\d{2})(\\d{2})")))
        info.data_date = std::string(m[1]) + "-" + std::string(m[2]) + "-" + std::string(m[3]);
      info.note = "Debian geoip-database " + v + ": data of " + info.data_date +
                  " (the file header shows the package rebuild date); countries of IP literals may be out of date";
      return;
    }
  }
}

}  // namespace

GeoIp::GeoIp(const std::string& mmdb_path) : impl_(std::make_unique<Impl>()) {
  std::string path = mmdb_path;
  if (path.empty())
    if (const char* env = std::getenv("APKVET_GEOIP_DB"); env && *env) path = env;
  if (!path.empty()) {
    int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &impl_->mmdb);
    if (rc == MMDB_SUCCESS) {
      impl_->mmdb_open = true;
      info_ = GeoIpInfo{};
      info_.kind = "mmdb";
      info_.path = path;
      info_.type = impl_->mmdb.metadata.database_type ? impl_->mmdb.metadata.database_type : "";
      info_.date = day(static_cast<time_t>(impl_->mmdb.metadata.build_epoch));
      return;
    }
    info_.error = path + ": " + MMDB_strerror(rc) + "; falling back to Debian geoip-database";
  }
  const std::string v4 = "/usr/share/GeoIP/GeoIP.dat", v6 = "/usr/share/GeoIP/GeoIPv6.dat";
  if (exists(v4) || exists(v6)) {
    try {
      // Mapped, not read into memory: GEOIP_MEMORY_CACHE copied both files (10 MB) into the heap of
      // every scan, and a batch's parent then had the pages of that copy duplicated for each worker.
      const LibGeoIp& geoip = libgeoip();
      if (exists(v4)) impl_->v4 = geoip.open(v4.c_str(), GEOIP_MMAP_CACHE | GEOIP_SILENCE);
      if (exists(v6)) impl_->v6 = geoip.open(v6.c_str(), GEOIP_MMAP_CACHE | GEOIP_SILENCE);
    } catch (const std::exception& e) {
      info_.error += (info_.error.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  if (impl_->v4 || impl_->v6) {
    std::string error = info_.error;
    info_ = GeoIpInfo{};
    info_.kind = "legacy-geoip";
    info_.path = impl_->v6 ? v4 + ", " + v6 : v4;
    info_.error = error;
    legacy_info(impl_->v4 ? impl_->v4 : impl_->v6, info_);
    debian_package_date(info_);
    return;
  }
  info_.kind = "none";
  if (info_.error.empty()) info_.error = "no GeoIP database: install geoip-database or pass --geoip-db FILE.mmdb";
}

GeoIp::~GeoIp() {
  if (impl_->mmdb_open) MMDB_close(&impl_->mmdb);
  if (impl_->v4) libgeoip().del(impl_->v4);
  if (impl_->v6) libgeoip().del(impl_->v6);
}

const GeoIp& GeoIp::get(const std::string& mmdb_path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<GeoIp>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[mmdb_path];
  if (!slot) slot.reset(new GeoIp(mmdb_path));
  return *slot;
}

std::string GeoIp::country(const std::string& ip) const {
  if (impl_->mmdb_open) {
    int gai = 0, err = 0;
    MMDB_lookup_result_s r = MMDB_lookup_string(const_cast<MMDB_s*>(&impl_->mmdb), ip.c_str(), &gai, &err);
    if (gai != 0 || err != MMDB_SUCCESS || !r.found_entry) return "";
    MMDB_entry_data_s data{};
    if (MMDB_get_value(&r.entry, &data, "country", "iso_code", nullptr) != MMDB_SUCCESS || !data.has_data ||
        data.type != MMDB_DATA_TYPE_UTF8_STRING)
      if (MMDB_get_value(&r.entry, &data, "registered_country", "iso_code", nullptr) != MMDB_SUCCESS || !data.has_data ||
          data.type != MMDB_DATA_TYPE_UTF8_STRING)
        return "";
    return std::string(data.utf8_string, data.data_size);
  }
  std::lock_guard<std::mutex> lock(impl_->legacy_mutex);
  const char* cc = nullptr;
  if (ip.find(':') != std::string::npos) {
    if (impl_->v6) cc = libgeoip().country_code_by_addr_v6(impl_->v6, ip.c_str());
  } else if (impl_->v4) {
    cc = libgeoip().country_code_by_addr(impl_->v4, ip.c_str());
  }
  if (!cc) return "";
  std::string code(cc);
  if (code == "--" || code == "A1" || code == "A2" || code == "AP" || code == "EU") return "";  // not a country
  return code;
}

}  // namespace apkvet
