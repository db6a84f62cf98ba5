#include "strings/pattern_scan.h"

#include <hs/hs.h>

#include "core/hyperscan_cache.h"
#include "core/hyperscan_database.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace apkvet {
namespace {

enum class Extend : uint8_t {
  none,
  token,     // the anchor is the start of a token: extend over [A-Za-z0-9_-]
  assigned,  // name = value: extend back over the name and forward over the value
  xml_text,  // name="...">value<: extend forward to the '<'
};

struct PatternDef {
  PatternId id;
  const char* name;
  const char* regex;
  unsigned flags;      // extra Hyperscan flags
  unsigned fixed_len;  // > 0: every match has this length (no start-of-match tracking needed)
  Extend extend;
};

// Anchors are deliberately short: start-of-match tracking over long or bounded repeats makes
// Hyperscan databases huge and slow to build, so variable tails are extended in code (extend()),
// and validation happens in endpoints.cpp and secrets.cpp.
constexpr PatternDef kPatterns[] = {
    {PatternId::url, "url",
     "(?:https?|wss?|ftps?|sftp|rtmp[est]?|rtsp|mqtts?|ssh|telnet|smtps?|imaps?|pop3s?|ldaps?|tcp|udp|stuns?|turns?|sip|xmpp)"
     ":(?://|\\\\/\\\\/)",
     HS_FLAG_CASELESS, 0, Extend::none},
    {PatternId::host, "host", "[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)+", 0, 0, Extend::none},
    {PatternId::email, "email", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+", 0, 0, Extend::none},
    {PatternId::ipv4, "ipv4", "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}", 0, 0, Extend::none},
    {PatternId::ipv6, "ipv6", "[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}", 0, 0, Extend::none},
    {PatternId::google_api_key, "google_api_key", "AIza[0-9A-Za-z_-]{35}", 0, 39, Extend::none},
    {PatternId::aws_access_key, "aws_access_key", "(?:AKIA|ASIA)[0-9A-Z]{16}", 0, 20, Extend::none},
    {PatternId::slack_token, "slack_token", "xox[abposr]-[0-9A-Za-z]", 0, 6, Extend::token},
    {PatternId::stripe_key, "stripe_key", "(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]", 0, 9, Extend::token},
    {PatternId::twilio_key, "twilio_api_key", "SK[0-9a-fA-F]{32}", 0, 34, Extend::none},
    {PatternId::twilio_account, "twilio_account_sid", "AC[0-9a-fA-F]{32}", 0, 34, Extend::none},
    {PatternId::private_key, "private_key",
     "-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----", 0, 0, Extend::none},
    {PatternId::jwt, "jwt", "eyJ[A-Za-z0-9_-]{8}[A-Za-z0-9_-]*\\.eyJ", 0, 0, Extend::token},
    {PatternId::github_token, "github_token", "gh[pousr]_[A-Za-z0-9]{36}", 0, 40, Extend::none},
    {PatternId::google_oauth_secret, "google_oauth_client_secret", "GOCSPX-[A-Za-z0-9_-]{28}", 0, 35, Extend::none},
    {PatternId::named_secret, "named_secret",
     "(?:secret|token|passw(?:or)?d|pwd|api[_.-]?key|access[_.-]?key|private[_.-]?key|auth[_.-]?key)[A-Za-z0-9_.-]*"
     "[\"']?[ \\t]*[:=]",
     HS_FLAG_CASELESS, 0, Extend::assigned},
    {PatternId::xml_named_secret, "xml_named_secret",
     "name[ \\t]*=[ \\t]*\"[A-Za-z0-9_.]*(?:secret|token|password|api_?key|access_?key|private_?key|auth_?key)"
     "[A-Za-z0-9_.]*\"[ \\t]*>",
     HS_FLAG_CASELESS, 0, Extend::xml_text},
};
static_assert(std::size(kPatterns) == size_t(PatternId::count));

// Compiled once per process (thread-safe static init).
const HyperscanDatabase& database() {
  static const HyperscanDatabase db = [] {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (const auto& p : kPatterns) {
      exprs.push_back(p.regex);
      flags.push_back(p.flags | (p.fixed_len ? 0u : unsigned(HS_FLAG_SOM_LEFTMOST)));
      ids.push_back(static_cast<unsigned>(p.id));
    }
    hs_database_t* compiled = nullptr;
    hs_compile_error_t* err = nullptr;
    if (compile_multi_cached(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                             HS_MODE_BLOCK, &compiled, &err) != HS_SUCCESS) {
      std::string msg = std::string("hyperscan: pattern ") + (err && err->expression >= 0 ? kPatterns[err->expression].name : "?") +
                        ": " + (err ? err->message : "compile failed");
      hs_free_compile_error(err);
      throw std::runtime_error(msg);
    }
    return HyperscanDatabase(compiled);
  }();
  return db;
}

struct RawHit {
  uint64_t from, to;
  unsigned id;
};

int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* ctx) {
  auto& hits = *static_cast<std::vector<RawHit>*>(ctx);
  if (kPatterns[id].fixed_len) from = to - kPatterns[id].fixed_len;
  // A growing match of the same pattern from the same start replaces the previous end.
  for (size_t k = hits.size(); k-- > 0 && k + 24 >= hits.size();) {
    if (hits[k].id == id && hits[k].from == from) {
      hits[k].to = std::max<uint64_t>(hits[k].to, to);
      return 0;
    }
  }
  hits.push_back({from, to, id});
  return 0;
}

// Keeps, per pattern, the longest hit for each start and drops hits inside an earlier hit of the
// same pattern (e.g. the tail "b.c" of host "a.b.c").
void reduce(std::vector<RawHit>& hits) {
  std::sort(hits.begin(), hits.end(), [](const RawHit& a, const RawHit& b) {
    if (a.id != b.id) return a.id < b.id;
    if (a.from != b.from) return a.from < b.from;
    return a.to > b.to;
  });
  std::vector<RawHit> out;
  for (const RawHit& h : hits) {
    if (!out.empty() && out.back().id == h.id && h.to <= out.back().to) continue;
    out.push_back(h);
  }
  hits.swap(out);
}

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Grows an anchor into the whole token / assignment / element text. Returns false to drop the hit.
bool extend(std::string_view buf, RawHit& h) {
  constexpr size_t kMaxValue = 512;
  switch (kPatterns[h.id].extend) {
    case Extend::none:
      return true;
    case Extend::token: {
      int dots = PatternId(h.id) == PatternId::jwt ? 1 : 2;  // a JWT anchor already holds its first dot
      while (h.to < buf.size() && h.to - h.from < 4096) {
        char c = buf[h.to];
        if (c == '.' && dots < 2) ++dots;
        else if (!token_char(c)) break;
        ++h.to;
      }
      return true;
    }
    case Extend::assigned: {
      size_t back = 0;
      while (h.from > 0 && back < 64 && (token_char(buf[h.from - 1]) || buf[h.from - 1] == '.')) --h.from, ++back;
      size_t v = h.to;
      while (v < buf.size() && (buf[v] == ' ' || buf[v] == '\t' || buf[v] == '"' || buf[v] == '\'')) ++v;
      size_t end = v;
      while (end < buf.size() && end - v < kMaxValue &&
             (token_char(buf[end]) || buf[end] == '+' || buf[end] == '/' || buf[end] == '=' || buf[end] == '.' || buf[end] == '~'))
        ++end;
      if (end == v) return false;
      h.to = end;
      return true;
    }
    case Extend::xml_text: {
      size_t end = h.to;
      while (end < buf.size() && end - h.to < kMaxValue && buf[end] != '<' && buf[end] != '\n') ++end;
      if (end >= buf.size() || buf[end] != '<') return false;
      h.to = end + 1;
      return true;
    }
  }
  return true;
}

void scan_buffer(const HyperscanDatabase::Scratch& scratch, std::string_view buf, std::vector<RawHit>& hits) {
  if (buf.empty()) return;
  // hs_scan takes an unsigned int length: scan huge buffers in overlapping windows.
  constexpr size_t kWindow = 1u << 30;
  for (size_t at = 0; at < buf.size(); at += kWindow - 4096) {
    size_t n = std::min(buf.size() - at, kWindow);
    std::vector<RawHit> part;
    database().scan(buf.substr(at, n), scratch, on_match, &part);
    for (auto& h : part) {
      RawHit g{h.from + at, h.to + at, h.id};
      if (extend(buf, g)) hits.push_back(g);
    }
    if (at + n >= buf.size()) break;
  }
}

}  // namespace

const char* to_string(PatternId id) { return kPatterns[size_t(id)].name; }
std::string_view pattern_regex(PatternId id) { return kPatterns[size_t(id)].regex; }

std::vector<PatternHit> scan_text(std::string_view text) {
  HyperscanDatabase::Scratch scratch = database().scratch();
  std::vector<RawHit> raw;
  scan_buffer(scratch, text, raw);
  reduce(raw);
  std::vector<PatternHit> out;
  for (const auto& h : raw) out.push_back({0, uint32_t(h.from), uint32_t(h.to - h.from), PatternId(h.id)});
  std::sort(out.begin(), out.end(), [](const PatternHit& a, const PatternHit& b) {
    return std::tie(a.pos, a.id) < std::tie(b.pos, b.id);
  });
  return out;
}

std::vector<PatternHit> scan_pool(const AppStringPool& pool) {
  HyperscanDatabase::Scratch scratch = database().scratch();
  std::vector<PatternHit> out;
  const auto& strings = pool.strings();
  constexpr size_t kJoinLimit = 4u << 20;  // join small strings into buffers of about this size
  constexpr size_t kLarge = 64u << 10;     // a string this big is scanned on its own

  std::string joined;
  std::vector<std::pair<size_t, uint32_t>> starts;  // (offset in joined, string index)
  auto flush = [&] {
    if (joined.empty()) return;
    std::vector<RawHit> raw;
    scan_buffer(scratch, joined, raw);
    reduce(raw);
    for (const auto& h : raw) {
      auto it = std::upper_bound(starts.begin(), starts.end(), std::make_pair(size_t(h.from), UINT32_MAX));
      if (it == starts.begin()) continue;
      --it;
      size_t pos = h.from - it->first;
      out.push_back({it->second, uint32_t(pos), uint32_t(h.to - h.from), PatternId(h.id)});
    }
    joined.clear();
    starts.clear();
  };
  for (uint32_t i = 0; i < strings.size(); ++i) {
    std::string_view t = strings[i].text;
    if (t.size() >= kLarge) {
      std::vector<RawHit> raw;
      scan_buffer(scratch, t, raw);
      reduce(raw);
      for (const auto& h : raw) out.push_back({i, uint32_t(h.from), uint32_t(h.to - h.from), PatternId(h.id)});
      continue;
    }
    starts.emplace_back(joined.size(), i);
    joined.append(t);
    joined.push_back('\n');
    if (joined.size() >= kJoinLimit) flush();
  }
  flush();
  std::sort(out.begin(), out.end(), [](const PatternHit& a, const PatternHit& b) {
    return std::tie(a.string, a.pos, a.id) < std::tie(b.string, b.pos, b.id);
  });
  return out;
}

}  // namespace apkvet
