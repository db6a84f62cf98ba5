// Link-layer framing of captured packets: Ethernet (with 802.1Q tags), Linux cooked capture v1 and
// v2, raw IP and BSD loopback. Each peels its header and says which network protocol follows.
#pragma once
#include <optional>

#include "core/byte_reader.h"

namespace apkvet::traffic {

struct NetworkPayload {
  int ip_version = 0;  // 4 or 6 (anything else is not decoded further)
  Bytes bytes;
};

// `linktype` is the capture's DLT/LINKTYPE number. nullopt: a frame that carries no IP (ARP, ...),
// an unsupported link type, or a frame too short for its header.
std::optional<NetworkPayload> strip_link_layer(int linktype, Bytes frame);
bool link_type_supported(int linktype);

}  // namespace apkvet::traffic
