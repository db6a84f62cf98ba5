// SHA-256 and lower-case hex, the one way every area names content: input files, rule sets, cache
// keys, SARIF fingerprints, secret fingerprints.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace apkvet {

std::string to_hex(const unsigned char* bytes, size_t size);
// Lower-case hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

}  // namespace apkvet
