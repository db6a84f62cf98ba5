#include "traffic/canary_matcher.h"

#include <hs/hs.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace apkvet::traffic {

std::string url_encode(const std::string& s, bool form) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else if (form && c == ' ') out += '+';
    else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string json_escape(const std::string& s) {
  // The escapes JSON writers actually emit: quote, backslash, "\/" (PHP, Gson with some settings),
  // control characters and, from ASCII-only writers, \uXXXX for everything non-ASCII.
  std::string out;
  char buf[8];
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\' || c == '/') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c >= 0x80) {
      // Decode one UTF-8 sequence into a code point (BMP only; others are left as they are).
      uint32_t cp = 0;
      size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
      if (n == 0 || n == 3 || i + n >= s.size()) {
        out += static_cast<char>(c);
        continue;
      }
      cp = c & (0x3F >> n);
      for (size_t k = 1; k <= n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      i += n;
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out;
}

std::string hex_of(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string base64_fragment(const std::string& s, int align, bool urlsafe) {
  static const char* kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static const char* kUrl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* alphabet = urlsafe ? kUrl : kStd;
  std::string b(static_cast<size_t>(align), '\0');
  b += s;
  size_t first = static_cast<size_t>(align), last = b.size();  // s occupies bytes [first, last)
  std::string out;
  size_t chars = (b.size() * 8 + 5) / 6;
  for (size_t i = 0; i < chars; ++i) {
    // Character i carries bits [6i, 6i+6) of the byte stream: keep it only when every byte those bits
    // come from belongs to s (so the same characters appear whatever surrounds s in the message).
    size_t lo = (6 * i) / 8, hi = (6 * i + 5) / 8;
    if (lo < first || hi >= last) continue;
    unsigned v = 0;
    for (size_t bit = 6 * i; bit < 6 * i + 6; ++bit)
      v = (v << 1) | ((static_cast<unsigned char>(b[bit / 8]) >> (7 - bit % 8)) & 1);
    out += alphabet[v];
  }
  return out;
}

std::string digest_hex(const std::string& algorithm, const std::string& s) {
  const EVP_MD* md = algorithm == "md5" ? EVP_md5() : algorithm == "sha1" ? EVP_sha1() : EVP_sha256();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(s.data(), s.size(), out, &n, md, nullptr) != 1) throw std::runtime_error("digest failed");
  return hex_of(std::string(reinterpret_cast<char*>(out), n));
}

namespace {

using Edge = CanaryMatcher::Pattern::Edge;

Edge edge_for(bool numeric) { return numeric ? Edge::digit : Edge::alnum; }

bool is_hex(unsigned char c) { return std::isxdigit(c) != 0; }

// Whether the byte before/after a match is a legal neighbour. "%3D" before a value is the end of an
// escape, not part of the value, so it counts as a boundary.
bool boundary_ok(std::string_view buf, size_t begin, size_t end, Edge edge) {
  if (edge == Edge::none) return true;
  auto bad = [&](unsigned char c) {
    switch (edge) {
      case Edge::digit: return std::isdigit(c) != 0;
      case Edge::alnum: return std::isalnum(c) != 0;
      case Edge::hex: return is_hex(c);
      default: return false;
    }
  };
  if (begin > 0 && bad(static_cast<unsigned char>(buf[begin - 1]))) {
    bool escape = begin >= 3 && buf[begin - 3] == '%' && is_hex(static_cast<unsigned char>(buf[begin - 2])) &&
                  is_hex(static_cast<unsigned char>(buf[begin - 1]));
    if (!escape) return false;
  }
  if (end < buf.size() && bad(static_cast<unsigned char>(buf[end]))) return false;
  return true;
}

double haversine_m(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kR = 6371000.0, kRad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kR * std::asin(std::min(1.0, std::sqrt(a)));
}

}  // namespace

CanaryMatcher::CanaryMatcher(const DeviceProfile& profile) : profile_(profile) {
  auto add = [&](size_t canary, const std::string& literal, const std::string& encoding, const std::string& spelling,
                 bool caseless, Edge edge) {
    if (literal.size() < 6) return;  // too short to mean anything on its own
    // A base64 fragment has no boundaries to check: below 10 characters (60 bits) random data would
    // match by chance in large captures.
    if (encoding.rfind("base64", 0) == 0 && literal.size() < 10) return;
    for (const auto& p : patterns_)  // the same literal from two spellings: keep the first
      if (p.canary == canary && p.literal == literal && p.caseless == caseless) return;
    patterns_.push_back(Pattern{literal, canary, encoding, spelling, caseless, edge});
  };
  for (size_t ci = 0; ci < profile_.canaries.size(); ++ci) {
    const Canary& c = profile_.canaries[ci];
    for (const auto& s : c.spellings) {
      Edge edge = edge_for(c.numeric);
      add(ci, s, "plain", s, true, edge);
      if (auto u = url_encode(s, false); u != s) add(ci, u, "url", s, true, edge);
      if (auto u = url_encode(s, true); u != s) add(ci, u, "url", s, true, edge);
      if (auto js = json_escape(s); js != s) add(ci, js, "json", s, true, edge);
      for (int align = 0; align < 3; ++align) {
        add(ci, base64_fragment(s, align, false), "base64", s, false, Edge::none);
        add(ci, base64_fragment(s, align, true), "base64url", s, false, Edge::none);
      }
      add(ci, hex_of(s), "hex", s, true, Edge::hex);
      for (const char* alg : {"md5", "sha1", "sha256"}) add(ci, digest_hex(alg, s), alg, s, true, Edge::hex);
    }
  }
  if (patterns_.empty()) return;
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags, ids;
  for (size_t i = 0; i < patterns_.size(); ++i) {
    exprs.push_back(patterns_[i].literal.c_str());
    lens.push_back(patterns_[i].literal.size());
    flags.push_back(patterns_[i].caseless ? HS_FLAG_CASELESS : 0);
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(), static_cast<unsigned>(exprs.size()),
                           HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    std::string what = err && err->message ? err->message : "unknown error";
    hs_free_compile_error(err);
    throw std::runtime_error("hyperscan: cannot compile canaries: " + what);
  }
  db_ = HyperscanDatabase(db);
  scratch_ = db_.scratch();
}

CanaryMatcher::~CanaryMatcher() = default;

std::vector<CanaryHit> CanaryMatcher::scan(Bytes buf) const {
  std::vector<CanaryHit> hits;
  std::string_view text = as_chars(buf);
  if (db_ && !buf.empty()) {
    struct Ctx {
      const CanaryMatcher* self;
      std::string_view text;
      std::vector<CanaryHit>* hits;
    } ctx{this, text, &hits};
    auto on_match = [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* p) -> int {
      auto* c = static_cast<Ctx*>(p);
      const Pattern& pat = c->self->patterns_[id];
      size_t end = static_cast<size_t>(to), begin = end - pat.literal.size();
      if (!boundary_ok(c->text, begin, end, pat.edge)) return 0;
      const Canary& can = c->self->profile_.canaries[pat.canary];
      c->hits->push_back(CanaryHit{can.type, can.value, pat.encoding, pat.spelling, begin, end, -1});
      return 0;
    };
    // hs_scan takes an unsigned length; decoded buffers are bounded far below 4 GiB.
    size_t n = std::min<size_t>(buf.size(), 0xFFFFFFF0u);
    db_.scan(text.substr(0, n), scratch_, on_match, &ctx);
  }
  if (profile_.gps) {
    auto g = scan_gps(text);
    hits.insert(hits.end(), g.begin(), g.end());
  }
  // One canary found twice at overlapping places (e.g. "+4915..." and "4915..."): keep the longest.
  std::sort(hits.begin(), hits.end(), [](const CanaryHit& a, const CanaryHit& b) {
    if (a.canary != b.canary) return a.canary < b.canary;
    if (a.begin != b.begin) return a.begin < b.begin;
    return a.end > b.end;
  });
  std::vector<CanaryHit> kept;
  for (auto& h : hits) {
    bool covered = false;
    for (auto& k : kept) {
      if (k.canary != h.canary || k.type != h.type || h.begin >= k.end || k.begin >= h.end) continue;
      if (h.end - h.begin > k.end - k.begin) k = h;
      covered = true;
      break;
    }
    if (!covered) kept.push_back(h);
  }
  std::sort(kept.begin(), kept.end(), [](const CanaryHit& a, const CanaryHit& b) {
    return std::tie(a.begin, a.end, a.type) < std::tie(b.begin, b.end, b.type);
  });
  return kept;
}

std::vector<CanaryHit> CanaryMatcher::scan_gps(std::string_view t) const {
  // Every decimal number with a fractional part ("52.5200", "-13.4049508"), then each pair of numbers
  // close together (lat,lon or lon,lat as in GeoJSON) whose distance to the planted position is within
  // the tolerance: any printed precision matches as long as it is precise enough to locate the device.
  struct Num {
    double v;
    size_t begin, end;
  };
  std::vector<Num> nums;
  size_t i = 0;
  while (i < t.size()) {
    size_t start = i;
    bool neg = t[i] == '-';
    size_t j = neg ? i + 1 : i;
    if (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j])) &&
        (start == 0 || !std::isalnum(static_cast<unsigned char>(t[start - 1])) || (start >= 3 && t[start - 3] == '%'))) {
      size_t k = j;
      while (k < t.size() && k - j < 4 && std::isdigit(static_cast<unsigned char>(t[k]))) ++k;
      if (k < t.size() && t[k] == '.' && k + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[k + 1]))) {
        size_t e = k + 1;
        while (e < t.size() && e - k < 20 && std::isdigit(static_cast<unsigned char>(t[e]))) ++e;
        std::string num(t.substr(start, e - start));
        nums.push_back(Num{std::strtod(num.c_str(), nullptr), start, e});
        i = e;
        continue;
      }
      i = k;
      continue;
    }
    ++i;
  }
  std::vector<CanaryHit> out;
  const GpsCanary& g = *profile_.gps;
  char canary[64];
  std::snprintf(canary, sizeof canary, "%.6f,%.6f", g.lat, g.lon);
  for (size_t a = 0; a + 1 < nums.size(); ++a) {
    const Num& x = nums[a];
    const Num& y = nums[a + 1];
    if (y.begin - x.end > 40) continue;  // "lat=..&lon=..", "[lon, lat]", {"lat":..,"lng":..}
    for (int order = 0; order < 2; ++order) {
      double lat = order == 0 ? x.v : y.v, lon = order == 0 ? y.v : x.v;
      if (std::fabs(lat) > 90 || std::fabs(lon) > 180) continue;
      double d = haversine_m(lat, lon, g.lat, g.lon);
      if (d <= g.tolerance_m) {
        out.push_back(CanaryHit{"gps", canary, order == 0 ? "decimal" : "decimal_lon_lat",
                                std::string(t.substr(x.begin, y.end - x.begin)), x.begin, y.end, d});
        break;
      }
    }
  }
  return out;
}

}  // namespace apkvet::traffic
