// Secrets in the app's strings: keys and tokens of known formats (Google, AWS, Slack, Stripe, Twilio,
// GitHub, private keys, JWTs), Firebase database URLs, and high-entropy values assigned to names like
// secret/token/password/api_key. Values never leave this file unmasked: the report gets a short prefix.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "facts/evidence.h"
#include "strings/endpoints.h"
#include "strings/pattern_scan.h"
#include "strings/secret_names.h"
#include "strings/string_pool.h"

namespace apkvet {

struct Secret {
  std::string type;         // "google_api_key", "aws_access_key_id", "private_key", "jwt", "named_secret", ...
  std::string masked;       // short prefix + "****"
  size_t length = 0;        // of the full value
  std::string fingerprint;  // "sha256:" + 12 hex of the value: correlates without revealing
  std::string name;         // the variable, key or resource it is assigned to, when known
  std::string confidence;   // "high" (known format, validated), "medium" (named, high entropy)
  std::string note;
  std::set<std::string> origins;
  std::vector<Evidence> evidence;  // value field masked; sorted, at most kMaxEvidence
  uint64_t occurrences = 0;
  static constexpr size_t kMaxEvidence = 8;
};

std::vector<Secret> find_secrets(const AppStringPool& pool, const std::vector<PatternHit>& hits,
                                 const std::vector<Endpoint>& endpoints);

// "AIzaSyAB****": at most 8 characters and a quarter of the value, then ****.
std::string mask_secret(std::string_view value);
// Shannon entropy in bits per byte.
double shannon_entropy(std::string_view s);

}  // namespace apkvet
