// Joins endpoints to the app's network security config: for each host, whether cleartext is
// permitted and whether certificate pins govern it, by the config Android would apply to that host.
#pragma once
#include <string>
#include <vector>

#include "strings/endpoints.h"

namespace apkvet {

struct NetworkSecurityFacts;

// Sets cleartext_permitted / pinned / network_security_basis on every URL, host and IP endpoint.
// Returns a one-line status for the report ("joined (network-security-config)", ...).
std::string join_network_security(std::vector<Endpoint>& endpoints, const NetworkSecurityFacts* nsc);

}  // namespace apkvet
