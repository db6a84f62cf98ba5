#include "strings/strings_facts.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/utf8.h"
#include "manifest/manifest_facts.h"
#include "strings/domain.h"
#include "strings/network_join.h"

namespace apkvet {

std::string clean_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    if (n == 1 && c < 0x20 && c != '\t') {
      out += ' ';  // control characters: keep the text readable in one line
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

namespace {

Json evidence_json(const Evidence& e) {
  return Json{{"file", clean_utf8(e.file)}, {"location", clean_utf8(e.location)}, {"value", clean_utf8(e.value)}};
}

Json evidence_list(const std::vector<Evidence>& evs) {
  Json a = Json::array();
  for (const auto& e : evs) a.push_back(evidence_json(e));
  return a;
}

void put_optional_bool(Json& j, const char* key, const std::optional<bool>& v) {
  j[key] = v ? Json(*v) : Json(nullptr);
}

std::vector<std::string> declared_hosts(const ManifestFacts* manifest) {
  std::vector<std::string> out;
  if (!manifest || !manifest->xml) return out;
  for (auto node : manifest->xml->select_nodes("//intent-filter/data[@android:host]"))
    out.push_back(node.node().attribute("android:host").value());
  return out;
}

std::vector<HostSummary> summarise_hosts(const std::vector<Endpoint>& endpoints) {
  std::map<std::string, HostSummary> by_host;
  std::map<std::string, std::set<std::string>> kinds, schemes, origins, trackers;
  for (const Endpoint& e : endpoints) {
    if (e.host.empty()) continue;
    HostSummary& h = by_host[e.host];
    if (h.host.empty()) {
      h.host = e.host;
      h.registrable_domain = e.registrable_domain;
      h.shared_hosting = e.shared_hosting;
      if (e.owner) h.owner = e.owner->id, h.owner_name = e.owner->name;
      h.jurisdiction = e.jurisdiction;
      h.jurisdiction_basis = e.jurisdiction_basis;
      h.jurisdiction_groups = e.jurisdiction_groups;
      h.party = e.party;
      h.party_basis = e.party_basis;
      h.ip_country = e.ip_country;
      h.cleartext_permitted = e.cleartext_permitted;
      h.pinned = e.pinned;
    }
    ++h.endpoints;
    h.cleartext = h.cleartext || e.cleartext;
    kinds[e.host].insert(e.kind);
    if (!e.scheme.empty()) schemes[e.host].insert(e.scheme);
    origins[e.host].insert(e.origins.begin(), e.origins.end());
    for (const auto& t : e.trackers) trackers[e.host].insert(t.name);
  }
  std::vector<HostSummary> out;
  for (auto& [host, h] : by_host) {
    h.kinds.assign(kinds[host].begin(), kinds[host].end());
    h.schemes.assign(schemes[host].begin(), schemes[host].end());
    h.origins.assign(origins[host].begin(), origins[host].end());
    h.trackers.assign(trackers[host].begin(), trackers[host].end());
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace

void to_json(Json& j, const Endpoint& e) {
  j = Json{{"kind", e.kind},
           {"value", clean_utf8(e.value)},
           {"host", e.host},
           {"cleartext", e.cleartext},
           {"party", e.party},
           {"party_basis", e.party_basis},
           {"jurisdiction", e.jurisdiction.empty() ? Json(nullptr) : Json(e.jurisdiction)},
           {"origins", std::vector<std::string>(e.origins.begin(), e.origins.end())},
           {"occurrences", e.occurrences},
           {"evidence", evidence_list(e.evidence)}};
  if (!e.scheme.empty()) j["scheme"] = e.scheme;
  if (e.port) j["port"] = e.port;
  if (!e.registrable_domain.empty()) j["registrable_domain"] = e.registrable_domain;
  if (!e.shared_hosting.empty()) j["shared_hosting"] = e.shared_hosting;
  if (!e.ip_scope.empty()) j["ip_scope"] = e.ip_scope;
  if (!e.ip_scope.empty() && e.ip_scope == "public") j["ip_country"] = e.ip_country.empty() ? Json(nullptr) : Json(e.ip_country);
  if (!e.jurisdiction.empty()) {
    j["jurisdiction_basis"] = e.jurisdiction_basis;
    j["jurisdiction_groups"] = e.jurisdiction_groups;
  }
  if (e.owner) {
    j["owner"] = Json{{"id", e.owner->id},
                      {"name", e.owner->name},
                      {"jurisdiction", e.owner->jurisdiction.empty() ? Json(nullptr) : Json(e.owner->jurisdiction)},
                      {"matched_suffix", e.owner->matched_suffix},
                      {"licences", e.owner->licences}};
    if (e.owner->shared_infrastructure) j["owner"]["shared_infrastructure"] = true;
  }
  if (!e.trackers.empty()) {
    Json t = Json::array();
    for (const auto& m : e.trackers) {
      Json x{{"id", m.id}, {"name", m.name}, {"categories", m.categories}, {"source", "exodus"}};
      if (!m.owner_name.empty()) x["owner"] = m.owner_name;
      if (!m.owner_country.empty()) x["owner_country"] = m.owner_country;
      t.push_back(std::move(x));
    }
    j["trackers"] = std::move(t);
  }
  if (e.kind == "url" || e.kind == "host" || e.kind == "ip") {
    Json ns;
    put_optional_bool(ns, "cleartext_permitted", e.cleartext_permitted);
    put_optional_bool(ns, "pinned", e.pinned);
    ns["basis"] = e.network_security_basis;
    j["network_security"] = std::move(ns);
  }
}

void to_json(Json& j, const Secret& s) {
  j = Json{{"type", s.type},       {"masked", clean_utf8(s.masked)}, {"length", s.length},
           {"fingerprint", s.fingerprint}, {"confidence", s.confidence},   {"occurrences", s.occurrences},
           {"origins", std::vector<std::string>(s.origins.begin(), s.origins.end())},
           {"evidence", evidence_list(s.evidence)}};
  if (!s.name.empty()) j["name"] = clean_utf8(s.name);
  if (!s.note.empty()) j["note"] = s.note;
}

void to_json(Json& j, const StringsFacts& f) {
  j = Json{{"analyzed", f.analyzed}};
  if (!f.analyzed) return;
  j["pool"] = Json{{"strings", f.pool_strings},
                   {"bytes", f.pool_bytes},
                   {"strings_by_origin", f.strings_by_origin},
                   {"files_by_origin", f.files_by_origin},
                   {"truncated_files", f.truncated_files}};
  j["endpoints"] = f.endpoints;
  Json hosts = Json::array();
  for (const auto& h : f.hosts) {
    Json x{{"host", h.host},
           {"party", h.party},
           {"party_basis", h.party_basis},
           {"kinds", h.kinds},
           {"schemes", h.schemes},
           {"origins", h.origins},
           {"cleartext", h.cleartext},
           {"endpoints", h.endpoints},
           {"jurisdiction", h.jurisdiction.empty() ? Json(nullptr) : Json(h.jurisdiction)}};
    if (!h.registrable_domain.empty()) x["registrable_domain"] = h.registrable_domain;
    if (!h.shared_hosting.empty()) x["shared_hosting"] = h.shared_hosting;
    if (!h.owner.empty()) x["owner"] = h.owner, x["owner_name"] = h.owner_name;
    if (!h.jurisdiction.empty()) x["jurisdiction_basis"] = h.jurisdiction_basis, x["jurisdiction_groups"] = h.jurisdiction_groups;
    if (!h.trackers.empty()) x["trackers"] = h.trackers;
    if (!h.ip_country.empty()) x["ip_country"] = h.ip_country;
    put_optional_bool(x, "cleartext_permitted", h.cleartext_permitted);
    put_optional_bool(x, "pinned", h.pinned);
    hosts.push_back(std::move(x));
  }
  j["hosts"] = std::move(hosts);
  Json aside = Json::array();
  for (const auto& a : f.set_aside)
    aside.push_back(Json{{"kind", a.kind}, {"value", clean_utf8(a.value)}, {"reason", a.reason},
                         {"occurrences", a.occurrences}, {"evidence", evidence_json(a.evidence)}});
  j["set_aside"] = std::move(aside);
  j["set_aside_counts"] = f.set_aside_counts;
  j["set_aside_listed_per_reason"] = f.set_aside_limit;
  j["secrets"] = f.secrets;
  j["first_party_domains"] = f.first_party_domains;
  j["data_sources"] = Json{{"geoip", Json{{"kind", f.geoip.kind}, {"path", f.geoip.path}, {"type", f.geoip.type},
                                          {"date", f.geoip.date}, {"data_date", f.geoip.data_date},
                                          {"note", f.geoip.note}, {"error", f.geoip.error}}},
                           {"public_suffix_list", Json{{"source", f.psl_source}, {"date", f.psl_date}}},
                           {"rules", f.rule_files},
                           {"network_security", f.network_security}};
}

StringsFacts analyze_string_pool(const AppStringPool& pool, const FirstPartyHints& hints, const NetworkSecurityFacts* nsc,
                                 const StringsOptions& options) {
  StringsFacts f;
  f.analyzed = true;
  for (const auto& s : pool.sources()) ++f.files_by_origin[to_string(s.origin)];
  // Counted per source, then per origin: a map lookup per string cost as much as a pattern scan.
  std::vector<uint64_t> per_source(pool.sources().size());
  for (const auto& s : pool.strings()) ++per_source[s.source];
  for (size_t i = 0; i < per_source.size(); ++i)
    if (per_source[i]) f.strings_by_origin[to_string(pool.sources()[i].origin)] += per_source[i];
  f.pool_strings = pool.strings().size();
  f.pool_bytes = pool.bytes();
  f.truncated_files = pool.truncated_files;

  std::vector<PatternHit> hits = scan_pool(pool);
  ExtractContext ctx;
  ctx.rules = &FalsePositiveRules::builtin();
  ctx.class_names = &pool.class_packages;
  ctx.set_aside_limit = options.set_aside_limit;
  if (!ctx.set_aside_limit) {
    const char* env = std::getenv("APKVET_SET_ASIDE_LIMIT");
    ctx.set_aside_limit = env && *env ? std::strtoull(env, nullptr, 10) : ExtractedEndpoints::kMaxSetAsidePerReason;
  }
  f.set_aside_limit = ctx.set_aside_limit;
  ExtractedEndpoints ex = extract_endpoints(pool, hits, ctx);

  auto rules = OwnerRules::builtin();
  const GeoIp& geoip = GeoIp::get(options.geoip_db);
  f.first_party_domains = first_party_domains(hints);
  enrich_endpoints(ex.endpoints, *rules, geoip, f.first_party_domains);

  f.network_security = join_network_security(ex.endpoints, nsc);
  f.secrets = find_secrets(pool, hits, ex.endpoints);
  f.endpoints = std::move(ex.endpoints);
  f.set_aside = std::move(ex.set_aside);
  f.set_aside_counts = std::move(ex.set_aside_counts);
  f.hosts = summarise_hosts(f.endpoints);
  f.geoip = geoip.info();
  f.psl_source = psl_source();
  f.psl_date = psl_date();
  f.rule_files = rules->files();
  f.rule_files.push_back("endpoints/false_positives.json");
  std::sort(f.rule_files.begin(), f.rule_files.end());
  return f;
}

StringsFacts analyze_strings(const AppPackage& app, const dex::DexCorpus* corpus, const ManifestFacts* manifest,
                             const NetworkSecurityFacts* nsc, AnomalySink& anomalies, const StringsOptions& options,
                             const std::vector<EmulatedString>* emulated) {
  AppStringPool pool(options.limits);
  build_string_pool(app, corpus, pool, anomalies);
  if (emulated) add_emulated_strings(*emulated, pool);
  if (pool.truncated_files)
    anomalies.add("strings.file_truncated", Severity::low,
                  std::to_string(pool.truncated_files) + " file(s) were scanned for strings only up to the size limit",
                  {app.path(), "", ""});
  if (pool.full())
    anomalies.add("strings.pool_full", Severity::medium, "the string pool reached its size limit; later files were not scanned",
                  {app.path(), "", ""});
  FirstPartyHints hints;
  if (manifest) hints.package = manifest->package;
  hints.declared_hosts = declared_hosts(manifest);
  StringsFacts f = analyze_string_pool(pool, hints, nsc, options);
  // Reference data this machine could not load: the anomalies say what was not judged, so an
  // incomplete analysis never looks like a clean one (rule SCAN-INCOMPLETE sends it to review).
  if (!psl_available())
    anomalies.add("strings.public_suffix_list_unavailable", Severity::high,
                  "No public suffix list (" + f.psl_source.substr(f.psl_source.find(' ') + 1) +
                      "): host names cannot be told from other dotted strings, so no domain endpoint was found",
                  {app.path(), "", ""});
  size_t public_ips = 0;
  for (const auto& e : f.endpoints) public_ips += e.kind == "ip" && e.ip_scope == "public";
  if (public_ips && f.geoip.kind == "none")
    anomalies.add("strings.geoip_unavailable", Severity::medium,
                  "No GeoIP data (" + f.geoip.error + "): the countries of " + std::to_string(public_ips) +
                      " public IP address endpoint(s) are unknown",
                  {app.path(), "", ""});
  return f;
}

}  // namespace apkvet
