// The TLS ClientHello's server_name extension (RFC 6066): the one host name a TLS connection reveals
// in clear, which names the destination of an encrypted flow.
#pragma once
#include <optional>
#include <string>

#include "core/byte_reader.h"

namespace apkvet::traffic {

// Whether the first bytes of a stream direction are a TLS handshake record.
bool looks_like_tls(Bytes prefix);

// The SNI host name from the start of a client's stream (one or more handshake records), or nullopt
// when there is no ClientHello, no SNI, or not all of the ClientHello has arrived yet; `complete`, when
// given, says whether the whole ClientHello is in (so that a missing SNI is final).
std::optional<std::string> client_hello_sni(Bytes stream_start, bool* complete = nullptr);

// The same from bare handshake messages (no record layer), as QUIC carries them in CRYPTO frames.
std::optional<std::string> handshake_client_hello_sni(Bytes handshake);

}  // namespace apkvet::traffic
