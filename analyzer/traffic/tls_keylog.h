// TLS secrets a test device logged (NSS key log format, what SSLKEYLOGFILE, friTap, PCAPdroid and
// Wireshark write), so that captured TLS can be read: on a vetting phone the app's traffic is TLS, and
// without its keys a capture shows only where it went (SNI, DNS), not what it sent.
//
// Lines are "LABEL <client_random hex> <secret hex>"; the client random (32 bytes) names the
// connection. Labels read: CLIENT_RANDOM (TLS 1.2 master secret), CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET
// and CLIENT/SERVER_TRAFFIC_SECRET_0 (TLS 1.3), CLIENT_EARLY_TRAFFIC_SECRET (QUIC 0-RTT). Others (RSA,
// EXPORTER_SECRET) are skipped; a line that is not of this form is counted, never fatal.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace apkvet::traffic {

class TlsKeyLog {
 public:
  // Adds the lines of one key log (a file's text, or a pcapng Decryption Secrets Block's); returns how
  // many secrets of the labels read it held.
  size_t add_text(std::string_view text);

  // The secret logged under `label` for the connection whose ClientHello carried `client_random`.
  const std::vector<uint8_t>* find(std::string_view label, const std::vector<uint8_t>& client_random) const;

  size_t entries() const { return entries_; }
  size_t malformed_lines() const { return malformed_; }
  bool empty() const { return secrets_.empty(); }

 private:
  std::map<std::pair<std::string, std::vector<uint8_t>>, std::vector<uint8_t>, std::less<>> secrets_;
  size_t entries_ = 0, malformed_ = 0;
};

// The Decryption Secrets Blocks (type 0x0000000A) of a pcapng file holding TLS key logs ('TLSK'), as
// `editcap --inject-secrets tls,KEYS` and PCAPdroid write them; libpcap skips these blocks, so the
// file is walked here. Empty for pcap files and pcapng files without such blocks.
std::vector<std::string> pcapng_tls_key_logs(std::string_view file);

}  // namespace apkvet::traffic
