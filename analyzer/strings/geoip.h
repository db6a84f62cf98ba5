// Country of an IP literal from an offline database: a user-supplied MaxMind DB (libmaxminddb;
// --geoip-db / $APKVET_GEOIP_DB), else Debian's geoip-database (legacy GeoIP.dat via libGeoIP).
#pragma once
#include <memory>
#include <string>

namespace apkvet {

struct GeoIpInfo {
  std::string kind;   // "mmdb", "legacy-geoip", "none"
  std::string path;   // the database file(s)
  std::string type;   // database type as the file says ("GeoLite2-Country", "GEO-106FREE")
  std::string date;   // build date the file states, YYYY-MM-DD
  std::string data_date;  // date of the underlying data when known to differ (Debian's "really" versions)
  std::string note;
  std::string error;  // why no database is in use
};

class GeoIp {
 public:
  // The database for `mmdb_path` ("" = $APKVET_GEOIP_DB, else the Debian legacy files). Opened
  // once per path per process; thread-safe.
  static const GeoIp& get(const std::string& mmdb_path = "");
  ~GeoIp();

  const GeoIpInfo& info() const { return info_; }
  // ISO 3166-1 alpha-2 code, or "" when unknown.
  std::string country(const std::string& ip) const;

 private:
  explicit GeoIp(const std::string& mmdb_path);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  GeoIpInfo info_;
};

}  // namespace apkvet
