// Finds planted canaries in a decoded buffer: every canary spelling in every encoding an app might
// use (plain, URL-encoded, JSON-escaped, base64 at each alignment, hex, MD5/SHA-1/SHA-256) is one
// literal in a single Hyperscan database, so each buffer is scanned once whatever the number of
// canaries. GPS coordinates are found by a separate number-pair scan (a position is a distance, not
// a string).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/hyperscan_database.h"
#include "traffic/device_profile.h"

namespace apkvet::traffic {

struct CanaryHit {
  std::string type;      // canary type ("imei", ..., "gps")
  std::string canary;    // the planted value (for gps: "lat,lon")
  std::string encoding;  // "plain", "url", "json", "base64", "base64url", "hex", "md5", "sha1", "sha256", "decimal"
  std::string spelling;  // which spelling of the value matched (e.g. the MAC without colons)
  size_t begin = 0, end = 0;  // byte range in the buffer
  double distance_m = -1;     // gps only
};

class CanaryMatcher {
 public:
  explicit CanaryMatcher(const DeviceProfile& profile);
  ~CanaryMatcher();
  CanaryMatcher(const CanaryMatcher&) = delete;
  CanaryMatcher& operator=(const CanaryMatcher&) = delete;

  // All hits in `buf`, sorted by position; where hits of one canary overlap, the longest is kept.
  // One call at a time per matcher (it has one scratch).
  std::vector<CanaryHit> scan(Bytes buf) const;
  size_t pattern_count() const { return patterns_.size(); }

  struct Pattern {
    std::string literal;
    size_t canary = 0;
    std::string encoding, spelling;
    bool caseless = true;
    enum class Edge { none, digit, alnum, hex } edge = Edge::none;  // neighbours a match must not have
  };

 private:
  std::vector<CanaryHit> scan_gps(std::string_view text) const;

  DeviceProfile profile_;
  std::vector<Pattern> patterns_;
  HyperscanDatabase db_;
  HyperscanDatabase::Scratch scratch_;  // one scan at a time: traffic analysis is single-threaded
};

// The encodings, exposed for tests and the fixture generator's cross-check.
std::string url_encode(const std::string& s, bool form);
std::string json_escape(const std::string& s);
std::string hex_of(const std::string& bytes);
// The part of base64(prefix of `align` bytes + s + anything) that depends only on s.
std::string base64_fragment(const std::string& s, int align, bool urlsafe);
std::string digest_hex(const std::string& algorithm, const std::string& s);  // "md5", "sha1", "sha256"

}  // namespace apkvet::traffic
