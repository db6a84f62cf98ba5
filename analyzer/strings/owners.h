// Who operates an endpoint and under which jurisdiction: owner rules (rules/endpoints/owners.json,
// longest suffix), Exodus tracker network signatures (rules/endpoints/trackers.json), country groups
// (rules/jurisdictions/*.json), GeoIP for IP literals, and the first-/third-party decision.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/hyperscan_database.h"
#include "strings/endpoints.h"
#include "strings/geoip.h"

namespace apkvet {

class OwnerRules {
 public:
  // Loads owners.json, trackers.json and every rules/jurisdictions/*.json under `rules_dir`.
  static std::shared_ptr<const OwnerRules> load(const std::string& rules_dir);
  static std::shared_ptr<const OwnerRules> builtin();  // from rules_dir(), loaded once
  ~OwnerRules();

  std::optional<Owner> owner_of(const std::string& host) const;  // longest matching suffix
  std::vector<TrackerMatch> trackers_of(const std::string& host) const;
  std::vector<std::string> groups_of(const std::string& country) const;  // sorted group ids

  struct Group {
    std::string title;
    std::map<std::string, std::string> basis;  // country -> basis text
  };
  const std::map<std::string, Group>& groups() const { return groups_; }
  size_t domain_count() const { return domains_.size(); }
  size_t tracker_count() const { return trackers_.size(); }
  const std::vector<std::string>& files() const { return files_; }

 private:
  OwnerRules() = default;
  struct DomainRow {
    std::string owner;
    std::vector<std::string> licences;
    bool shared = false;
  };
  struct OwnerRow {
    std::string name, jurisdiction, source;
  };
  std::map<std::string, DomainRow> domains_;
  std::map<std::string, OwnerRow> owners_;
  std::vector<TrackerMatch> trackers_;
  std::map<std::string, Group> groups_;
  std::vector<std::string> files_;
  HyperscanDatabase tracker_db_;  // every tracker's network signature
};

// What makes an endpoint first-party (documented in rules/endpoints/README.md).
struct FirstPartyHints {
  std::string package;                     // manifest package ("com.example.app")
  std::vector<std::string> declared_hosts;  // intent-filter <data android:host>
  std::vector<std::string> signer_domains;  // domains from the signing certificates' subjects
};

// The registrable domains that count as the app's own, each with why.
std::map<std::string, std::string> first_party_domains(const FirstPartyHints& hints);

// Fills owner, trackers, jurisdiction (+groups), IP country and party of every endpoint.
void enrich_endpoints(std::vector<Endpoint>& endpoints, const OwnerRules& rules, const GeoIp& geoip,
                      const std::map<std::string, std::string>& first_party);

}  // namespace apkvet
