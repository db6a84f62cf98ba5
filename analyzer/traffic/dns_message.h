// DNS messages (RFC 1035) over UDP: the names asked and the addresses answered, so each IP in the
// capture can be named by the host the app looked up.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "traffic/net_bytes.h"

namespace apkvet::traffic {

struct DnsAnswer {
  std::string name;
  uint16_t type = 0;  // 1 A, 28 AAAA, 5 CNAME
  IpAddress address;  // A / AAAA
  std::string target; // CNAME
};

struct DnsMessage {
  uint16_t id = 0;
  bool response = false;
  std::vector<std::string> questions;  // lower-case names
  std::vector<DnsAnswer> answers;
};

// nullopt when the bytes are not a plausible DNS message.
std::optional<DnsMessage> parse_dns_message(Bytes udp_payload);

}  // namespace apkvet::traffic
