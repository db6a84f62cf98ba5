// Host names against the Public Suffix List (libpsl with Debian's publicsuffix data): whether a
// name ends in a real top-level domain, its registrable domain, and shared-hosting suffixes.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace apkvet {

// Whether `label` (lower case, no dots) is an ICANN top-level domain ("com", "io", "app").
bool is_icann_tld(std::string_view label);
// The registrable domain of a lower-case host under the ICANN section of the list
// ("api.tiktokv.com" -> "tiktokv.com", "a.b.co.uk" -> "b.co.uk"); nullopt when the host is itself a
// public suffix or its TLD is unknown.
std::optional<std::string> registrable_domain(std::string_view host);
// The longest suffix of `host` in the PSL private section (shared hosting such as "appspot.com",
// "github.io", "firebaseapp.com"), or "" when none.
std::string shared_hosting_suffix(std::string_view host);
// Which list is loaded and its date, for the report ("/usr/share/publicsuffix/public_suffix_list.dafsa", "2023-02-09").
std::string psl_source();
// False when no list could be loaded (libpsl missing or broken): then no host name is recognised.
bool psl_available();
std::string psl_date();

// Syntax only: lower-case labels of [a-z0-9_-], 1..63 bytes, not starting/ending with '-', total <= 253.
bool valid_host_syntax(std::string_view host);

}  // namespace apkvet
