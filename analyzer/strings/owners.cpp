#include "strings/owners.h"

#include <hs/hs.h>

#include "core/hyperscan_cache.h"

#include <algorithm>
#include <filesystem>

#include "core/data_dir.h"
#include "strings/domain.h"

namespace apkvet {

// Exodus network signatures compiled into one Hyperscan database (one pass per host).
OwnerRules::~OwnerRules() = default;

std::shared_ptr<const OwnerRules> OwnerRules::load(const std::string& dir) {
  std::shared_ptr<OwnerRules> r(new OwnerRules);
  std::string owners_file = dir + "/endpoints/owners.json", trackers_file = dir + "/endpoints/trackers.json";
  Json owners = Json::parse(read_text_file(owners_file));
  r->files_.push_back("endpoints/owners.json");
  for (auto& [id, o] : owners.at("owners").items()) {
    OwnerRow row;
    row.name = o.value("name", "");
    if (o.contains("home_jurisdiction") && o["home_jurisdiction"].is_string()) row.jurisdiction = o["home_jurisdiction"];
    row.source = o.value("jurisdiction_source", "");
    r->owners_[id] = row;
  }
  for (auto& d : owners.at("domains")) {
    DomainRow row;
    row.owner = d.at("owner");
    std::set<std::string> lic;
    for (auto& s : d.at("sources")) lic.insert(s.at("licence").get<std::string>());
    row.licences.assign(lic.begin(), lic.end());
    row.shared = d.value("shared_infrastructure", false);
    r->domains_[d.at("suffix")] = row;
  }

  Json trackers = Json::parse(read_text_file(trackers_file));
  r->files_.push_back("endpoints/trackers.json");
  std::vector<std::string> regexes;
  for (auto& t : trackers.at("trackers")) {
    TrackerMatch m;
    m.id = t.at("id");
    m.name = t.at("name");
    for (auto& c : t.value("categories", Json::array())) m.categories.push_back(c);
    if (t.contains("owner")) {
      const Json& o = t["owner"];
      if (o.contains("name") && o["name"].is_string()) m.owner_name = o["name"];
      if (o.contains("country") && o["country"].is_string()) m.owner_country = o["country"];
      m.owner_source = o.value("source", "");
    }
    r->trackers_.push_back(m);
    regexes.push_back(t.at("network_signature"));
  }
  // One database for every network signature. If Hyperscan refuses one of them, compile each alone
  // to find the ones it accepts, so one incompatible regex cannot disable the rest.
  const unsigned kFlags = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
  auto compile = [&](const std::vector<size_t>& which) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (size_t i : which) {
      exprs.push_back(regexes[i].c_str());
      flags.push_back(kFlags);
      ids.push_back(static_cast<unsigned>(i));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (exprs.empty()) return db;
    if (compile_multi_cached(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                             HS_MODE_BLOCK, &db, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      return static_cast<hs_database_t*>(nullptr);
    }
    return db;
  };
  std::vector<size_t> all(regexes.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  hs_database_t* db = compile(all);
  if (!db && !all.empty()) {
    std::vector<size_t> accepted;
    for (size_t i : all) {
      hs_database_t* probe = nullptr;
      hs_compile_error_t* err = nullptr;
      if (hs_compile(regexes[i].c_str(), kFlags, HS_MODE_BLOCK, nullptr, &probe, &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        continue;
      }
      hs_free_database(probe);
      accepted.push_back(i);
    }
    db = compile(accepted);
  }
  r->tracker_db_ = HyperscanDatabase(db);

  namespace fs = std::filesystem;
  std::vector<fs::path> group_files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir + "/jurisdictions", ec))
    if (e.path().extension() == ".json") group_files.push_back(e.path());
  std::sort(group_files.begin(), group_files.end());
  for (const auto& f : group_files) {
    Json j = Json::parse(read_text_file(f.string()));
    r->files_.push_back("jurisdictions/" + f.filename().string());
    for (auto& [id, g] : j.at("groups").items()) {
      Group& group = r->groups_[id];
      if (group.title.empty()) group.title = g.value("title", id);
      for (auto& [cc, c] : g.at("countries").items()) group.basis[cc] = c.value("basis", "");
    }
  }
  return r;
}

std::shared_ptr<const OwnerRules> OwnerRules::builtin() {
  static std::shared_ptr<const OwnerRules> rules = load(rules_dir());
  return rules;
}

std::optional<Owner> OwnerRules::owner_of(const std::string& host) const {
  for (size_t pos = 0; pos != std::string::npos;) {
    std::string suffix = host.substr(pos);
    if (auto it = domains_.find(suffix); it != domains_.end()) {
      Owner o;
      o.id = it->second.owner;
      o.matched_suffix = suffix;
      o.licences = it->second.licences;
      o.shared_infrastructure = it->second.shared;
      if (auto ow = owners_.find(o.id); ow != owners_.end()) {
        o.name = ow->second.name;
        o.jurisdiction = ow->second.jurisdiction;
        o.jurisdiction_source = ow->second.source;
      }
      return o;
    }
    pos = host.find('.', pos);
    if (pos != std::string::npos) ++pos;
  }
  return std::nullopt;
}

namespace {
int on_tracker(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
  static_cast<std::vector<unsigned>*>(ctx)->push_back(id);
  return 0;
}
}  // namespace

std::vector<TrackerMatch> OwnerRules::trackers_of(const std::string& host) const {
  std::vector<TrackerMatch> out;
  if (!tracker_db_ || host.empty()) return out;
  std::vector<unsigned> ids;
  tracker_db_.scan(host, tracker_db_.scratch(), on_tracker, &ids);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (unsigned i : ids) out.push_back(trackers_[i]);
  std::sort(out.begin(), out.end(), [](const TrackerMatch& a, const TrackerMatch& b) { return a.id < b.id; });
  return out;
}

std::vector<std::string> OwnerRules::groups_of(const std::string& country) const {
  std::vector<std::string> out;
  for (const auto& [id, g] : groups_)
    if (g.basis.count(country)) out.push_back(id);
  return out;
}

std::map<std::string, std::string> first_party_domains(const FirstPartyHints& hints) {
  std::map<std::string, std::string> out;
  // 1. The package name read as a reversed domain: com.example.app -> app.example.com -> example.com.
  if (!hints.package.empty()) {
    std::vector<std::string> labels;
    std::string p = lower_ascii(hints.package);
    for (size_t start = 0;;) {
      size_t dot = p.find('.', start);
      labels.push_back(p.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    std::string reversed;
    for (auto it = labels.rbegin(); it != labels.rend(); ++it) reversed += (reversed.empty() ? "" : ".") + *it;
    if (labels.size() >= 2 && is_icann_tld(labels.front()))
      if (auto reg = registrable_domain(reversed)) out.emplace(*reg, "package_name");
  }
  // 2. Hosts the app declares it handles (deep links / app links).
  for (const auto& h : hints.declared_hosts) {
    std::string host = lower_ascii(h);
    while (!host.empty() && (host[0] == '*' || host[0] == '.')) host.erase(0, 1);
    if (auto reg = registrable_domain(host)) out.emplace(*reg, "declared_host");
  }
  // 3. Domains named in the signing certificates' subjects (e-mail domain, or a CN/O that is a host).
  for (const auto& d : hints.signer_domains)
    if (auto reg = registrable_domain(lower_ascii(d))) out.emplace(*reg, "signer_certificate");
  return out;
}

void enrich_endpoints(std::vector<Endpoint>& endpoints, const OwnerRules& rules, const GeoIp& geoip,
                      const std::map<std::string, std::string>& first_party) {
  std::map<std::string, std::vector<TrackerMatch>> tracker_cache;
  for (Endpoint& e : endpoints) {
    bool ip = !e.ip_scope.empty();
    if (!ip) {
      e.owner = rules.owner_of(e.host);
      auto [it, fresh] = tracker_cache.try_emplace(e.host);
      if (fresh) it->second = rules.trackers_of(e.host);
      e.trackers = it->second;
    } else if (e.ip_scope == "public") {
      e.ip_country = geoip.country(e.host);
    }
    if (e.owner && !e.owner->jurisdiction.empty()) {
      e.jurisdiction = e.owner->jurisdiction;
      e.jurisdiction_basis = "owner_headquarters";
    } else {
      for (const auto& t : e.trackers)
        if (!t.owner_country.empty()) {
          e.jurisdiction = t.owner_country;
          e.jurisdiction_basis = "tracker_owner";
          break;
        }
      if (e.jurisdiction.empty() && !e.ip_country.empty()) {
        e.jurisdiction = e.ip_country;
        e.jurisdiction_basis = "ip_geolocation";
      }
    }
    if (!e.jurisdiction.empty()) e.jurisdiction_groups = rules.groups_of(e.jurisdiction);
    if (!e.registrable_domain.empty())
      if (auto it = first_party.find(e.registrable_domain); it != first_party.end()) {
        e.party = "first";
        e.party_basis = it->second;
        continue;
      }
    e.party = "third";
    e.party_basis = e.owner ? "owner:" + e.owner->id : (!e.trackers.empty() ? "tracker" : "not_first_party");
  }
}

}  // namespace apkvet
