#include "strings/secrets.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "core/digest.h"

namespace apkvet {
namespace {

std::string fingerprint(std::string_view v) { return "sha256:" + sha256_hex(v).substr(0, 12); }

std::string base64url_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) break;
    buf = (buf << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((buf >> bits) & 0xff);
    }
  }
  return out;
}

bool placeholder(std::string_view v) {
  std::string l = lower_ascii(v);
  static const char* kWords[] = {"your", "example", "sample", "placeholder", "changeme", "xxxx", "dummy", "insert",
                                 "replace", "todo", "<", "${", "{{", "@string/", "test", "null", "undefined"};
  for (const char* w : kWords)
    if (l.find(w) != std::string::npos) return true;
  return std::all_of(v.begin(), v.end(), [&](char c) { return c == v[0]; });
}

// A value that reads like a random credential: long enough, letters and digits, high entropy.
bool high_entropy_value(std::string_view v) {
  if (v.size() < 16 || v.size() > 512 || placeholder(v)) return false;
  if (v.rfind("res/", 0) == 0 || v.rfind("http", 0) == 0) return false;  // a resource path or a URL
  bool digit = false, alpha = false, hex_only = true;
  for (char c : v) {
    if (std::isdigit(static_cast<unsigned char>(c))) digit = true;
    else if (std::isalpha(static_cast<unsigned char>(c))) alpha = true;
    if (!std::isxdigit(static_cast<unsigned char>(c))) hex_only = false;
    if (c == ' ' || (c == '/' && v.find("://") != std::string_view::npos)) return false;
  }
  if (!digit || !alpha) return false;
  double h = shannon_entropy(v);
  return hex_only ? h >= 3.0 : h >= 3.5;
}

class SecretCollector {
 public:
  explicit SecretCollector(const AppStringPool& pool) : pool_(pool) {}

  void add(const std::string& type, std::string_view value, const std::string& confidence, const PooledString& s,
           size_t pos, const std::string& name = "", const std::string& note = "") {
    std::string key(value);
    auto it = by_value_.find(key);
    if (it == by_value_.end()) {
      Secret sec;
      sec.type = type;
      if (type == "private_key") {  // the "-----BEGIN ... PRIVATE KEY-----" header only
        size_t close = value.find("-----", 11);
        sec.masked = std::string(value.substr(0, close == std::string_view::npos ? 11 : close + 5)) + " ****";
      } else {
        sec.masked = mask_secret(value);
      }
      sec.length = value.size();
      sec.fingerprint = fingerprint(value);
      sec.confidence = confidence;
      sec.note = note;
      it = by_value_.emplace(key, std::move(sec)).first;
    }
    Secret& sec = it->second;
    if (sec.type == "named_secret" && type != "named_secret") {  // a known format beats a name-only guess
      sec.type = type;
      sec.confidence = confidence;
      sec.note = note;
    }
    if (sec.name.empty()) sec.name = name;
    ++sec.occurrences;
    sec.origins.insert(to_string(pool_.sources()[s.source].origin));
    if (sec.evidence.size() >= Secret::kMaxEvidence) return;
    std::vector<Evidence> evs;
    if (s.users_end > s.users_begin)
      for (uint32_t u = s.users_begin; u < s.users_end; ++u) evs.push_back({pool_.sources()[s.source].file, pool_.user_location(u), sec.masked});
    else
      evs.push_back({pool_.sources()[s.source].file, pool_.location(s, pos), sec.masked});
    for (auto& ev : evs) {
      bool dup = std::any_of(sec.evidence.begin(), sec.evidence.end(),
                             [&](const Evidence& x) { return x.file == ev.file && x.location == ev.location; });
      if (!dup && sec.evidence.size() < Secret::kMaxEvidence) sec.evidence.push_back(std::move(ev));
    }
  }

  std::vector<Secret> finish() {
    std::vector<Secret> out;
    for (auto& [k, s] : by_value_) {
      std::sort(s.evidence.begin(), s.evidence.end(), [](const Evidence& a, const Evidence& b) {
        return std::tie(a.file, a.location) < std::tie(b.file, b.location);
      });
      out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(), [](const Secret& a, const Secret& b) {
      return std::tie(a.type, a.masked, a.fingerprint) < std::tie(b.type, b.masked, b.fingerprint);
    });
    return out;
  }

 private:
  const AppStringPool& pool_;
  std::map<std::string, Secret> by_value_;
};

// name = value, "name": "value", name: 'value'
void named_assignment(SecretCollector& out, const PooledString& s, size_t pos, std::string_view m) {
  size_t name_end = 0;
  while (name_end < m.size() && (token_char(m[name_end]) || m[name_end] == '.')) ++name_end;
  std::string_view name = m.substr(0, name_end);
  size_t v = m.find_first_of(":=", name_end);
  if (v == std::string_view::npos || !secret_name(name)) return;
  ++v;
  while (v < m.size() && (m[v] == ' ' || m[v] == '\t' || m[v] == '"' || m[v] == '\'')) ++v;
  std::string_view value = m.substr(v);
  if (high_entropy_value(value)) out.add("named_secret", value, "medium", s, pos + v, std::string(name));
}

}  // namespace

std::string mask_secret(std::string_view v) {
  size_t keep = std::min<size_t>(8, v.size() / 4);
  return std::string(v.substr(0, keep)) + "****";
}

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0;
  size_t counts[256] = {};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  for (size_t c : counts)
    if (c) {
      double p = double(c) / double(s.size());
      h -= p * std::log2(p);
    }
  return h;
}

bool secret_name(std::string_view name) {
  std::string n = lower_ascii(name);
  for (std::string_view part : kSecretNames)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

std::vector<Secret> find_secrets(const AppStringPool& pool, const std::vector<PatternHit>& hits,
                                 const std::vector<Endpoint>& endpoints) {
  SecretCollector out(pool);
  const auto& strings = pool.strings();
  for (const PatternHit& h : hits) {
    const PooledString& s = strings[h.string];
    std::string_view t = s.text;
    std::string_view m = t.substr(h.pos, h.len);
    char prev = h.pos > 0 ? t[h.pos - 1] : ' ';
    char next = h.pos + h.len < t.size() ? t[h.pos + h.len] : ' ';
    bool bounded = !token_char(prev) && !token_char(next);
    switch (h.id) {
      case PatternId::google_api_key:
        if (bounded) out.add("google_api_key", m, "high", s, h.pos, "", "restrict it by app signature and API in the Google Cloud console");
        break;
      case PatternId::aws_access_key:
        if (bounded) out.add("aws_access_key_id", m, "high", s, h.pos, "", m.substr(0, 4) == "ASIA" ? "temporary (STS) key id" : "");
        break;
      case PatternId::slack_token:
        if (!token_char(prev)) out.add("slack_token", m, "high", s, h.pos);
        break;
      case PatternId::stripe_key:
        if (bounded) {
          bool live = m.find("_live_") != std::string_view::npos;
          std::string note = m[0] == 'p' ? "publishable key (public by design)" : (live ? "live secret key" : "test-mode key");
          out.add("stripe_key", m, m[0] == 'p' || !live ? "medium" : "high", s, h.pos, "", note);
        }
        break;
      case PatternId::twilio_key:
        if (bounded) out.add("twilio_api_key", m, "high", s, h.pos);
        break;
      case PatternId::twilio_account:
        if (bounded) out.add("twilio_account_sid", m, "medium", s, h.pos, "", "an account identifier; look for its auth token nearby");
        break;
      case PatternId::private_key: {
        size_t end = t.find("-----END", h.pos);
        size_t stop = end == std::string_view::npos ? h.pos + h.len : t.find("-----", end + 8);
        std::string_view block = t.substr(h.pos, stop == std::string_view::npos ? std::string_view::npos : stop + 5 - h.pos);
        out.add("private_key", block, "high", s, h.pos, "", end == std::string_view::npos ? "header only (no END line in this string)" : "");
        break;
      }
      case PatternId::jwt: {
        if (token_char(prev)) break;
        std::string header = base64url_decode(m.substr(0, m.find('.')));
        if (header.find("\"alg\"") != std::string::npos || header.find("\"typ\"") != std::string::npos)
          out.add("jwt", m, "high", s, h.pos, "", "a signed token: check its expiry and audience");
        break;
      }
      case PatternId::github_token:
        if (bounded) out.add("github_token", m, "high", s, h.pos);
        break;
      case PatternId::google_oauth_secret:
        if (bounded) out.add("google_oauth_client_secret", m, "high", s, h.pos);
        break;
      case PatternId::named_secret:
        named_assignment(out, s, h.pos, m);
        break;
      case PatternId::xml_named_secret: {
        size_t q1 = m.find('"'), q2 = m.find('"', q1 + 1), gt = m.find('>', q2);
        if (q1 == std::string_view::npos || q2 == std::string_view::npos || gt == std::string_view::npos) break;
        std::string_view name = m.substr(q1 + 1, q2 - q1 - 1);
        std::string_view value = m.substr(gt + 1, m.size() - gt - 2);
        if (secret_name(name) && high_entropy_value(value)) out.add("named_secret", value, "medium", s, h.pos + gt + 1, std::string(name));
        break;
      }
      default:
        break;
    }
  }
  // resources.arsc strings carry their resource name: string/api_secret = "..."
  for (const PooledString& s : strings) {
    if (s.name == PooledString::kNoName) continue;
    const std::string& name = pool.names()[s.name];
    if (name.rfind("string/", 0) != 0) continue;  // file resources (drawable/, xml/) hold paths, not values
    // The value first: most resource strings are prose, which it rejects before the name is looked at.
    if (high_entropy_value(s.text) && secret_name(std::string_view(name).substr(name.find('/') + 1)))
      out.add("named_secret", s.text, "medium", s, 0, name);
  }
  std::vector<Secret> found = out.finish();
  // Firebase Realtime Database URLs: the config is public, but the database may be open.
  for (const Endpoint& e : endpoints) {
    if (!(e.host.ends_with(".firebaseio.com") || e.host.ends_with(".firebasedatabase.app"))) continue;
    if (std::any_of(found.begin(), found.end(), [&](const Secret& x) { return x.type == "firebase_database_url" && x.masked == "https://" + e.host; }))
      continue;
    Secret sec;
    sec.type = "firebase_database_url";
    sec.masked = "https://" + e.host;
    sec.length = sec.masked.size();
    sec.fingerprint = fingerprint(sec.masked);
    sec.confidence = "high";
    sec.note = "Firebase Realtime Database: if its rules allow public read, GET https://" + e.host +
               "/.json answers without credentials (not checked: apkvet works offline; test only with authorisation)";
    sec.origins = e.origins;
    sec.evidence = e.evidence;
    sec.occurrences = e.occurrences;
    found.push_back(std::move(sec));
  }
  std::sort(found.begin(), found.end(), [](const Secret& a, const Secret& b) {
    return std::tie(a.type, a.masked, a.fingerprint) < std::tie(b.type, b.masked, b.fingerprint);
  });
  return found;
}

}  // namespace apkvet
