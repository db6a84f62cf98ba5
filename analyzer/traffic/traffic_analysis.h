// Dynamic evidence: which of the device's own identifiers left it in captured traffic, to whom, and
// how. Captures (pcap, pcapng, HAR) are decoded packet -> flow -> message; every decoded buffer a
// device sends is scanned once for every canary in every encoding; each hit becomes a Leak naming the
// identifier, the encoding, the destination (host, owner, jurisdiction), cleartext or TLS, the flow
// and packet, and where in the message it was.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "facts/evidence.h"
#include "traffic/canary_matcher.h"
#include "traffic/device_profile.h"

namespace apkvet {
class OwnerRules;
}

namespace apkvet::traffic {

struct Leak {
  std::string identifier;  // canary type: "imei", "gps", ...
  std::string category;    // identifier_category(): "device", "subscriber", "account", ...
  std::string canary;      // the planted value
  std::string encoding, spelling;
  std::string host, host_source;  // host_source: "http_host", "sni", "dns", "url", "ip"
  std::string ip, ip_scope;  // ip_scope: "public", "private", "loopback", "link_local", ...
  uint16_t port = 0;
  std::string transport;  // "cleartext" or "tls" (HAR from a TLS-intercepting proxy: "tls")
  std::string protocol;   // "http", "http2", "websocket", "dns", "udp", "tcp", "tls_sni", "quic_sni"
  std::string flow;       // "tcp 10.0.2.15:41234 -> 93.184.216.34:80"
  std::string capture;    // input file name
  uint64_t packet = 0;    // packet (or HAR entry) number, 1-based
  std::string time;       // ISO 8601 UTC
  std::string location;   // "path", "query", "header", "cookie", "body", "message", "dns_query", "sni", "payload"
  std::string field;      // query parameter, header name, cookie name, form field, JSON key, part name
  std::string snippet;    // the bytes around the hit, printable
  double distance_m = -1; // gps
  uint64_t occurrences = 1;

  // Enrichment from the project's endpoint data (strings/owners.h).
  std::string owner, owner_name, jurisdiction, jurisdiction_basis, party, party_basis, registrable_domain;
  std::vector<std::string> jurisdiction_groups, trackers;

  // With --apk (correlate_with_app).
  std::optional<bool> host_in_app;
  std::vector<std::string> permissions_needed;  // any one of these grants the identifier
  std::optional<bool> permission_declared;
  bool side_channel = false;
};

struct CaptureSummary {
  std::string file, format;
  std::set<int> link_types;
  uint64_t packets = 0, bytes = 0, undecoded_packets = 0, ip_fragments = 0;
  uint64_t ip_datagrams_reassembled = 0, ip_fragments_dropped = 0;  // datagrams given up (overlaps, limits)
  uint64_t tcp_flows = 0, udp_datagrams = 0, http_requests = 0, http_responses = 0, dns_messages = 0;
  uint64_t websocket_messages = 0;  // client messages read after an HTTP Upgrade
  uint64_t quic_client_hellos = 0;  // ClientHellos with an SNI read from QUIC Initial packets
  // QUIC connections whose ClientHello was read, those whose 1-RTT packets the key log opened, and why
  // the others were not ("no_key", "wrong_key", ...); quic_connections_not_read() is their number (in
  // the JSON too, where a rule compares it).
  uint64_t quic_connections = 0, quic_connections_decrypted = 0;
  uint64_t quic_connections_not_read() const { return quic_connections - quic_connections_decrypted; }
  std::map<std::string, uint64_t> quic_connections_not_decrypted;
  uint64_t quic_packets_decrypted = 0, quic_packets_undecryptable = 0;
  uint64_t tls_client_hellos = 0, stream_gaps = 0, retransmitted_bytes = 0, overlap_conflicts = 0;
  uint64_t flows_closed_idle = 0;  // closed early because too many flows were open
  // TLS connections read with the key log (--tls-keylog, or secrets embedded in the pcapng): those
  // opened, and why the others were not ("no_key", "unsupported_cipher", ...).
  uint64_t tls_sessions = 0, tls_sessions_decrypted = 0, tls_records_decrypted = 0, tls_records_undecryptable = 0;
  std::map<std::string, uint64_t> tls_sessions_not_decrypted;
  uint64_t tls_key_logs_embedded = 0;  // pcapng Decryption Secrets Blocks read
  uint64_t buffers_scanned = 0, bytes_scanned = 0;
  std::vector<std::string> errors;
};

struct HostSeen {
  std::string host;
  std::set<std::string> ips, sources, transports;
  uint64_t messages = 0;
};

struct TrafficFacts {
  std::string device;
  size_t canaries = 0, patterns = 0;
  size_t tls_key_log_entries = 0;  // secrets known from key logs (files and pcapng blocks)
  bool gps_canary = false;
  std::vector<CaptureSummary> captures;
  std::vector<Leak> leaks;  // deduplicated by (identifier, encoding, host, location, field), sorted
  std::vector<HostSeen> hosts;
  std::map<std::string, std::string> dns_names;  // ip -> last name answered for it
  bool app_correlated = false;
  std::string app_package;
};

void to_json(Json& j, const Leak& l);
void to_json(Json& j, const TrafficFacts& f);

class TrafficAnalyzer {
 public:
  explicit TrafficAnalyzer(const DeviceProfile& profile);
  // With a matcher compiled once for `profile` and shared (compiling the database is the costly part).
  TrafficAnalyzer(const DeviceProfile& profile, std::shared_ptr<const CanaryMatcher> matcher);
  ~TrafficAnalyzer();

  // Reads a capture file of any supported format (pcap, pcapng, HAR); trouble is recorded in the
  // capture's errors, never thrown. Returns false if the file could not be read at all.
  bool add_file(const std::string& path);

  // TLS secrets in NSS key log format (SSLKEYLOGFILE): connections they name are decrypted and read like
  // cleartext. Add them before the captures; pcapng files carrying secrets add their own.
  // Returns how many secrets it held (0: not a key log, or none of the labels read).
  size_t add_tls_key_log(std::string_view text);

  // Lower level, for tests and fuzzing: one capture's packets by hand.
  void begin_capture(const std::string& name, const std::string& format);
  void add_packet(int linktype, int64_t time_us, Bytes frame);
  void end_capture();
  void add_har(const std::string& name, const std::string& json_text);

  // Names hosts, looks up owners and jurisdictions, merges duplicate leaks. Call once.
  TrafficFacts finish(const OwnerRules* owners, const std::map<std::string, std::string>& first_party = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Which permissions give an app each identifier (any one suffices); empty for identifiers any app can
// read (android_id, advertising_id).
std::vector<std::string> permissions_for(const std::string& identifier);

// --apk: the app's facts JSON (apkvet scan's). Sets host_in_app, permissions and side_channel on each
// leak and returns the first-party domains to pass to finish().
struct AppContext {
  std::string package;
  std::set<std::string> permissions, static_hosts;
  std::map<std::string, std::string> first_party;  // registrable domain -> why
};
AppContext app_context_from_facts(const Json& app_facts);
void correlate_with_app(TrafficFacts& facts, const AppContext& app);

}  // namespace apkvet::traffic
