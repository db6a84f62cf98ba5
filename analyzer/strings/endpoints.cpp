#include "strings/endpoints.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "core/data_dir.h"
#include "strings/domain.h"
#include "strings/secret_names.h"

namespace apkvet {

// ---------------------------------------------------------------- rules

FalsePositiveRules FalsePositiveRules::load(const std::string& path) {
  Json j = Json::parse(read_text_file(path));
  FalsePositiveRules r;
  for (auto& [k, v] : j.at("url_prefixes").items()) r.url_prefixes.emplace_back(lower_ascii(k), v.get<std::string>());
  std::sort(r.url_prefixes.begin(), r.url_prefixes.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (auto& [k, v] : j.at("host_suffixes").items()) r.host_suffixes[lower_ascii(k)] = v.get<std::string>();
  for (auto& v : j.at("package_roots").at("always")) r.package_roots_always.insert(v.get<std::string>());
  for (auto& v : j.at("package_roots").at("when_app_has_package")) r.package_roots_if_in_app.insert(v.get<std::string>());
  for (auto& v : j.at("file_extensions")) r.file_extensions.insert(v.get<std::string>());
  for (auto& v : j.at("common_bare_tlds")) r.common_bare_tlds.insert(v.get<std::string>());
  for (auto& v : j.value("ambiguous_cctlds", Json::array())) r.ambiguous_cctlds.insert(v.get<std::string>());
  for (auto& v : j.value("bare_host_prefixes", Json::array())) r.bare_host_prefixes.insert(v.get<std::string>());
  for (auto& v : j.value("well_known_ips", Json::array())) r.well_known_ips.insert(v.get<std::string>());
  return r;
}

const FalsePositiveRules& FalsePositiveRules::builtin() {
  static const FalsePositiveRules rules = load(rules_path("endpoints/false_positives.json"));
  return rules;
}

std::string FalsePositiveRules::host_reason(const std::string& host) const {
  for (size_t pos = 0; pos != std::string::npos;) {
    auto it = host_suffixes.find(host.substr(pos));
    if (it != host_suffixes.end()) return it->second;
    pos = host.find('.', pos);
    if (pos != std::string::npos) ++pos;
  }
  return "";
}

std::string FalsePositiveRules::url_reason(const std::string& url) const {
  for (const auto& [prefix, reason] : url_prefixes)
    if (url.compare(0, prefix.size(), prefix) == 0) return reason;
  return "";
}

// ---------------------------------------------------------------- helpers

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool has_upper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool url_char(char c) {
  return c > 0x20 && c < 0x7f && !std::strchr("\"'<>`\\{}|^", c);
}

const std::set<std::string> kCleartextSchemes = {"http", "ws", "ftp", "telnet", "rtmp", "rtsp", "mqtt", "smtp", "imap",
                                                 "pop3", "ldap", "tcp", "udp", "sip", "xmpp", "stun", "turn"};

uint16_t default_port(const std::string& scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return 0;
}

// Parameter names whose values are credentials: a secret name (strings/secret_names.h), or one of the
// short names that are credentials only as URL parameters (?key=, ?sig=, ?auth=).
bool secret_param(std::string_view name) {
  std::string n = lower_ascii(name);
  static const char* kParamNames[] = {"key", "sig", "signature", "auth", "x-amz-signature", "x-goog-signature"};
  for (const char* k : kParamNames)
    if (n == k) return true;
  return secret_name(n);
}

std::string mask_value(std::string_view v) {
  if (v.size() <= 4) return std::string(v.empty() ? "" : "***");
  return std::string(v.substr(0, std::min<size_t>(4, v.size() / 4))) + "***";
}

// IPv4 scope, or a set-aside reason (returned with a leading '!').
std::string ipv4_scope(const uint8_t b[4]) {
  if (b[0] == 0) return "!unspecified_address";
  if (b[0] == 127) return "!loopback";
  if (b[0] == 255) return "!netmask";
  if ((b[0] == 192 && b[1] == 0 && b[2] == 2) || (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
      (b[0] == 203 && b[1] == 0 && b[2] == 113))
    return "!documentation_address";
  if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168)) return "private";
  if (b[0] == 100 && (b[1] & 0xc0) == 64) return "shared";
  if (b[0] == 169 && b[1] == 254) return "link_local";
  if (b[0] >= 224) return "multicast";
  return "public";
}

std::string ipv6_scope(const uint8_t b[16]) {
  static const uint8_t zero[16] = {};
  if (std::memcmp(b, zero, 16) == 0) return "!unspecified_address";
  if (std::memcmp(b, zero, 15) == 0 && b[15] == 1) return "!loopback";
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return "!documentation_address";
  if ((b[0] & 0xfe) == 0xfc) return "private";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link_local";
  if (b[0] == 0xff) return "multicast";
  return "public";
}

// Returns the scope of a literal, "!reason" for set-aside ones, "" when it is not an IP at all.
std::string ip_scope(const std::string& ip) {
  uint8_t buf[16];
  if (ip.find(':') == std::string::npos) return inet_pton(AF_INET, ip.c_str(), buf) == 1 ? ipv4_scope(buf) : "";
  return inet_pton(AF_INET6, ip.c_str(), buf) == 1 ? ipv6_scope(buf) : "";
}

const std::set<std::string> kCodeReceivers = {"this", "self", "window", "document", "that", "super", "module", "exports",
                                              "props", "state", "data", "options", "config", "obj", "res", "req", "ctx",
                                              "context", "view", "item", "value", "event", "error", "target", "prototype",
                                              "console", "math", "json", "object", "array", "string", "number", "promise"};

class Collector {
 public:
  Collector(const AppStringPool& pool, const ExtractContext& ctx) : pool_(pool), ctx_(ctx) {}

  Evidence evidence(const PooledString& s, size_t pos, const std::string& value) const {
    return {pool_.sources()[s.source].file, pool_.location(s, pos), Evidence::truncate(value)};
  }

  void endpoint(Endpoint proto, const PooledString& s, size_t pos) {
    auto key = std::make_pair(proto.kind, proto.value);
    auto it = endpoints_.find(key);
    if (it == endpoints_.end()) it = endpoints_.emplace(key, std::move(proto)).first;
    Endpoint& e = it->second;
    ++e.occurrences;
    e.origins.insert(to_string(pool_.sources()[s.source].origin));
    add_evidence(e, s, pos);
  }

  void set_aside(const std::string& kind, const std::string& value, const std::string& reason, const PooledString& s,
                 size_t pos) {
    auto key = std::make_tuple(reason, kind, value);
    auto it = aside_.find(key);
    if (it == aside_.end()) {
      SetAside a{kind, value, reason, evidence(s, pos, value), 0};
      it = aside_.emplace(key, std::move(a)).first;
    }
    ++it->second.occurrences;
  }

  // A bare name that is not a host on its own evidence: kept if the app uses its domain in a URL or
  // an e-mail address, else set aside (decided in finish(), when every string has been read).
  void pending_host(Endpoint proto, const PooledString& s, size_t pos) { pending_.push_back({std::move(proto), &s, pos}); }

  ExtractedEndpoints finish() {
    std::set<std::string> corroborated;
    for (const auto& [k, e] : endpoints_)
      if ((e.kind == "url" || e.kind == "email") && !e.registrable_domain.empty()) corroborated.insert(e.registrable_domain);
    for (auto& p : pending_) {
      if (corroborated.count(p.proto.registrable_domain)) endpoint(std::move(p.proto), *p.s, p.pos);
      else set_aside("host", p.proto.value, "unconfirmed_bare_name", *p.s, p.pos);
    }
    ExtractedEndpoints out;
    for (auto& [k, e] : endpoints_) {
      std::sort(e.evidence.begin(), e.evidence.end(), [](const Evidence& a, const Evidence& b) {
        return std::tie(a.file, a.location) < std::tie(b.file, b.location);
      });
      out.endpoints.push_back(std::move(e));
    }
    std::map<std::string, size_t> listed;
    for (auto& [k, a] : aside_) {
      ++out.set_aside_counts[a.reason];
      if (listed[a.reason]++ < ctx_.set_aside_limit) out.set_aside.push_back(std::move(a));
    }
    return out;
  }

 private:
  void add_evidence(Endpoint& e, const PooledString& s, size_t pos) {
    if (e.evidence.size() >= Endpoint::kMaxEvidence) return;
    std::vector<Evidence> evs;
    if (s.users_end > s.users_begin) {  // DEX string loaded by const-string in these methods
      for (uint32_t u = s.users_begin; u < s.users_end; ++u)
        evs.push_back({pool_.sources()[s.source].file, pool_.user_location(u), Evidence::truncate(e.value)});
    } else {
      evs.push_back(evidence(s, pos, e.value));
    }
    for (auto& ev : evs) {
      if (e.evidence.size() >= Endpoint::kMaxEvidence) break;
      bool dup = std::any_of(e.evidence.begin(), e.evidence.end(),
                             [&](const Evidence& x) { return x.file == ev.file && x.location == ev.location; });
      if (!dup) e.evidence.push_back(std::move(ev));
    }
  }

  struct Pending {
    Endpoint proto;
    const PooledString* s;
    size_t pos;
  };
  const AppStringPool& pool_;
  const ExtractContext& ctx_;
  std::vector<Pending> pending_;
  std::map<std::pair<std::string, std::string>, Endpoint> endpoints_;
  std::map<std::tuple<std::string, std::string, std::string>, SetAside> aside_;
};

struct Span {
  size_t begin, end;
};
bool inside(const std::vector<Span>& spans, size_t pos) {
  return std::any_of(spans.begin(), spans.end(), [&](const Span& s) { return pos >= s.begin && pos < s.end; });
}

class StringExtractor {
 public:
  StringExtractor(Collector& out, const ExtractContext& ctx, const PooledString& s) : out_(out), ctx_(ctx), s_(s), t_(s.text) {}

  // Returns the end of the URL text (for the covered spans).
  size_t url(size_t pos, size_t len) {
    if (pos > 0 && (is_alnum(t_[pos - 1]) || t_[pos - 1] == '+' || t_[pos - 1] == '-' || t_[pos - 1] == '.')) return pos;
    std::string_view anchor = t_.substr(pos, len);
    std::string scheme = lower_ascii(anchor.substr(0, anchor.find(':')));
    // Extend over URL characters; "\/" (JSON-escaped slash) reads as "/".
    std::string rest;
    size_t i = pos + len;
    while (i < t_.size() && rest.size() < 2048) {
      char c = t_[i];
      if (c == '\\' && i + 1 < t_.size() && t_[i + 1] == '/') {
        rest += '/';
        i += 2;
        continue;
      }
      if (!url_char(c)) break;
      rest += c;
      ++i;
    }
    size_t end = i;
    // Trailing punctuation belongs to the sentence or the code, not the URL.
    while (!rest.empty()) {
      char c = rest.back();
      if (std::strchr(".,;:!?*'", c)) rest.pop_back();
      else if ((c == ')' && std::count(rest.begin(), rest.end(), '(') < std::count(rest.begin(), rest.end(), ')')) ||
               (c == ']' && std::count(rest.begin(), rest.end(), '[') < std::count(rest.begin(), rest.end(), ']')))
        rest.pop_back();
      else break;
    }
    size_t auth_end = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, auth_end);
    std::string path = auth_end == std::string::npos ? "" : rest.substr(auth_end);
    if (auto hash = path.find('#'); hash != std::string::npos) path.resize(hash);
    std::string userinfo;
    if (auto at = authority.rfind('@'); at != std::string::npos) {
      userinfo = authority.substr(0, at);
      authority = authority.substr(at + 1);
    }
    std::string host, port_text;
    if (!authority.empty() && authority[0] == '[') {
      auto close = authority.find(']');
      if (close == std::string::npos) return end;
      host = authority.substr(1, close - 1);
      if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
    } else {
      auto colon = authority.find(':');
      host = authority.substr(0, colon);
      if (colon != std::string::npos) port_text = authority.substr(colon + 1);
    }
    host = lower_ascii(host);
    while (!host.empty() && host.back() == '.') host.pop_back();
    std::string shown = scheme + "://" + std::string(authority.substr(0, 64));
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) { return is_host_char(c) || c == ':'; })) {
      out_.set_aside("url", scheme + "://" + rest.substr(0, 64), "dynamic_host", s_, pos);
      return end;
    }
    uint32_t port = 0;
    if (!port_text.empty()) {
      if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), ::isdigit)) {
        out_.set_aside("url", shown, "dynamic_port", s_, pos);
        return end;
      }
      port = static_cast<uint32_t>(std::stoul(port_text));
      if (port > 65535) return end;
    }
    Endpoint e;
    e.kind = "url";
    e.scheme = scheme;
    e.host = host;
    e.port = static_cast<uint16_t>(port == default_port(scheme) ? 0 : port);
    e.cleartext = kCleartextSchemes.count(scheme) > 0;
    bool ip = host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos;
    std::string hostport = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (e.port) hostport += ":" + std::to_string(e.port);
    std::string cred;
    if (!userinfo.empty()) {
      auto colon = userinfo.find(':');
      cred = colon == std::string::npos ? userinfo + "@" : userinfo.substr(0, colon) + ":***@";
    }
    e.value = mask_url_secrets(scheme + "://" + cred + hostport + path);
    if (ip) {
      std::string scope = ip_scope(host);
      if (scope.empty()) return end;
      if (scope[0] == '!') {
        out_.set_aside("url", e.value, scope.substr(1), s_, pos);
        return end;
      }
      e.ip_scope = scope;
      out_.endpoint(std::move(e), s_, pos);
      return end;
    }
    if (!valid_host_syntax(host)) {
      out_.set_aside("url", e.value, "invalid_host", s_, pos);
      return end;
    }
    if (std::string r = ctx_.rules->url_reason(lower_ascii(e.value)); !r.empty()) {
      out_.set_aside("url", e.value, r, s_, pos);
      return end;
    }
    if (std::string r = ctx_.rules->host_reason(host); !r.empty()) {
      out_.set_aside("url", e.value, r, s_, pos);
      return end;
    }
    auto reg = registrable_domain(host);
    if (!reg) {
      out_.set_aside("url", e.value, "not_a_public_host", s_, pos);
      return end;
    }
    e.registrable_domain = *reg;
    e.shared_hosting = shared_hosting_suffix(host);
    out_.endpoint(std::move(e), s_, pos);
    return end;
  }

  // Returns the end of the address (for the covered spans), or pos when it is not one.
  size_t email(size_t pos, size_t len) {
    if (pos > 0 && (is_alnum(t_[pos - 1]) || std::strchr("._%+-", t_[pos - 1]))) return pos;
    std::string_view text = t_.substr(pos, len);
    while (!text.empty() && (text.back() == '.' || text.back() == '-')) text.remove_suffix(1);
    size_t at = text.find('@');
    std::string local(text.substr(0, at));
    std::string domain = lower_ascii(text.substr(at + 1));
    if (local.empty() || local.front() == '.' || !valid_host_syntax(domain)) return pos;
    auto reg = registrable_domain(domain);
    if (!reg) return pos;  // "icon@2x.png", "pkg@1.0.0": not an address
    std::string value = local + "@" + domain;
    if (std::string r = ctx_.rules->host_reason(domain); !r.empty()) {
      out_.set_aside("email", value, r, s_, pos);
      return pos + text.size();
    }
    Endpoint e;
    e.kind = "email";
    e.value = value;
    e.host = domain;
    e.registrable_domain = *reg;
    out_.endpoint(std::move(e), s_, pos);
    return pos + text.size();
  }

  void ipv4(size_t pos, size_t len) {
    size_t end = pos + len;
    char prev = pos > 0 ? t_[pos - 1] : ' ', next = end < t_.size() ? t_[end] : ' ';
    std::string ip(t_.substr(pos, len));
    if (is_alnum(prev) || prev == '.' || prev == '_' || next == '_' || is_alnum(next) ||
        (next == '.' && end + 1 < t_.size() && std::isdigit(static_cast<unsigned char>(t_[end + 1])))) {
      // Part of a longer dotted number or a version ("v1.2.3.4", "1.2.3.4.5"): not an address.
      if ((prev == 'v' || prev == 'V' || prev == '.' || next == '.') && !ip_scope(ip).empty())
        out_.set_aside("ip", ip, "version_or_oid", s_, pos);
      return;
    }
    // Leading zeros ("01.02.2003.1" style) read as versions or dates, not addresses.
    for (size_t p = 0; p < ip.size(); p = ip.find('.', p) + 1) {
      if (ip[p] == '0' && p + 1 < ip.size() && std::isdigit(static_cast<unsigned char>(ip[p + 1]))) {
        out_.set_aside("ip", ip, "version_or_oid", s_, pos);
        return;
      }
      if (ip.find('.', p) == std::string::npos) break;
    }
    std::string scope = ip_scope(ip);
    if (scope.empty()) return;  // an octet over 255
    if (scope[0] == '!') {
      out_.set_aside("ip", ip, scope.substr(1), s_, pos);
      return;
    }
    if (scope == "public" && !ctx_.rules->well_known_ips.count(ip)) {
      bool small = true;  // "5.1.1.8", "2.12.9.2": versions far more often than addresses
      for (size_t p = 0; p != std::string::npos; p = ip.find('.', p) == std::string::npos ? std::string::npos : ip.find('.', p) + 1)
        if (std::stoi(ip.substr(p, ip.find('.', p) - p)) >= 16) small = false;
      if (small) {
        out_.set_aside("ip", ip, "version_like_number", s_, pos);
        return;
      }
    }
    Endpoint e;
    e.kind = "ip";
    e.value = e.host = ip;
    e.ip_scope = scope;
    out_.endpoint(std::move(e), s_, pos);
  }

  void ipv6(size_t pos, size_t len) {
    size_t end = pos + len;
    char prev = pos > 0 ? t_[pos - 1] : ' ', next = end < t_.size() ? t_[end] : ' ';
    if (is_alnum(prev) || prev == ':' || prev == '.' || is_alnum(next) || next == ':' || next == '.') return;
    std::string ip = lower_ascii(t_.substr(pos, len));
    // Require real structure: three groups, or a 4-digit group with "::" ("fe80::1"), or "::1".
    size_t groups = 0, longest = 0, run = 0;
    for (char c : ip + ":") {
      if (c == ':') {
        if (run) ++groups;
        longest = std::max(longest, run);
        run = 0;
      } else ++run;
    }
    if (!(groups >= 3 || (longest == 4 && ip.find("::") != std::string::npos) || ip == "::1")) return;
    std::string scope = ip_scope(ip);
    if (scope.empty()) return;
    if (scope[0] == '!') {
      out_.set_aside("ip", ip, scope.substr(1), s_, pos);
      return;
    }
    Endpoint e;
    e.kind = "ip";
    e.value = e.host = ip;
    e.ip_scope = scope;
    out_.endpoint(std::move(e), s_, pos);
  }

  void host(size_t pos, size_t len) {
    std::string_view text = t_.substr(pos, len);
    while (!text.empty() && (text.back() == '-' || text.back() == '_')) text.remove_suffix(1);
    while (!text.empty() && (text.front() == '-' || text.front() == '_')) text.remove_prefix(1), ++pos;
    if (text.find('.') == std::string_view::npos) return;
    if (text.find_first_not_of("0123456789.") == std::string_view::npos) return;  // numbers: ipv4()
    std::string_view last = text.substr(text.rfind('.') + 1);
    std::string tld = lower_ascii(last);
    if (!is_icann_tld(tld)) return;  // not a host name at all (R.layout, foo.bar_baz)
    size_t end = pos + text.size();
    char prev = pos > 0 ? t_[pos - 1] : ' ', next = end < t_.size() ? t_[end] : ' ';
    if (prev == '@') return;  // e-mail domain or annotation; email() decides
    std::string value(text);
    std::string host = lower_ascii(text);
    std::string first = host.substr(0, host.find('.'));
    auto aside = [&](const char* reason) { out_.set_aside("host", value, reason, s_, pos); };
    if (class_name(value) || class_name(host)) return aside("class_name");
    if (ctx_.rules->package_roots_always.count(first) && (host.find('.') != host.rfind('.') || first == "android" ||
                                                          first == "androidx" || first == "java" || first == "javax" ||
                                                          first == "kotlin" || first == "kotlinx" || first == "dalvik"))
      return aside("package_name");
    if (ctx_.rules->package_roots_if_in_app.count(first) && host.find('.') != host.rfind('.') && package_root_in_app(first))
      return aside("package_name");
    if (has_upper(text)) return aside("identifier_with_uppercase");
    if (ctx_.rules->file_extensions.count(tld)) return aside("file_name");
    if (prev == '/' && !(pos >= 2 && t_[pos - 2] == '/')) return aside("path_component");
    if (next == '(') return aside("code_identifier");
    if (!valid_host_syntax(host)) return;
    if (std::string r = ctx_.rules->host_reason(host); !r.empty()) return aside(r.c_str());
    auto reg = registrable_domain(host);
    if (!reg) return;  // a bare public suffix ("co.uk")
    std::string reg_label = reg->substr(0, reg->find('.'));
    if (reg_label.size() == 1 || kCodeReceivers.count(first)) return aside("code_identifier");
    Endpoint e;
    e.kind = "host";
    e.value = e.host = host;
    e.registrable_domain = *reg;
    e.shared_hosting = shared_hosting_suffix(host);
    const auto& r = *ctx_.rules;
    bool multi_label_suffix = reg->find('.') != reg->rfind('.');
    bool confident = r.common_bare_tlds.count(tld) || (tld.size() == 2 && !r.ambiguous_cctlds.count(tld)) ||
                     multi_label_suffix || (host != *reg && r.bare_host_prefixes.count(first));
    if (confident) return out_.endpoint(std::move(e), s_, pos);
    if (tld.size() != 2 && host.find('.') == host.rfind('.') && !r.common_bare_tlds.count(tld))
      return aside("uncommon_tld_identifier");
    out_.pending_host(std::move(e), s_, pos);
  }

 private:
  // Whether the app has classes in a package starting with `root.` (io.*, de.*, ...).
  bool package_root_in_app(const std::string& root) const {
    const auto* names = ctx_.class_names;
    if (!names) return false;
    std::string prefix = root + ".";
    auto it = std::lower_bound(names->begin(), names->end(), prefix);
    return it != names->end() && it->compare(0, prefix.size(), prefix) == 0;
  }

  // Whether `name` is a class or package of the app (exactly, or a package prefix of a class).
  bool class_name(const std::string& name) const {
    const auto* names = ctx_.class_names;
    if (!names || names->empty()) return false;
    auto it = std::lower_bound(names->begin(), names->end(), name);
    if (it == names->end()) return false;
    if (*it == name) return true;
    return it->size() > name.size() && it->compare(0, name.size(), name) == 0 && (*it)[name.size()] == '.';
  }

  Collector& out_;
  const ExtractContext& ctx_;
  const PooledString& s_;
  std::string_view t_;
};

}  // namespace

std::string mask_url_secrets(const std::string& url) {
  auto q = url.find('?');
  if (q == std::string::npos) return url;
  std::string out = url.substr(0, q + 1);
  std::string query = url.substr(q + 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string param = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    auto eq = param.find('=');
    if (eq != std::string::npos && secret_param(param.substr(0, eq)))
      param = param.substr(0, eq + 1) + mask_value(param.substr(eq + 1));
    out += param;
    if (amp == std::string::npos) break;
    out += '&';
    start = amp + 1;
  }
  return out;
}

ExtractedEndpoints extract_endpoints(const AppStringPool& pool, const std::vector<PatternHit>& hits,
                                     const ExtractContext& ctx) {
  Collector out(pool, ctx);
  const auto& strings = pool.strings();
  for (size_t i = 0; i < hits.size();) {
    size_t j = i;
    while (j < hits.size() && hits[j].string == hits[i].string) ++j;
    const PooledString& s = strings[hits[i].string];
    StringExtractor ex(out, ctx, s);
    std::vector<Span> covered;
    for (size_t k = i; k < j; ++k) {
      const PatternHit& h = hits[k];
      if (h.id == PatternId::url) covered.push_back({h.pos, ex.url(h.pos, h.len)});
    }
    for (size_t k = i; k < j; ++k) {
      const PatternHit& h = hits[k];
      if (h.id == PatternId::email && !inside(covered, h.pos)) covered.push_back({h.pos, ex.email(h.pos, h.len)});
    }
    for (size_t k = i; k < j; ++k) {
      const PatternHit& h = hits[k];
      if (inside(covered, h.pos)) continue;
      if (h.id == PatternId::ipv4) ex.ipv4(h.pos, h.len);
      else if (h.id == PatternId::ipv6) ex.ipv6(h.pos, h.len);
      else if (h.id == PatternId::host) ex.host(h.pos, h.len);
    }
    i = j;
  }
  return out.finish();
}

}  // namespace apkvet
