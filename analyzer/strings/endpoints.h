// Endpoint extraction: turns pattern hits into validated, normalised, deduplicated URLs, host names,
// IP literals and e-mail addresses, and sets known false-positive families aside with the reason.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "facts/evidence.h"
#include "strings/pattern_scan.h"
#include "strings/string_pool.h"

namespace apkvet {

// Known false-positive families (rules/endpoints/false_positives.json).
struct FalsePositiveRules {
  std::vector<std::pair<std::string, std::string>> url_prefixes;  // (prefix, reason)
  std::map<std::string, std::string> host_suffixes;               // suffix -> reason
  std::set<std::string> package_roots_always, package_roots_if_in_app, file_extensions, common_bare_tlds;
  std::set<std::string> ambiguous_cctlds, bare_host_prefixes, well_known_ips;

  static FalsePositiveRules load(const std::string& path);
  static const FalsePositiveRules& builtin();  // loaded once from the rules directory
  // The family of a host (reserved, documentation, ...), or "".
  std::string host_reason(const std::string& host) const;
  std::string url_reason(const std::string& normalised_url) const;
};

struct Owner {
  std::string id, name, jurisdiction, matched_suffix;
  std::string jurisdiction_source;
  std::vector<std::string> licences;
  bool shared_infrastructure = false;
};

struct TrackerMatch {
  int id = 0;
  std::string name;
  std::vector<std::string> categories;
  std::string owner_name, owner_country, owner_source;
};

struct Endpoint {
  std::string kind;   // "url", "host", "ip", "email"
  std::string value;  // normalised; embedded credentials and keys masked
  std::string scheme;  // url only
  std::string host;    // host name or IP literal (email: its domain)
  uint16_t port = 0;   // url with an explicit non-default port
  bool cleartext = false;  // a scheme without TLS (http, ws, ftp, ...)
  std::string registrable_domain;
  std::string shared_hosting;  // PSL private suffix (appspot.com, github.io, ...)
  std::string ip_scope;        // ip: "public", "private", "link_local", "multicast", "shared"
  std::string ip_country;      // ip: from the GeoIP database

  // Enrichment (owners.cpp)
  std::optional<Owner> owner;
  std::vector<TrackerMatch> trackers;
  std::string jurisdiction, jurisdiction_basis;
  std::vector<std::string> jurisdiction_groups;
  std::string party, party_basis;  // "first"/"third"

  // Network security config join (when the app's config is known)
  std::optional<bool> cleartext_permitted, pinned;
  std::string network_security_basis;

  std::set<std::string> origins;   // string origins it was seen in ("dex", "text", ...)
  std::vector<Evidence> evidence;  // sorted, at most kMaxEvidence
  uint64_t occurrences = 0;
  static constexpr size_t kMaxEvidence = 8;
};

struct SetAside {
  std::string kind, value, reason;
  Evidence evidence;  // the first place it was seen
  uint64_t occurrences = 0;
};

struct ExtractedEndpoints {
  std::vector<Endpoint> endpoints;       // sorted by (kind, value)
  std::vector<SetAside> set_aside;       // sorted by (reason, kind, value), capped per reason
  std::map<std::string, uint64_t> set_aside_counts;  // reason -> distinct values (all, not capped)
  static constexpr size_t kMaxSetAsidePerReason = 40;
};

// Everything the extractor needs to know about the app besides its strings.
struct ExtractContext {
  const FalsePositiveRules* rules = nullptr;
  const std::vector<std::string>* class_names = nullptr;  // sorted dotted class names of the app
  size_t set_aside_limit = ExtractedEndpoints::kMaxSetAsidePerReason;  // listed per reason
};

ExtractedEndpoints extract_endpoints(const AppStringPool& pool, const std::vector<PatternHit>& hits,
                                     const ExtractContext& ctx);

// Masks credentials in a URL: userinfo password, values of secret-named query parameters and
// known key formats ("?key=AIzaSy…").
std::string mask_url_secrets(const std::string& url);

// Helpers shared with secrets.cpp and the tests.
bool is_host_char(char c);
std::string lower_ascii(std::string_view s);

}  // namespace apkvet
