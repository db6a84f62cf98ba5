// The app's network security: the network security config (res/xml/..., android:networkSecurityConfig)
// interpreted the way Android's XmlConfigSource reads it, or the platform defaults the manifest implies.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "archive/app_package.h"
#include "facts/evidence.h"
#include "resources/resource_table.h"

namespace apkvet {

// What the interpretation needs from the manifest (filled by scan from ManifestFacts).
struct NetworkSecurityInputs {
  std::optional<uint32_t> config_resource;     // android:networkSecurityConfig
  std::optional<bool> uses_cleartext_traffic;  // android:usesCleartextTraffic as written
  int target_sdk = 1;                          // as Android applies it
  bool debuggable = false;                     // android:debuggable: debug-overrides apply
  std::string scan_date;                       // "YYYY-MM-DD": pins expiring on or before it are expired
  std::string manifest_file = "AndroidManifest.xml";  // evidence path
};

struct NscCertificates {  // <certificates> of a <trust-anchors>
  std::string source;     // "system", "user", or "@0x7f.." (a certificate resource)
  std::optional<std::string> file;  // the certificate file of a resource source (res/raw/...)
  bool override_pins = false;
  bool from_debug_overrides = false;
  Evidence evidence;
};

struct NscPin {
  std::string digest_algorithm;  // SHA-256
  std::string digest;            // base64 as written
};

struct NscPinSet {
  std::optional<std::string> expiration;  // yyyy-MM-dd as written
  bool expired = false;                   // relative to the scan date: Android stops enforcing the pins
  std::vector<NscPin> pins;
  Evidence evidence;
};

struct NscDomain {
  std::string name;  // lower-cased, as Android compares it
  bool include_subdomains = false;
  Evidence evidence;
};

// One configuration: the base, one domain-config (nested ones are listed flat with their own path),
// debug-overrides, or the platform defaults when no config is given. Values are effective (after
// inheritance: domain-config -> enclosing domain-config -> base-config -> platform defaults).
struct NscConfig {
  std::string kind;  // base-config | domain-config | debug-overrides | platform-default
  std::string path;  // element path, e.g. network-security-config/domain-config[2]/domain-config[1]
  std::vector<NscDomain> domains;
  std::optional<bool> cleartext_declared;
  bool cleartext_permitted = false;
  std::string cleartext_source;  // where the effective value comes from (a path, or "platform default ...")
  std::vector<NscCertificates> trust_anchors;  // effective, release build
  bool trusts_user_cas = false;
  std::optional<NscPinSet> pin_set;  // effective
  Evidence evidence;
};

struct NscPinning {  // derived: pins that govern some domains
  std::vector<std::string> domains;
  std::optional<std::string> expiration;
  bool expired = false;
  size_t pins = 0;
  bool overridable = false;  // an effective trust anchor has overridePins="true"
  Evidence evidence;
};

struct NetworkSecurityFacts {
  std::string source = "platform-default";  // network-security-config | platform-default
  int target_sdk = 1;
  bool debuggable = false;
  std::optional<bool> uses_cleartext_traffic;  // as written in the manifest
  std::optional<std::string> config_resource;  // "@0x7f...", with its name when known
  Evidence config;                             // the config file (res/xml/...)
  bool config_valid = true;                    // false: Android's parser throws on it
  std::vector<std::string> config_errors;
  NscConfig base;
  std::vector<NscConfig> domain_configs;
  std::optional<NscConfig> debug_overrides;  // as written; applies only when debuggable
  bool debug_overrides_apply = false;

  // Derived, for rules and reports.
  bool cleartext_permitted_globally = false;
  std::vector<NscDomain> cleartext_domains;         // domains whose config permits cleartext
  std::vector<NscDomain> cleartext_denied_domains;  // domains whose config forbids it
  bool user_ca_trusted = false;                     // a release config trusts user-installed CAs
  std::vector<std::string> user_ca_domains;         // domains whose config does ("*" for the base)
  bool user_ca_trusted_debug_only = false;          // only debug-overrides trust them
  std::vector<NscPinning> pins;
  bool has_expired_pins = false;
};
void to_json(Json& j, const NscDomain& d);
void to_json(Json& j, const NscCertificates& c);
void to_json(Json& j, const NscConfig& c);
void to_json(Json& j, const NetworkSecurityFacts& f);

// Interprets a decoded network security config document (`file` names it in evidence). When
// `debug_doc` is given it is the `<name>_debug` resource Android reads for debug builds.
NetworkSecurityFacts interpret_network_security_config(const pugi::xml_document& doc, const std::string& file,
                                                       const NetworkSecurityInputs& in, AnomalySink& anomalies,
                                                       const ResourceTable* table = nullptr,
                                                       const pugi::xml_document* debug_doc = nullptr,
                                                       const std::string& debug_file = "");

// The facts for an app: reads and decodes the config named by the manifest, or applies the defaults.
NetworkSecurityFacts analyze_network_security(const AppPackage& app, const ResourceTable* table,
                                              const NetworkSecurityInputs& in, AnomalySink& anomalies);

// "YYYY-MM-DD" (UTC) of a Unix time, for NetworkSecurityInputs::scan_date.
std::string utc_date(int64_t unix_time);

}  // namespace apkvet
