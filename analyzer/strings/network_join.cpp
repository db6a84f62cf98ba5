#include "strings/network_join.h"

#if __has_include("resources/network_security.h")
#include "resources/network_security.h"
#define APKVET_HAVE_NSC 1
#endif

namespace apkvet {

#ifdef APKVET_HAVE_NSC
namespace {

// Android's ApplicationConfig.getConfigForHostname: an exact <domain> match wins; otherwise the
// longest includeSubdomains match; otherwise the base config.
const NscConfig& config_for(const NetworkSecurityFacts& nsc, const std::string& host, std::string& matched) {
  const NscConfig* best = nullptr;
  size_t best_len = 0;
  for (const NscConfig& c : nsc.domain_configs) {
    for (const NscDomain& d : c.domains) {
      if (host == d.name) {
        matched = d.name;
        return c;
      }
      if (d.include_subdomains && host.size() > d.name.size() &&
          host.compare(host.size() - d.name.size(), d.name.size(), d.name) == 0 &&
          host[host.size() - d.name.size() - 1] == '.' && d.name.size() > best_len) {
        best = &c;
        best_len = d.name.size();
        matched = d.name;
      }
    }
  }
  if (best) return *best;
  matched.clear();
  return nsc.base;
}

}  // namespace
#endif

std::string join_network_security(std::vector<Endpoint>& endpoints, const NetworkSecurityFacts* nsc) {
#ifdef APKVET_HAVE_NSC
  if (!nsc) return "not joined: no network security facts in this scan";
  for (Endpoint& e : endpoints) {
    if (e.kind == "email" || e.host.empty()) continue;
    std::string matched;
    const NscConfig& c = config_for(*nsc, e.host, matched);
    e.cleartext_permitted = c.cleartext_permitted;
    bool pinned = c.pin_set && !c.pin_set->pins.empty() && !c.pin_set->expired;
    e.pinned = pinned;
    std::string where = c.path.empty() ? c.kind : c.path;
    e.network_security_basis = matched.empty() ? where : where + " (domain " + matched + ")";
    if (c.pin_set && c.pin_set->expired) e.network_security_basis += "; pins expired";
  }
  return "joined (" + nsc->source + ")";
#else
  (void)endpoints;
  (void)nsc;
  return "not joined: this build has no network security config reader";
#endif
}

}  // namespace apkvet
