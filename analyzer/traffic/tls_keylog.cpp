#include "traffic/tls_keylog.h"

#include <cstring>

namespace apkvet::traffic {

namespace {

bool unhex(std::string_view s, std::vector<uint8_t>& out) {
  if (s.size() % 2) return false;
  out.clear();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(uint8_t(hi << 4 | lo));
  }
  return true;
}

bool wanted(std::string_view label) {
  return label == "CLIENT_RANDOM" || label == "CLIENT_HANDSHAKE_TRAFFIC_SECRET" ||
         label == "SERVER_HANDSHAKE_TRAFFIC_SECRET" || label == "CLIENT_TRAFFIC_SECRET_0" ||
         label == "SERVER_TRAFFIC_SECRET_0" || label == "CLIENT_EARLY_TRAFFIC_SECRET";
}

uint32_t u32(std::string_view f, size_t at, bool big_endian) {
  const auto* p = reinterpret_cast<const uint8_t*>(f.data() + at);
  return big_endian ? uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]
                    : uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}

}  // namespace

size_t TlsKeyLog::add_text(std::string_view text) {
  size_t before = entries_;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t a = line.find(' '), b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    std::vector<uint8_t> random, secret;
    if (b == std::string_view::npos || !unhex(line.substr(a + 1, b - a - 1), random) ||
        !unhex(line.substr(b + 1), secret) || random.empty() || secret.empty()) {
      ++malformed_;
      continue;
    }
    std::string_view label = line.substr(0, a);
    if (!wanted(label) || random.size() != 32) continue;
    ++entries_;
    secrets_[{std::string(label), std::move(random)}] = std::move(secret);
  }
  return entries_ - before;
}

const std::vector<uint8_t>* TlsKeyLog::find(std::string_view label, const std::vector<uint8_t>& client_random) const {
  auto it = secrets_.find(std::make_pair(std::string(label), client_random));
  return it == secrets_.end() ? nullptr : &it->second;
}

std::vector<std::string> pcapng_tls_key_logs(std::string_view f) {
  // Section Header Block: type 0x0A0D0D0A, total length, byte-order magic 0x1A2B3C4D.
  std::vector<std::string> logs;
  if (f.size() < 12 || std::memcmp(f.data(), "\x0a\x0d\x0d\x0a", 4) != 0) return logs;
  bool big_endian = false;
  size_t at = 0;
  while (at + 12 <= f.size()) {
    uint32_t type = u32(f, at, big_endian);
    if (type == 0x0A0D0D0A) {  // each section states its own byte order
      uint32_t magic = u32(f, at + 8, false);
      if (magic == 0x1A2B3C4D) big_endian = false;
      else if (magic == 0x4D3C2B1A) big_endian = true;
      else break;
    }
    uint32_t total = u32(f, at + 4, big_endian);
    if (total < 12 || total % 4 || total > f.size() - at) break;  // damaged: libpcap reports it
    if (type == 0x0000000A && total >= 20) {
      uint32_t secrets_type = u32(f, at + 8, big_endian), length = u32(f, at + 12, big_endian);
      if (secrets_type == 0x544c534b && length <= total - 20) logs.emplace_back(f.substr(at + 16, length));
    }
    at += total;
  }
  return logs;
}

}  // namespace apkvet::traffic
