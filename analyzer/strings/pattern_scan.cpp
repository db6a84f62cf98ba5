#include "strings/pattern_scan.h"

#include <hs/hs.h>

#include "core/hyperscan_cache.h"
#include "core/hyperscan_database.h"
#include "strings/secret_names.h"

#include <algorithm>
#include <array>
#include <cstring>
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

// Where a match starts. Hyperscan can track it (HS_FLAG_SOM_LEFTMOST), but tracking runs its slower
// start-tracking engines over every byte. For the patterns whose leftmost start follows from the end
// and the bytes before it, a walk back from each reported end finds the same start
// (tests/strings/pattern_scan_test.cpp and fuzz_endpoints check it against Hyperscan's own tracking):
// -5.6% CPU for the string analysis of the corpus for the first four, -7.5% more for secret names.
enum class Start : uint8_t {
  tracked,      // HS_FLAG_SOM_LEFTMOST
  fixed,        // every match has fixed_len bytes
  host,         // walk back over labels and single dots
  email,        // back over the domain to the '@', then over the local part
  ipv4,         // back over three dotted groups, then at most three digits
  ipv6,         // back over up to seven ':'-led groups of at most four hex digits, then at most four more
  secret_name,  // back over [:=], blanks and a quote to the name; the leftmost secret name in it
};

// The first letters of the secret names: the walk tries a name only where one of them stands.
constexpr auto kSecretNameFirst = [] {
  std::array<bool, 256> first{};
  for (std::string_view name : kSecretNames) first[uint8_t(name[0])] = true;
  return first;
}();

// (?:secret|token|...): any of the secret names, dots escaped.
std::string secret_name_alternation() {
  std::string r = "(?:";
  for (std::string_view name : kSecretNames) {
    if (r.size() > 3) r += '|';
    for (char c : name) r += c == '.' ? std::string("\\.") : std::string(1, c);
  }
  return r + ")";
}

// (?:secret|token|...)[A-Za-z0-9_.-]*["']?[ \t]*[:=] : a secret name, more name, an optional quote,
// blanks, then ':' or '='.
const char* named_secret_regex() {
  static const std::string regex = secret_name_alternation() + "[A-Za-z0-9_.-]*[\"']?[ \\t]*[:=]";
  return regex.c_str();
}

// name="..secret name.." > : an XML element (<string name="api_token">) whose name attribute holds a
// secret name, up to the end of its start tag; the value is its text.
const char* xml_named_secret_regex() {
  static const std::string regex =
      "name[ \\t]*=[ \\t]*\"[A-Za-z0-9_.-]*" + secret_name_alternation() + "[A-Za-z0-9_.-]*\"[ \\t]*>";
  return regex.c_str();
}

struct PatternDef {
  PatternId id;
  const char* name;
  const char* regex;    // nullptr: built at run time from kSecretNames (regex_of)
  unsigned flags;      // extra Hyperscan flags
  Start start;
  unsigned fixed_len;  // Start::fixed: the length of every match
  Extend extend;
};

// Anchors are deliberately short: start-of-match tracking over long or bounded repeats makes
// Hyperscan databases huge and slow to build, so variable tails are extended in code (extend()),
// and validation happens in endpoints.cpp and secrets.cpp.
constexpr PatternDef kPatterns[] = {
    {PatternId::url, "url",
     "(?:https?|wss?|ftps?|sftp|rtmp[est]?|rtsp|mqtts?|ssh|telnet|smtps?|imaps?|pop3s?|ldaps?|tcp|udp|stuns?|turns?|sip|xmpp)"
     ":(?://|\\\\/\\\\/)",
     HS_FLAG_CASELESS, Start::tracked, 0, Extend::none},  // rare (a literal "://"): tracking costs little
    {PatternId::host, "host", "[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)+", 0, Start::host, 0, Extend::none},
    {PatternId::email, "email", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+", 0, Start::email, 0, Extend::none},
    {PatternId::ipv4, "ipv4", "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}", 0, Start::ipv4, 0, Extend::none},
    {PatternId::ipv6, "ipv6", "[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}", 0, Start::ipv6, 0, Extend::none},
    {PatternId::google_api_key, "google_api_key", "AIza[0-9A-Za-z_-]{35}", 0, Start::fixed, 39, Extend::none},
    {PatternId::aws_access_key, "aws_access_key", "(?:AKIA|ASIA)[0-9A-Z]{16}", 0, Start::fixed, 20, Extend::none},
    {PatternId::slack_token, "slack_token", "xox[abposr]-[0-9A-Za-z]", 0, Start::fixed, 6, Extend::token},
    {PatternId::stripe_key, "stripe_key", "(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]", 0, Start::fixed, 9, Extend::token},
    {PatternId::twilio_key, "twilio_api_key", "SK[0-9a-fA-F]{32}", 0, Start::fixed, 34, Extend::none},
    {PatternId::twilio_account, "twilio_account_sid", "AC[0-9a-fA-F]{32}", 0, Start::fixed, 34, Extend::none},
    {PatternId::private_key, "private_key",
     "-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----", 0, Start::tracked, 0, Extend::none},
    {PatternId::jwt, "jwt", "eyJ[A-Za-z0-9_-]{8}[A-Za-z0-9_-]*\\.eyJ", 0, Start::tracked, 0, Extend::token},
    {PatternId::github_token, "github_token", "gh[pousr]_[A-Za-z0-9]{36}", 0, Start::fixed, 40, Extend::none},
    {PatternId::google_oauth_secret, "google_oauth_client_secret", "GOCSPX-[A-Za-z0-9_-]{28}", 0, Start::fixed, 35, Extend::none},
    {PatternId::named_secret, "named_secret", nullptr, HS_FLAG_CASELESS, Start::secret_name, 0, Extend::assigned},
    {PatternId::xml_named_secret, "xml_named_secret", nullptr, HS_FLAG_CASELESS, Start::tracked, 0, Extend::xml_text},
};
static_assert(std::size(kPatterns) == size_t(PatternId::count));

const char* regex_of(const PatternDef& p) {
  if (p.regex) return p.regex;
  return p.id == PatternId::named_secret ? named_secret_regex() : xml_named_secret_regex();
}

// Compiled once per process (thread-safe static init). With `track_every_start`, Hyperscan tracks the
// start of every variable-length pattern itself: the reference the walks back are tested against.
const HyperscanDatabase& database(bool track_every_start = false) {
  auto compile = [](bool track_all) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (const auto& p : kPatterns) {
      exprs.push_back(regex_of(p));
      bool tracked = p.start == Start::tracked || (track_all && p.start != Start::fixed);
      flags.push_back(p.flags | (tracked ? unsigned(HS_FLAG_SOM_LEFTMOST) : 0u));
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
  };
  if (track_every_start) {
    static const HyperscanDatabase reference = compile(true);
    return reference;
  }
  static const HyperscanDatabase db = compile(false);
  return db;
}

struct RawHit {
  uint64_t from, to;
  unsigned id;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool equals_ignoring_case(std::string_view text, std::string_view lower) {  // ASCII, as HS_FLAG_CASELESS
  for (size_t k = 0; k < lower.size(); ++k) {
    char c = text[k];
    if ((c >= 'A' && c <= 'Z' ? char(c | 0x20) : c) != lower[k]) return false;
  }
  return true;
}
bool is_local(char c) { return token_char(c) || c == '.' || c == '%' || c == '+'; }  // [A-Za-z0-9._%+-]

// The leftmost start of a match of pattern `p` that ends at `to` in `w` (the buffer Hyperscan
// scanned), for the patterns whose start is walked back to rather than tracked. Hyperscan reported
// a match ending at `to`, so one exists; each walk takes the longest one, as leftmost tracking does.
// `previous` is where the last walk of this pattern began and what it found: a walk that reaches that
// end goes on exactly as that one did, so a long dotted name or e-mail domain (an end at each of its
// bytes) is walked once, not once per end. Every walk is then linear in the text: host and e-mail by
// this memory, IPv4 and IPv6 within a few dozen bytes, secret names over their own run (each run of
// name bytes is followed by its own ':' or '=').
struct Walked {
  uint64_t to = UINT64_MAX, from = 0;
};

uint64_t walk_back(const PatternDef& p, std::string_view w, uint64_t to, Walked previous) {
  size_t i = to;
  switch (p.start) {
    case Start::host: {  // [L]+(\.[L]+)+ : back over label bytes and dots that sit between two of them
      size_t start = i;
      while (i > 0) {
        if (i == previous.to && i < to) return previous.from;
        char c = w[i - 1];
        if (token_char(c)) start = --i;
        else if (c == '.' && i < to && token_char(w[i])) --i;  // kept only if a label byte precedes it
        else break;
      }
      return start;
    }
    case Start::email: {  // [local]+@[D]+(\.[D]+)+ : neither part holds an '@', so it is the last one
      // A later end of the same address (one at each byte of a long domain) has the same '@', hence
      // the same start: without this, a domain of n bytes cost n^2/2 (22 s for 600 KB).
      if (previous.to < to && !std::memchr(w.data() + previous.to, '@', to - previous.to)) return previous.from;
      size_t at = w.rfind('@', to - 1);
      if (at == std::string_view::npos) return to;  // cannot happen for a reported end
      for (i = at; i > 0 && is_local(w[i - 1]);) --i;
      return i;
    }
    case Start::ipv4: {  // the last three groups are bounded by their dots; the first takes up to 3 digits
      for (int group = 0; group < 3; ++group) {
        while (i > 0 && is_digit(w[i - 1])) --i;
        if (i > 0 && w[i - 1] == '.') --i;
      }
      for (int n = 0; n < 3 && i > 0 && is_digit(w[i - 1]); ++n) --i;
      return i;
    }
    case Start::ipv6: {  // H{0,4}(:H{0,4}){2,7}: every ':' taken moves the start further left
      for (int colons = 0;; ++colons) {
        size_t group = i;
        while (group > 0 && i - group < 4 && is_hex(w[group - 1])) --group;
        if (colons == 7 || group == 0 || w[group - 1] != ':') return group;  // the first group
        i = group - 1;
      }
    }
    case Start::secret_name: {  // name[N]*["']?[ \t]*[:=] : none of N holds a quote, a blank, ':' or '='
      i = to - 1;
      while (i > 0 && (w[i - 1] == ' ' || w[i - 1] == '\t')) --i;
      if (i > 0 && (w[i - 1] == '"' || w[i - 1] == '\'')) --i;
      size_t name_end = i;
      while (i > 0 && (token_char(w[i - 1]) || w[i - 1] == '.')) --i;
      for (size_t at = i; at < name_end; ++at) {
        char first = char(w[at] | 0x20);
        if (!kSecretNameFirst[uint8_t(first)]) continue;
        for (std::string_view name : kSecretNames)
          if (name[0] == first && name.size() <= name_end - at && equals_ignoring_case(w.substr(at, name.size()), name))
            return at;
      }
      return to;  // cannot happen for a reported end
    }
    case Start::tracked:
    case Start::fixed:
      break;
  }
  return to;
}

struct MatchSink {
  std::string_view window;  // what Hyperscan scans: hit offsets are relative to it
  bool tracked_starts;      // the reference database: every start comes from Hyperscan
  std::vector<RawHit> hits;
  Walked last[size_t(PatternId::count)];
};

int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* ctx) {
  auto& sink = *static_cast<MatchSink*>(ctx);
  auto& hits = sink.hits;
  const PatternDef& p = kPatterns[id];
  if (p.start == Start::fixed) from = to - p.fixed_len;
  else if (p.start != Start::tracked && !sink.tracked_starts) {
    from = walk_back(p, sink.window, to, sink.last[id]);
    sink.last[id] = {to, from};
  }
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

void scan_buffer(const HyperscanDatabase::Scratch& scratch, std::string_view buf, std::vector<RawHit>& hits,
                 bool track_every_start = false) {
  if (buf.empty()) return;
  // hs_scan takes an unsigned int length: scan huge buffers in overlapping windows.
  constexpr size_t kWindow = 1u << 30;
  for (size_t at = 0; at < buf.size(); at += kWindow - 4096) {
    size_t n = std::min(buf.size() - at, kWindow);
    MatchSink sink{buf.substr(at, n), track_every_start, {}, {}};
    database(track_every_start).scan(sink.window, scratch, on_match, &sink);
    for (auto& h : sink.hits) {
      RawHit g{h.from + at, h.to + at, h.id};
      if (extend(buf, g)) hits.push_back(g);
    }
    if (at + n >= buf.size()) break;
  }
}

std::vector<PatternHit> scan_one_text(std::string_view text, bool track_every_start) {
  HyperscanDatabase::Scratch scratch = database(track_every_start).scratch();
  std::vector<RawHit> raw;
  scan_buffer(scratch, text, raw, track_every_start);
  reduce(raw);
  std::vector<PatternHit> out;
  for (const auto& h : raw) out.push_back({0, uint32_t(h.from), uint32_t(h.to - h.from), PatternId(h.id)});
  std::sort(out.begin(), out.end(), [](const PatternHit& a, const PatternHit& b) {
    return std::tie(a.pos, a.id) < std::tie(b.pos, b.id);
  });
  return out;
}

}  // namespace

const char* to_string(PatternId id) { return kPatterns[size_t(id)].name; }
std::string_view pattern_regex(PatternId id) {
  return regex_of(kPatterns[size_t(id)]);
}

std::vector<PatternHit> scan_text(std::string_view text) { return scan_one_text(text, false); }
std::vector<PatternHit> scan_text_tracking_starts(std::string_view text) { return scan_one_text(text, true); }

std::vector<PatternHit> scan_pool(const AppStringPool& pool) {
  HyperscanDatabase::Scratch scratch = database().scratch();
  std::vector<PatternHit> out;
  const auto& strings = pool.strings();
  constexpr size_t kJoinLimit = 4u << 20;  // join small strings into buffers of about this size
  constexpr size_t kLarge = 64u << 10;     // a string this big is scanned on its own

  std::string joined;
  std::vector<std::pair<size_t, uint32_t>> starts;  // (offset in joined, string index)
  // Sized once (growing it by doubling copied it again and again, and faulted in each new buffer).
  joined.reserve(size_t(std::min<uint64_t>(pool.bytes() + strings.size(), kJoinLimit + kLarge)));
  starts.reserve(std::min<size_t>(strings.size(), kJoinLimit / 8));
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
