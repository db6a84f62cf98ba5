// The ClientHello inside a client's QUIC Initial packets (RFC 9000 17.2.2, RFC 9001 5.2): Initial
// packets are protected with keys derived from the Destination Connection ID the client chose, which
// travels in clear, so anyone on the path can open them. Their CRYPTO frames carry the TLS ClientHello,
// and with it the SNI: the name of the destination of HTTP/3 and Cronet traffic (YouTube, Google Play
// services, apps built on Cronet), which is otherwise UDP to a bare address.
// QUIC version 1 only (RFC 9000); other versions are left as UDP.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.h"

namespace apkvet::traffic {

// Whether a UDP payload is a client's datagram starting with a QUIC v1 Initial packet.
bool looks_like_quic_initial(Bytes datagram);

// The client's Initial packets of one UDP flow.
class QuicInitials {
 public:
  // Opens the Initial packets of one datagram (coalesced packets too) and keeps their CRYPTO data.
  // Returns how many Initial packets it opened (a server's Initials, protected with the server's keys,
  // do not open with the client's).
  size_t add_datagram(Bytes datagram);

  // The SNI, once the CRYPTO data from offset 0 holds a whole ClientHello with one.
  std::optional<std::string> sni() const;
  // The ClientHello is in (with or without an SNI): nothing more to read.
  bool client_hello_complete() const;
  // Its client random (32 bytes): what a key log names the connection's secrets by. Empty until the
  // ClientHello's first 38 bytes are in.
  std::vector<uint8_t> client_random() const;

 private:
  std::vector<uint8_t> original_dcid_;  // the first DCID whose keys opened a packet: later ones may differ
  std::vector<uint8_t> key_, iv_, hp_;
  std::map<uint64_t, std::string> crypto_;  // CRYPTO frame data by offset
  std::string contiguous() const;
};

}  // namespace apkvet::traffic
