// One multi-pattern pass (Hyperscan) over every string of the pool: URL schemes, host names, IP
// literals, e-mail addresses and secret formats are found together; code then validates each hit.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "strings/string_pool.h"

namespace apkvet {

enum class PatternId : uint8_t {
  url,          // scheme://  (the anchor; the URL is extended by code)
  host,         // dotted name
  email,
  ipv4,
  ipv6,
  google_api_key,
  aws_access_key,
  slack_token,
  stripe_key,
  twilio_key,
  twilio_account,
  private_key,
  jwt,
  github_token,
  google_oauth_secret,
  named_secret,      // name = value / "name": "value"
  xml_named_secret,  // <string name="..._key">value</string>
  count
};
const char* to_string(PatternId id);

// [A-Za-z0-9_-]: a byte of a token or of a host label, as the patterns and the code that extends and
// validates their hits (secrets.cpp) count it.
inline bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// A hit: `len` bytes at `pos` of pool string `string`, the longest match starting there.
struct PatternHit {
  uint32_t string = 0;
  uint32_t pos = 0;
  uint32_t len = 0;
  PatternId id = PatternId::url;
};

// The regular expression of a pattern (also used by the reference script and the tests).
std::string_view pattern_regex(PatternId id);

// Scans every string of the pool in one Hyperscan pass per buffer (small strings are joined with
// '\n', which no pattern crosses). Hits come back sorted by (string, pos, id). Thread-safe.
std::vector<PatternHit> scan_pool(const AppStringPool& pool);
// The same for one piece of text (tests, fuzzing): hits with string = 0.
std::vector<PatternHit> scan_text(std::string_view text);
// scan_text with Hyperscan tracking the start of every variable-length pattern (HS_FLAG_SOM_LEFTMOST)
// instead of the walks back from each end that scans use: the reference they are tested against.
// Compiles a second database on first use.
std::vector<PatternHit> scan_text_tracking_starts(std::string_view text);

}  // namespace apkvet
