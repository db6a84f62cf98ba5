// Where the data can go: the app's string pool summarised, its endpoints (with owner, jurisdiction,
// first/third party and network-security policy), the false positives set aside, and masked secrets.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "facts/evidence.h"
#include "strings/endpoints.h"
#include "strings/geoip.h"
#include "strings/owners.h"
#include "strings/secrets.h"
#include "strings/string_pool.h"

namespace apkvet {

struct ManifestFacts;
struct NetworkSecurityFacts;

struct StringsOptions {
  std::string geoip_db;  // a MaxMind .mmdb; "" = $APKVET_GEOIP_DB, else Debian's legacy GeoIP.dat
  PoolLimits limits;
  size_t set_aside_limit = 0;  // set-aside values listed per reason; 0 = $APKVET_SET_ASIDE_LIMIT, else 40
};

struct HostSummary {
  std::string host, registrable_domain, shared_hosting, owner, owner_name, jurisdiction, jurisdiction_basis, party,
      party_basis, ip_country;
  std::vector<std::string> jurisdiction_groups, trackers, kinds, schemes, origins;
  bool cleartext = false;  // some endpoint to this host uses a scheme without TLS
  std::optional<bool> cleartext_permitted, pinned;
  uint64_t endpoints = 0;
};

struct StringsFacts {
  bool analyzed = false;
  // The pool
  std::map<std::string, uint64_t> strings_by_origin, files_by_origin;
  uint64_t pool_strings = 0, pool_bytes = 0, truncated_files = 0;
  // What came out of it
  std::vector<Endpoint> endpoints;
  std::vector<HostSummary> hosts;
  std::vector<SetAside> set_aside;
  std::map<std::string, uint64_t> set_aside_counts;
  size_t set_aside_limit = 0;
  std::vector<Secret> secrets;
  std::map<std::string, std::string> first_party_domains;  // registrable domain -> basis
  // Which data answered
  GeoIpInfo geoip;
  std::string psl_source, psl_date;
  std::vector<std::string> rule_files;
  std::string network_security;  // "joined", or why not
};
void to_json(Json& j, const StringsFacts& f);
void to_json(Json& j, const Endpoint& e);
void to_json(Json& j, const Secret& s);

// Builds the pool (DEX strings with their users through `corpus` when given), extracts endpoints
// and secrets, and enriches them. `manifest` (may be null) gives the package and declared hosts;
// `nsc` (may be null) the network security config joined to each endpoint.
// `emulated` (may be null): strings the native libraries produced under the emulator.
StringsFacts analyze_strings(const AppPackage& app, const dex::DexCorpus* corpus, const ManifestFacts* manifest,
                             const NetworkSecurityFacts* nsc, AnomalySink& anomalies, const StringsOptions& options = {},
                             const std::vector<EmulatedString>* emulated = nullptr);

// The same from an already built pool (tests, benchmarks, fuzzing).
StringsFacts analyze_string_pool(const AppStringPool& pool, const FirstPartyHints& hints,
                                 const NetworkSecurityFacts* nsc = nullptr, const StringsOptions& options = {});

// Makes any byte string valid UTF-8 for JSON (invalid bytes become U+FFFD).
std::string clean_utf8(std::string_view s);

}  // namespace apkvet
