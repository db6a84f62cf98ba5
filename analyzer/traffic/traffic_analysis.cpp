#include "traffic/traffic_analysis.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <tuple>

#include "core/mapped_file.h"
#include "strings/domain.h"
#include "strings/geoip.h"
#include "strings/owners.h"
#include "traffic/dns_message.h"
#include "traffic/har_file.h"
#include "traffic/http2_frames.h"
#include "traffic/http_message.h"
#include "traffic/ip_packet.h"
#include "traffic/ip_reassembly.h"
#include "traffic/quic_connection.h"
#include "traffic/quic_initial.h"
#include "traffic/link_layer.h"
#include "traffic/pcap_library.h"
#include "traffic/tcp_reassembly.h"
#include "traffic/tls_client_hello.h"
#include "traffic/tls_keylog.h"
#include "traffic/tls_session.h"
#include "traffic/websocket_frames.h"

namespace apkvet::traffic {

namespace {

constexpr size_t kRawChunk = 64 * 1024;       // raw TCP bytes scanned per pass
constexpr size_t kRawOverlap = 256;           // kept between passes so a canary split there is found
constexpr size_t kMaxMessageBuffer = 32 * 1024 * 1024;  // an unfinished HTTP message larger than this is scanned raw
constexpr size_t kMaxFlows = 100000;  // open TCP flows; beyond this the longest idle half is closed

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string iso_time(int64_t us) {
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(us % 1000000));
  return out;
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '.';
  return out;
}

std::string snippet_of(std::string_view buf, size_t begin, size_t end) {
  size_t from = begin > 32 ? begin - 32 : 0, to = std::min(buf.size(), end + 32);
  return printable(buf.substr(from, to - from));
}

std::string strip_port(std::string host) {
  if (!host.empty() && host[0] == '[') {  // [::1]:8080
    size_t close = host.find(']');
    return close == std::string::npos ? host : host.substr(1, close - 1);
  }
  if (std::count(host.begin(), host.end(), ':') == 1) host = host.substr(0, host.find(':'));
  return lower(host);
}

// The name of the key=value pair (query string, form body, cookie list) that contains `pos`.
std::string pair_name(std::string_view text, size_t pos, char separator) {
  size_t start = 0;
  for (size_t i = pos; i > 0; --i)
    if (text[i - 1] == separator || text[i - 1] == '?') {
      start = i;
      break;
    }
  size_t eq = text.find('=', start);
  if (eq == std::string_view::npos || eq >= pos) return "";
  std::string name(text.substr(start, eq - start));
  while (!name.empty() && name.front() == ' ') name.erase(0, 1);
  return name;
}

// The JSON key whose value contains `pos`: the last "key": before it (good enough to point a reader at).
std::string json_key(std::string_view text, size_t pos) {
  size_t colon = text.rfind(':', pos);
  while (colon != std::string_view::npos) {
    size_t q2 = colon;
    while (q2 > 0 && (text[q2 - 1] == ' ' || text[q2 - 1] == '\t' || text[q2 - 1] == '\n' || text[q2 - 1] == '\r')) --q2;
    if (q2 > 0 && text[q2 - 1] == '"') {
      size_t q1 = text.rfind('"', q2 - 2 < q2 ? q2 - 2 : 0);
      if (q1 != std::string_view::npos && q2 >= q1 + 2) return std::string(text.substr(q1 + 1, q2 - q1 - 2));
    }
    if (colon == 0) break;
    colon = text.rfind(':', colon - 1);
  }
  return "";
}

std::string multipart_name(std::string_view text, size_t pos) {
  size_t at = text.rfind("name=\"", pos);
  if (at == std::string_view::npos) return "";
  size_t end = text.find('"', at + 6);
  if (end == std::string_view::npos || end > pos) return "";
  return std::string(text.substr(at + 6, end - at - 6));
}

std::string body_field(const std::string& content_type, std::string_view body, size_t pos) {
  std::string ct = lower(content_type);
  if (ct.find("x-www-form-urlencoded") != std::string::npos) return pair_name(body, pos, '&');
  if (ct.find("multipart/") != std::string::npos) return multipart_name(body, pos);
  if (ct.find("json") != std::string::npos || (!body.empty() && (body[0] == '{' || body[0] == '[')))
    return json_key(body, pos);
  return "";
}

std::string ip_scope(const IpAddress& a) {
  const auto& b = a.bytes;
  if (a.version == 4) {
    if (b[0] == 127) return "loopback";
    if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168)) return "private";
    if (b[0] == 169 && b[1] == 254) return "link_local";
    if (b[0] == 100 && (b[1] & 0xC0) == 64) return "shared";
    if (b[0] >= 224 && b[0] < 240) return "multicast";
    return "public";
  }
  bool loop = b[15] == 1;
  for (int i = 0; i < 15; ++i) loop = loop && b[i] == 0;
  if (loop) return "loopback";
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return "link_local";
  if ((b[0] & 0xFE) == 0xFC) return "private";
  if (b[0] == 0xFF) return "multicast";
  return "public";
}

}  // namespace

struct TrafficAnalyzer::Impl {
  Impl(const DeviceProfile& p, std::shared_ptr<const CanaryMatcher> m)
      : profile(p), matcher_ptr(m ? std::move(m) : std::make_shared<const CanaryMatcher>(p)), matcher(*matcher_ptr) {}

  struct Endpoint {
    IpAddress addr;
    uint16_t port = 0;
    auto operator<=>(const Endpoint&) const = default;
  };
  struct FlowKey {
    Endpoint a, b;  // a < b
    auto operator<=>(const FlowKey&) const = default;
    static FlowKey of(const Endpoint& x, const Endpoint& y) { return x < y ? FlowKey{x, y} : FlowKey{y, x}; }
  };
  enum class Proto { unknown, http, http2, websocket, tls, raw };
  // One direction's bytes at one level: the TCP payload, or the application data TLS records carried.
  struct Layer {
    TcpStream stream;
    Proto proto = Proto::unknown;
    size_t raw_scanned_tail = 0;
    std::unique_ptr<Http2Requests> http2;
    std::unique_ptr<WebSocketMessages> websocket;
  };
  struct Flow {
    Endpoint client, server;
    Layer tcp[2];          // 0: client -> server, 1: server -> client
    Layer tls[2];          // decrypted, when the key log opens the connection
    std::unique_ptr<TlsSession> session;
    bool closed[2] = {false, false};
    bool sni_done = false;
    std::string host, host_source;  // from the latest Host header, or the SNI
    std::deque<std::string> methods;  // requests awaiting a response (HEAD responses have no body)
    uint64_t last_packet = 0;
  };

  DeviceProfile profile;
  TlsKeyLog keylog;
  std::shared_ptr<const CanaryMatcher> matcher_ptr;
  const CanaryMatcher& matcher;
  std::vector<CaptureSummary> captures;
  bool in_capture = false;
  std::map<FlowKey, Flow> flows;
  struct QuicFlow {
    QuicInitials initials;
    std::string host;  // the SNI of its ClientHello
    bool done = false;
    bool client_known = false;  // a client Initial opened: `client` sent it
    Endpoint client, server;
    std::unique_ptr<QuicConnection> connection;  // with a key log: its 1-RTT packets, read
  };
  std::map<FlowKey, QuicFlow> quic_flows;  // UDP flows that began with a client's QUIC Initial
  IpReassembly fragments;
  uint64_t packet_no = 0;
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>, Leak> leaks;
  std::map<std::string, HostSeen> hosts;
  std::map<std::string, std::string> dns_names;

  CaptureSummary& cur() { return captures.back(); }

  std::string flow_name(const Flow& f) const {
    auto ep = [](const Endpoint& e) {
      return e.addr.version == 6 ? "[" + e.addr.str() + "]:" + std::to_string(e.port) : e.addr.str() + ":" + std::to_string(e.port);
    };
    return "tcp " + ep(f.client) + " -> " + ep(f.server);
  }

  void note_host(const std::string& host, const std::string& ip, const std::string& source, const std::string& transport) {
    if (host.empty()) return;
    HostSeen& h = hosts[host];
    h.host = host;
    if (!ip.empty()) h.ips.insert(ip);
    h.sources.insert(source);
    if (!transport.empty()) h.transports.insert(transport);
    ++h.messages;
  }

  // Records every hit in one scanned buffer; `where` maps a hit's offset to (location, field).
  template <typename Where>
  std::vector<CanaryHit> scan(std::string_view buf, const Leak& base, Where where, size_t report_from = 0) {
    ++cur().buffers_scanned;
    cur().bytes_scanned += buf.size();
    auto hits = matcher.scan(Bytes(reinterpret_cast<const uint8_t*>(buf.data()), buf.size()));
    for (const auto& h : hits) {
      if (h.end <= report_from) continue;  // already reported from the previous raw chunk
      Leak l = base;
      l.identifier = h.type;
      l.category = identifier_category(h.type);
      l.canary = h.canary;
      l.encoding = h.encoding;
      l.spelling = h.spelling;
      l.distance_m = h.distance_m;
      auto [loc, field] = where(h.begin);
      l.location = loc;
      l.field = field;
      l.snippet = snippet_of(buf, h.begin, h.end);
      add_leak(std::move(l));
    }
    return hits;
  }

  void add_leak(Leak l) {
    auto key = std::make_tuple(l.capture, l.identifier, l.encoding, l.host.empty() ? l.ip : l.host, l.location, l.field,
                               l.transport);
    auto [it, fresh] = leaks.try_emplace(key, l);
    if (!fresh) ++it->second.occurrences;
  }

  Leak base_leak(const Flow& f, const PacketRef& ref, const std::string& protocol, const std::string& transport) {
    Leak l;
    l.capture = cur().file;
    l.ip = f.server.addr.str();
    l.ip_scope = ip_scope(f.server.addr);
    l.port = f.server.port;
    l.host = f.host;
    l.host_source = f.host.empty() ? "ip" : f.host_source;
    l.protocol = protocol;
    l.transport = transport;
    l.flow = flow_name(f);
    l.packet = ref.number;
    l.time = iso_time(ref.time_us);
    return l;
  }
  // The same for a UDP datagram (DNS, QUIC, raw): its flow is named "udp ...".
  Leak udp_leak(const Flow& f, const PacketRef& ref, const std::string& protocol, const std::string& transport) {
    Leak l = base_leak(f, ref, protocol, transport);
    l.flow = "udp" + l.flow.substr(3);
    return l;
  }


  // --- HTTP ---------------------------------------------------------------------------------------
  void http_request(const HttpMessage& m, Leak base) {
    ++cur().http_requests;
    std::string host = strip_port(m.header("Host"));
    std::string target = m.target;
    // Absolute-form target (requests to a proxy): the host is in the URL.
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
      size_t hs = target.find("//") + 2, pe = target.find('/', hs);
      if (host.empty()) host = strip_port(target.substr(hs, pe - hs));
    }
    if (!host.empty()) {
      base.host = host;
      base.host_source = "http_host";
    }
    note_host(base.host, base.ip, base.host_source, base.transport);
    scan_http(m, base);
  }

  void scan_http(const HttpMessage& m, const Leak& base) {
    // The head (start line and headers) is one buffer; a hit's line says where it was.
    std::string_view head = m.head;
    size_t line_end = head.find("\r\n");
    size_t target_at = head.find(' ') + 1;
    size_t query_at = head.find('?', target_at);
    size_t target_end = head.find(' ', target_at);
    if (target_end > line_end) target_end = line_end;
    if (query_at > target_end) query_at = std::string_view::npos;
    scan(head, base, [&](size_t pos) -> std::pair<std::string, std::string> {
      if (pos < line_end) {
        if (query_at != std::string_view::npos && pos > query_at)
          return {"query", pair_name(head.substr(0, target_end), pos, '&')};
        return {"path", ""};
      }
      size_t ls = head.rfind("\r\n", pos);
      ls = ls == std::string_view::npos ? 0 : ls + 2;
      size_t colon = head.find(':', ls);
      std::string name(head.substr(ls, colon == std::string_view::npos ? 0 : colon - ls));
      if (lower(name) == "cookie") return {"cookie", pair_name(head, pos, ';')};
      return {"header", name};
    });
    if (!m.body.empty()) {
      std::string ct = m.header("Content-Type");
      std::string_view body = m.body;
      scan(body, base, [&](size_t pos) -> std::pair<std::string, std::string> {
        return {"body", body_field(ct, body, pos)};
      });
    }
  }

  // --- TCP ----------------------------------------------------------------------------------------
  void tcp_packet(const TransportPacket& p, const PacketRef& ref) {
    Endpoint src{p.src, p.src_port}, dst{p.dst, p.dst_port};
    FlowKey key = FlowKey::of(src, dst);
    auto it = flows.find(key);
    if (it == flows.end()) {
      Flow f;
      // Who opened it: the SYN's sender; without the handshake, the side on the higher port.
      bool src_is_client = (p.syn && !p.ack_flag) || (!(p.syn && p.ack_flag) && p.src_port > p.dst_port);
      f.client = src_is_client ? src : dst;
      f.server = src_is_client ? dst : src;
      it = flows.emplace(key, std::move(f)).first;
      ++cur().tcp_flows;
    }
    Flow& f = it->second;
    f.last_packet = ref.number;
    int d = src == f.client ? 0 : 1;
    f.tcp[d].stream.add(p.seq, p.syn, p.payload, ref);
    process(f, d, false);
    if (p.fin) f.closed[d] = true;
    if (p.rst || (f.closed[0] && f.closed[1])) {
      close_flow(f);
      flows.erase(it);
    }
    if (flows.size() > kMaxFlows) evict_idle();
  }

  // Connections that never saw FIN or RST would otherwise stay until the end of the capture: close
  // (flush and scan) the half that has been idle longest.
  void evict_idle() {
    std::vector<uint64_t> last;
    for (const auto& [k, f] : flows) last.push_back(f.last_packet);
    std::nth_element(last.begin(), last.begin() + last.size() / 2, last.end());
    uint64_t cutoff = last[last.size() / 2];
    for (auto it = flows.begin(); it != flows.end();) {
      if (it->second.last_packet < cutoff) {
        close_flow(it->second);
        it = flows.erase(it);
        ++cur().flows_closed_idle;
      } else {
        ++it;
      }
    }
  }

  void close_flow(Flow& f) {
    for (int d = 0; d < 2; ++d) f.tcp[d].stream.flush();
    // The server's side first: its ServerHello may be what the client's held TLS records wait for.
    if (f.session) process(f, 1, false);
    for (int d = 0; d < 2; ++d) {
      process(f, d, true);
      cur().stream_gaps += f.tcp[d].stream.gaps();
      cur().retransmitted_bytes += f.tcp[d].stream.retransmitted_bytes();
      cur().overlap_conflicts += f.tcp[d].stream.conflicting_overlaps();
    }
    if (f.session) {
      CaptureSummary& c = cur();
      ++c.tls_sessions;
      c.tls_records_decrypted += f.session->records_decrypted();
      c.tls_records_undecryptable += f.session->records_undecryptable();
      std::string status = f.session->status();
      if (status == "decrypted") ++c.tls_sessions_decrypted;
      else ++c.tls_sessions_not_decrypted[status];
    }
  }

  void scan_raw(Flow& f, int d, Layer& layer, bool ended, const std::string& transport) {
    TcpStream& s = layer.stream;
    if (s.data().empty() || (!ended && s.data().size() < kRawChunk)) return;
    if (d == 0) {  // only what the device sends
      Leak base = base_leak(f, s.packet_at(s.offset()), "tcp", transport);
      scan(s.data(), base, [](size_t) -> std::pair<std::string, std::string> { return {"payload", ""}; },
           layer.raw_scanned_tail);
    }
    size_t keep = ended ? 0 : std::min(kRawOverlap, s.data().size());
    s.consume(s.data().size() - keep);
    layer.raw_scanned_tail = keep;
  }

  void process(Flow& f, int d, bool ended) { read_layer(f, d, f.tcp[d], ended, "cleartext"); }

  // Reads what has arrived in one direction of one layer: HTTP/1.x, HTTP/2, TLS (whose application
  // data, when the key log opens it, is read as the layer above) or raw bytes.
  void read_layer(Flow& f, int d, Layer& layer, bool ended, const std::string& transport) {
    TcpStream& s = layer.stream;
    bool inside_tls = &layer == &f.tls[d];
    if (layer.proto == Proto::unknown) {
      if (s.data().size() < 8 && !ended) return;
      if (s.data().empty()) return;
      std::string_view start(s.data().data(), std::min<size_t>(s.data().size(), 24));
      if (d == 0 && looks_like_http2(start)) layer.proto = Proto::http2;
      else if (looks_like_http(start)) layer.proto = Proto::http;
      else if (!inside_tls && looks_like_tls(Bytes(reinterpret_cast<const uint8_t*>(start.data()), start.size())))
        layer.proto = Proto::tls;
      else layer.proto = Proto::raw;
    }
    if (layer.proto == Proto::http) {
      for (;;) {
        if (s.data().empty()) return;
        HttpMessage m;
        size_t used = 0;
        bool no_body = d == 1 && !f.methods.empty() && f.methods.front() == "HEAD";
        auto st = HttpParser::parse(s.data(), ended, no_body, m, used);
        if (st == HttpParser::Status::complete) {
          PacketRef ref = s.packet_at(s.offset());
          bool upgrade = false;
          if (m.request && d == 0) {
            f.methods.push_back(m.method);
            request(f, m, base_leak(f, ref, "http", transport));
            upgrade = is_websocket_upgrade(m.header("Upgrade"));
          } else {
            ++cur().http_responses;
            if (!f.methods.empty()) f.methods.pop_front();
          }
          s.consume(std::max<size_t>(used, 1));
          if (upgrade) {
            layer.proto = Proto::websocket;  // what the client sends next is WebSocket frames
            break;
          }
          continue;
        }
        if (st == HttpParser::Status::need_more && s.data().size() <= kMaxMessageBuffer) return;
        // Not HTTP after all (or an absurdly large message): treat the rest as raw bytes.
        layer.proto = Proto::raw;
        break;
      }
    }
    if (layer.proto == Proto::websocket) {
      if (!layer.websocket) layer.websocket = std::make_unique<WebSocketMessages>();
      std::vector<WebSocketMessages::Message> messages;
      size_t used = layer.websocket->feed(s.data(), s.offset(), ended, messages);
      for (const auto& m : messages) websocket_message(m.payload, base_leak(f, s.packet_at(m.offset), "websocket", transport));
      s.consume(used);
      if (!layer.websocket->failed() && s.data().size() <= kMaxMessageBuffer) return;
      layer.proto = Proto::raw;  // not frames after all, or a frame too large to hold: scanned as bytes
    }
    if (layer.proto == Proto::http2) {
      if (!layer.http2) layer.http2 = std::make_unique<Http2Requests>();
      std::vector<Http2Requests::Request> requests;
      size_t used = layer.http2->feed(s.data(), s.offset(), ended, requests);
      for (const auto& r : requests) request(f, r.message, base_leak(f, s.packet_at(r.offset), "http2", transport));
      s.consume(used);
      if (!layer.http2->failed()) return;
      layer.proto = Proto::raw;  // what HPACK or the framing could not read is still scanned as bytes
    }
    if (layer.proto == Proto::tls) {
      if (d == 0 && !f.sni_done) {
        Bytes data(reinterpret_cast<const uint8_t*>(s.data().data()), s.data().size());
        bool complete = false;
        auto sni = client_hello_sni(data, &complete);
        if (sni || complete || ended || s.data().size() > 65536) {
          f.sni_done = true;
          if (sni) {
            ++cur().tls_client_hellos;
            f.host = *sni;
            f.host_source = "sni";
            server_name(*sni, base_leak(f, s.packet_at(s.offset()), "tls_sni", "tls"));
          }
        } else {
          return;  // wait for the rest of the ClientHello
        }
      }
      if (keylog.empty()) {
        s.consume(s.data().size());  // encrypted, and no key to open it
        return;
      }
      if (!f.session) f.session = std::make_unique<TlsSession>(keylog);
      std::vector<TlsSession::Plaintext> opened;
      size_t used = f.session->feed(d, s.data(), s.offset(), ended, opened);
      for (const auto& p : opened) f.tls[d].stream.append(p.bytes, s.packet_at(p.record_offset));
      s.consume(ended ? s.data().size() : used);
      read_layer(f, d, f.tls[d], ended, "tls");
      // Records of the other side held for want of the ServerHello can now be opened.
      if (f.session->take_keys_changed()) process(f, 1 - d, false);
      return;
    }
    if (layer.proto == Proto::raw) scan_raw(f, d, layer, ended, transport);
  }

  // The server name a ClientHello carried (TLS over TCP, or QUIC's Initial): it names the host, and
  // is itself scanned (identifiers in SNI labels).
  void server_name(const std::string& sni, const Leak& base) {
    note_host(sni, base.ip, "sni", "tls");
    scan(sni, base, [](size_t) -> std::pair<std::string, std::string> { return {"sni", ""}; });
  }

  // A message the client sent on a WebSocket: scanned whole (unmasked, inflated), with the JSON key
  // around a hit when it carries JSON (Socket.IO's 42["event",{...}] too).
  void websocket_message(std::string_view text, const Leak& base) {
    ++cur().websocket_messages;
    bool json = text.find('{') != std::string_view::npos || text.find('[') != std::string_view::npos;
    scan(text, base, [&](size_t pos) -> std::pair<std::string, std::string> {
      return {"message", json ? json_key(text, pos) : ""};
    });
  }

  // A request the device sent (HTTP/1.x or HTTP/2): later bytes of the connection that are not HTTP
  // keep the last Host seen.
  void request(Flow& f, const HttpMessage& m, Leak base) {
    http_request(m, std::move(base));
    std::string host = strip_port(m.header("Host"));
    if (!host.empty()) f.host = host, f.host_source = "http_host";
  }

  // --- UDP ----------------------------------------------------------------------------------------
  void udp_packet(const TransportPacket& p, const PacketRef& ref) {
    ++cur().udp_datagrams;
    Flow pseudo;
    pseudo.client = {p.src, p.src_port};
    pseudo.server = {p.dst, p.dst_port};
    FlowKey key = FlowKey::of(pseudo.client, pseudo.server);
    QuicFlow* quic = nullptr;
    if (auto it = quic_flows.find(key); it != quic_flows.end()) quic = &it->second;
    // A new connection from the same client port, after the last one finished: its first Initial opens
    // under its own Destination Connection ID and carries another client random. (The client's later
    // Initials of the same connection open only under the first one's keys; a resent first Initial
    // has the same random.) The finished connection is closed, and the flow read afresh.
    if (quic && quic->done && quic->client_known && pseudo.client == quic->client &&
        looks_like_quic_initial(p.payload)) {
      QuicInitials next;
      if (next.add_datagram(p.payload)) {
        std::vector<uint8_t> random = next.client_random();
        if (!random.empty() && random != quic->initials.client_random()) {
          close_quic(*quic);
          *quic = QuicFlow();
        }
      }
    }
    if (looks_like_quic_initial(p.payload) && (!quic || !quic->done)) {
      if (!quic) {
        if (quic_flows.size() >= kMaxFlows) {  // bounded: long captures of many flows
          for (auto& [k, q] : quic_flows) close_quic(q);
          quic_flows.clear();
        }
        quic = &quic_flows[key];
      }
      if (quic->initials.add_datagram(p.payload) && !quic->client_known) {
        quic->client_known = true;
        quic->client = pseudo.client;
        quic->server = pseudo.server;
        if (!keylog.empty()) quic->connection = std::make_unique<QuicConnection>(keylog);
      }
      if (quic->client_known && quic->initials.client_hello_complete()) {
        quic->done = true;
        if (quic->connection) quic->connection->set_client_random(quic->initials.client_random());
        if (auto sni = quic->initials.sni()) {
          ++cur().quic_client_hellos;
          quic->host = *sni;
          Leak base = udp_leak(pseudo, ref, "quic_sni", "tls");
          base.host = *sni;
          base.host_source = "sni";
          server_name(*sni, base);
        }
      }
    }
    bool read_whole = false;  // a QUIC datagram whose every packet was opened: its ciphertext is not scanned
    if (quic && quic->connection) {
      std::vector<Http3Requests::Request> requests;
      read_whole = quic->connection->add_datagram(pseudo.client == quic->client, p.payload, ref, requests);
      quic_requests(*quic, requests);
    }
    bool dns_port = p.src_port == 53 || p.dst_port == 53 || p.src_port == 5353 || p.dst_port == 5353 ||
                    p.src_port == 5355 || p.dst_port == 5355;
    // DNS on its ports, or on any port when the datagram parses as DNS with well-formed names (test
    // setups and DoH-less resolvers on odd ports).
    std::optional<DnsMessage> dns = parse_dns_message(p.payload);
    if (dns && !dns_port &&
        std::any_of(dns->questions.begin(), dns->questions.end(),
                    [](const std::string& q) { return !valid_host_syntax(q) || q.find('.') == std::string::npos; }))
      dns.reset();  // (not inside the loop over its own questions: that freed what the loop was reading)
    {
      if (auto& m = dns) {
        ++cur().dns_messages;
        if (m->response) {
          std::string asked = m->questions.empty() ? "" : m->questions.front();
          for (const auto& a : m->answers)
            if (a.address.version) {
              std::string name = asked.empty() ? a.name : asked;
              dns_names[a.address.str()] = name;
              note_host(name, a.address.str(), "dns", "");
            }
        } else {
          for (const auto& q : m->questions) {
            Leak base = udp_leak(pseudo, ref, "dns", "cleartext");
            base.host = q;
            base.host_source = "dns_query";
            scan(q, base, [](size_t) -> std::pair<std::string, std::string> { return {"dns_query", ""}; });
          }
        }
        return;
      }
    }
    if (read_whole) return;
    Leak base = udp_leak(pseudo, ref, "udp", quic ? "tls" : "cleartext");
    if (quic && !quic->host.empty()) base.host = quic->host, base.host_source = "sni";
    scan(as_chars(p.payload), base, [](size_t) -> std::pair<std::string, std::string> { return {"payload", ""}; });
  }

  // HTTP/3 requests read from a QUIC connection the key log opened.
  void quic_requests(const QuicFlow& q, const std::vector<Http3Requests::Request>& requests) {
    if (requests.empty()) return;
    Flow pseudo;
    pseudo.client = q.client;
    pseudo.server = q.server;
    pseudo.host = q.host;
    pseudo.host_source = "sni";
    for (const auto& r : requests) {
      Leak base = udp_leak(pseudo, r.packet, "http3", "tls");
      http_request(r.message, base);
    }
  }

  // A QUIC connection's end (the capture's, or eviction): its unfinished requests, and whether it was read.
  void close_quic(QuicFlow& q) {
    if (!q.done) return;
    CaptureSummary& c = cur();
    ++c.quic_connections;
    std::string status = "no_key";  // no key log at all
    if (q.connection) {
      std::vector<Http3Requests::Request> requests;
      q.connection->finish(requests);
      quic_requests(q, requests);
      status = q.connection->status();
      c.quic_packets_decrypted += q.connection->packets_decrypted();
      c.quic_packets_undecryptable += q.connection->packets_undecryptable();
    }
    if (status == "decrypted") ++c.quic_connections_decrypted;
    else ++c.quic_connections_not_decrypted[status];
  }

  void packet(int linktype, int64_t time_us, Bytes frame) {
    CaptureSummary& c = cur();
    ++packet_no;
    ++c.packets;
    c.bytes += frame.size();
    c.link_types.insert(linktype);
    auto net = strip_link_layer(linktype, frame);
    if (!net) {
      ++c.undecoded_packets;
      return;
    }
    TransportPacket p;
    IpFragment fragment;
    IpResult parsed = parse_ip_packet(net->ip_version, net->bytes, p, &fragment);
    std::optional<std::vector<uint8_t>> datagram;  // a reassembled one: `p` views it
    if (parsed == IpResult::fragment) {
      ++c.ip_fragments;
      datagram = fragments.add(p.src, p.dst, fragment);
      c.ip_fragments_dropped = fragments.dropped();
      if (!datagram) return;
      ++c.ip_datagrams_reassembled;
      p = TransportPacket();
      parsed = parse_ip_packet(net->ip_version, Bytes(datagram->data(), datagram->size()), p);
    }
    if (parsed != IpResult::ok) {
      ++c.undecoded_packets;
      return;
    }
    PacketRef ref{packet_no, time_us};
    if (p.protocol == 6) tcp_packet(p, ref);
    else udp_packet(p, ref);
  }

  void end() {
    if (!in_capture) return;
    for (auto& [k, f] : flows) close_flow(f);
    flows.clear();
    for (auto& [k, q] : quic_flows) close_quic(q);
    quic_flows.clear();
    in_capture = false;
  }
};

TrafficAnalyzer::TrafficAnalyzer(const DeviceProfile& profile) : impl_(std::make_unique<Impl>(profile, nullptr)) {}
TrafficAnalyzer::TrafficAnalyzer(const DeviceProfile& profile, std::shared_ptr<const CanaryMatcher> matcher)
    : impl_(std::make_unique<Impl>(profile, std::move(matcher))) {}
TrafficAnalyzer::~TrafficAnalyzer() = default;

size_t TrafficAnalyzer::add_tls_key_log(std::string_view text) { return impl_->keylog.add_text(text); }

void TrafficAnalyzer::begin_capture(const std::string& name, const std::string& format) {
  impl_->end();
  CaptureSummary c;
  c.file = name;
  c.format = format;
  impl_->captures.push_back(std::move(c));
  impl_->in_capture = true;
  impl_->packet_no = 0;
  impl_->fragments = IpReassembly();  // fragments never join across captures
}

void TrafficAnalyzer::add_packet(int linktype, int64_t time_us, Bytes frame) {
  if (!impl_->in_capture) begin_capture("-", "packets");
  impl_->packet(linktype, time_us, frame);
}

void TrafficAnalyzer::end_capture() { impl_->end(); }

bool TrafficAnalyzer::add_file(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  char magic[4] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      begin_capture(name, "unreadable");
      impl_->cur().errors.push_back("cannot open " + path);
      end_capture();
      return false;
    }
    in.read(magic, 4);
  }
  uint32_t m = uint32_t(uint8_t(magic[0])) << 24 | uint32_t(uint8_t(magic[1])) << 16 | uint32_t(uint8_t(magic[2])) << 8 |
               uint8_t(magic[3]);
  bool pcap = m == 0xA1B2C3D4 || m == 0xD4C3B2A1 || m == 0xA1B23C4D || m == 0x4D3CB2A1;
  bool pcapng = m == 0x0A0D0D0A;
  if (pcap || pcapng) {
    begin_capture(name, pcapng ? "pcapng" : "pcap");
    if (pcapng) {
      // TLS secrets embedded in the file (Decryption Secrets Blocks), read before its packets.
      try {
        MappedFile file(path);
        for (const auto& log : pcapng_tls_key_logs(as_chars(file.bytes()))) {
          impl_->keylog.add_text(log);
          ++impl_->cur().tls_key_logs_embedded;
        }
      } catch (const std::exception& e) {
        impl_->cur().errors.push_back(e.what());
      }
    }
    const PcapLibrary* lib = nullptr;
    try {
      lib = &pcap_library();
    } catch (const std::exception& e) {
      impl_->cur().errors.push_back(e.what());
      end_capture();
      return false;
    }
    char err[PCAP_ERRBUF_SIZE] = {};
    // libpcap reads both pcap and pcapng; nanosecond files are scaled to microseconds.
    pcap_t* h = lib->open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!h) {
      impl_->cur().errors.push_back(std::string("libpcap: ") + err);
      end_capture();
      return false;
    }
    int linktype = lib->datalink(h);
    if (!link_type_supported(linktype))
      impl_->cur().errors.push_back("unsupported link type " + std::to_string(linktype) + " (" +
                                    (lib->datalink_val_to_name(linktype) ? lib->datalink_val_to_name(linktype) : "?") + ")");
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    int rc;
    while ((rc = lib->next_ex(h, &hdr, &data)) == 1) {
      int64_t us = int64_t(hdr->ts.tv_sec) * 1000000 + hdr->ts.tv_usec;
      impl_->packet(linktype, us, Bytes(data, hdr->caplen));
    }
    if (rc == PCAP_ERROR) impl_->cur().errors.push_back(std::string("libpcap: ") + lib->geterr(h) + " (capture cut short)");
    lib->close(h);
    end_capture();
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    add_har(name, text);
    return true;
  }
  begin_capture(name, "unknown");
  if (first != std::string::npos && std::isdigit(static_cast<unsigned char>(text[first])) && text.find(':') < 12)
    impl_->cur().errors.push_back(
        "looks like a mitmproxy flow file (tnetstring), which apkvet does not read: export it as HAR "
        "(mitmdump -nr FLOWS --set hardump=out.har) and pass the HAR");
  else
    impl_->cur().errors.push_back("not a pcap, pcapng or HAR file");
  end_capture();
  return false;
}

}  // namespace apkvet::traffic

namespace apkvet::traffic {

void TrafficAnalyzer::add_har(const std::string& name, const std::string& text) {
  begin_capture(name, "har");
  Impl& im = *impl_;
  std::vector<HarEntry> entries;
  try {
    entries = parse_har(text);
  } catch (const std::exception& e) {
    im.cur().errors.push_back(e.what());
    end_capture();
    return;
  }
  uint64_t n = 0;
  for (const auto& e : entries) {
    ++n;
    ++im.cur().packets;
    Leak base;
    base.capture = name;
    base.host = e.host;
    base.host_source = "url";
    base.ip = e.server_ip;
    base.port = e.port;
    base.protocol = "http";
    base.transport = e.scheme == "https" || e.scheme == "wss" ? "tls" : "cleartext";
    base.flow = e.scheme + " " + (e.server_ip.empty() ? e.host : e.server_ip) + ":" + std::to_string(e.port);
    base.packet = n;
    base.time = e.started;
    std::string host = e.request.header("Host");
    if (!host.empty()) base.host = strip_port(host);
    ++im.cur().http_requests;
    im.note_host(base.host, base.ip, "url", base.transport);
    im.scan_http(e.request, base);
    base.protocol = "websocket";
    for (const auto& message : e.websocket_sent) im.websocket_message(message, base);
  }
  end_capture();
}

std::vector<std::string> permissions_for(const std::string& id) {
  const std::string a = "android.permission.";
  if (id == "imei" || id == "meid" || id == "serial" || id == "imsi" || id == "iccid")
    return {a + "READ_PHONE_STATE", a + "READ_PRIVILEGED_PHONE_STATE"};
  if (id == "phone_number") return {a + "READ_PHONE_NUMBERS", a + "READ_PHONE_STATE", a + "READ_SMS"};
  if (id == "wifi_mac") return {a + "ACCESS_WIFI_STATE", a + "LOCAL_MAC_ADDRESS"};
  if (id == "bluetooth_mac") return {a + "BLUETOOTH", a + "BLUETOOTH_CONNECT", a + "LOCAL_MAC_ADDRESS"};
  if (id == "account_email") return {a + "GET_ACCOUNTS", a + "READ_CONTACTS"};
  if (id == "contact_name" || id == "contact_number" || id == "contact_email") return {a + "READ_CONTACTS"};
  if (id == "gps") return {a + "ACCESS_FINE_LOCATION", a + "ACCESS_COARSE_LOCATION", a + "ACCESS_BACKGROUND_LOCATION"};
  if (id == "installed_package") return {a + "QUERY_ALL_PACKAGES"};
  return {};  // android_id, advertising_id: readable by any app
}

TrafficFacts TrafficAnalyzer::finish(const OwnerRules* owners, const std::map<std::string, std::string>& first_party) {
  Impl& im = *impl_;
  im.end();
  TrafficFacts f;
  f.device = im.profile.name;
  f.canaries = im.profile.canaries.size();
  f.tls_key_log_entries = im.keylog.entries();
  f.gps_canary = im.profile.gps.has_value();
  f.patterns = im.matcher.pattern_count();
  f.captures = im.captures;
  f.dns_names = im.dns_names;
  // Name IP-only destinations by the DNS answers seen anywhere in the captures, then merge leaks that
  // became the same.
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>, Leak> merged;
  for (auto& [k, l0] : im.leaks) {
    Leak l = l0;
    if (l.host_source == "ip") {
      if (auto it = im.dns_names.find(l.ip); it != im.dns_names.end()) {
        l.host = it->second;
        l.host_source = "dns";
      } else {
        l.host = l.ip;
      }
    }
    auto key = std::make_tuple(l.identifier, l.encoding, l.host, l.location, l.field, l.transport);
    auto [it, fresh] = merged.try_emplace(key, l);
    if (!fresh) {
      it->second.occurrences += l.occurrences;
      if (std::tie(l.capture, l.packet) < std::tie(it->second.capture, it->second.packet)) {
        uint64_t occ = it->second.occurrences;
        it->second = l;
        it->second.occurrences = occ;
      }
    }
  }
  for (auto& [k, l] : merged) f.leaks.push_back(std::move(l));
  for (auto& [name, h] : im.hosts) f.hosts.push_back(h);

  // Owners, trackers, jurisdictions and party through the strings area's own enrichment.
  if (owners) {
    std::vector<apkvet::Endpoint> eps;
    std::map<std::string, size_t> index;
    for (const auto& l : f.leaks) {
      if (index.count(l.host)) continue;
      apkvet::Endpoint e;
      bool is_ip = l.host == l.ip && !l.ip.empty();
      e.kind = is_ip ? "ip" : "host";
      e.host = l.host;
      if (is_ip) e.ip_scope = l.ip_scope.empty() ? "public" : l.ip_scope;
      else if (auto reg = registrable_domain(l.host)) e.registrable_domain = *reg;
      index[l.host] = eps.size();
      eps.push_back(std::move(e));
    }
    enrich_endpoints(eps, *owners, GeoIp::get(), first_party);
    for (auto& l : f.leaks) {
      const apkvet::Endpoint& e = eps[index[l.host]];
      if (e.owner) l.owner = e.owner->id, l.owner_name = e.owner->name;
      l.jurisdiction = e.jurisdiction;
      l.jurisdiction_basis = e.jurisdiction_basis;
      l.jurisdiction_groups = e.jurisdiction_groups;
      l.party = e.party;
      l.party_basis = e.party_basis;
      l.registrable_domain = e.registrable_domain;
      for (const auto& t : e.trackers) l.trackers.push_back(t.name);
    }
  }
  std::sort(f.leaks.begin(), f.leaks.end(), [](const Leak& a, const Leak& b) {
    return std::tie(a.identifier, a.host, a.location, a.field, a.encoding, a.transport) <
           std::tie(b.identifier, b.host, b.location, b.field, b.encoding, b.transport);
  });
  return f;
}

AppContext app_context_from_facts(const Json& facts) {
  AppContext app;
  if (facts.contains("manifest") && facts["manifest"].is_object()) {
    const Json& m = facts["manifest"];
    if (m.contains("package") && m["package"].is_string()) app.package = m["package"];
    if (m.contains("uses_permissions") && m["uses_permissions"].is_array())
      for (const auto& p : m["uses_permissions"])
        if (p.is_object() && p.contains("name") && p["name"].is_string()) app.permissions.insert(p["name"].get<std::string>());
  }
  if (facts.contains("strings") && facts["strings"].is_object() && facts["strings"].contains("hosts") &&
      facts["strings"]["hosts"].is_array())
    for (const auto& h : facts["strings"]["hosts"]) {
      if (!h.is_object() || !h.contains("host") || !h["host"].is_string()) continue;
      app.static_hosts.insert(h["host"].get<std::string>());
      if (h.value("party", "") == "first" && h.contains("registrable_domain") && h["registrable_domain"].is_string())
        app.first_party.emplace(h["registrable_domain"].get<std::string>(), h.value("party_basis", "static_analysis"));
    }
  FirstPartyHints hints;
  hints.package = app.package;
  for (auto& [d, why] : first_party_domains(hints)) app.first_party.emplace(d, why);
  return app;
}

void correlate_with_app(TrafficFacts& f, const AppContext& app) {
  f.app_correlated = true;
  f.app_package = app.package;
  for (auto& l : f.leaks) {
    bool in_app = app.static_hosts.count(l.host) > 0;
    // A static host that is a parent domain of the traffic host also counts ("tiktokv.com" in the
    // code, "log.tiktokv.com" on the wire).
    for (const auto& h : app.static_hosts)
      if (!in_app && l.host.size() > h.size() && l.host.compare(l.host.size() - h.size(), h.size(), h) == 0 &&
          l.host[l.host.size() - h.size() - 1] == '.' && h.find('.') != std::string::npos)
        in_app = true;
    l.host_in_app = in_app;
    l.permissions_needed = permissions_for(l.identifier);
    if (l.identifier == "installed_package" && l.canary == app.package) l.permissions_needed.clear();  // its own name
    if (!l.permissions_needed.empty()) {
      bool declared = false;
      for (const auto& p : l.permissions_needed) declared = declared || app.permissions.count(p) > 0;
      l.permission_declared = declared;
      l.side_channel = !declared;
    }
  }
}

void to_json(Json& j, const Leak& l) {
  j = Json{{"identifier", l.identifier},
           {"category", l.category},
           {"canary", l.canary},
           {"encoding", l.encoding},
           {"spelling", l.spelling},
           {"host", l.host},
           {"host_source", l.host_source},
           {"ip", l.ip},
           {"port", l.port},
           {"transport", l.transport},
           {"cleartext", l.transport == "cleartext"},
           {"protocol", l.protocol},
           {"flow", l.flow},
           {"capture", l.capture},
           {"packet", l.packet},
           {"time", l.time},
           {"location", l.location},
           {"field", l.field},
           {"snippet", l.snippet},
           {"occurrences", l.occurrences},
           {"owner", l.owner.empty() ? Json(nullptr) : Json(l.owner)},
           {"owner_name", l.owner_name},
           {"jurisdiction", l.jurisdiction.empty() ? Json(nullptr) : Json(l.jurisdiction)},
           {"jurisdiction_basis", l.jurisdiction_basis},
           {"jurisdiction_groups", l.jurisdiction_groups},
           {"party", l.party},
           {"party_basis", l.party_basis},
           {"trackers", l.trackers},
           {"side_channel", l.side_channel}};
  if (!l.ip_scope.empty()) j["ip_scope"] = l.ip_scope;
  if (l.distance_m >= 0) j["distance_m"] = std::round(l.distance_m * 10) / 10;
  if (l.host_in_app) j["host_in_app"] = *l.host_in_app;
  if (l.permission_declared) {
    j["permissions_needed"] = l.permissions_needed;
    j["permission_declared"] = *l.permission_declared;
  }
}

void to_json(Json& j, const TrafficFacts& f) {
  Json caps = Json::array();
  for (const auto& c : f.captures)
    caps.push_back(Json{{"file", c.file},
                        {"format", c.format},
                        {"link_types", std::vector<int>(c.link_types.begin(), c.link_types.end())},
                        {"packets", c.packets},
                        {"bytes", c.bytes},
                        {"undecoded_packets", c.undecoded_packets},
                        {"ip_fragments", c.ip_fragments},
                        {"ip_datagrams_reassembled", c.ip_datagrams_reassembled},
                        {"ip_fragments_dropped", c.ip_fragments_dropped},
                        {"tcp_flows", c.tcp_flows},
                        {"udp_datagrams", c.udp_datagrams},
                        {"http_requests", c.http_requests},
                        {"http_responses", c.http_responses},
                        {"websocket_messages", c.websocket_messages},
                        {"dns_messages", c.dns_messages},
                        {"tls_client_hellos", c.tls_client_hellos},
                        {"quic_client_hellos", c.quic_client_hellos},
                        {"quic_connections", c.quic_connections},
                        {"quic_connections_decrypted", c.quic_connections_decrypted},
                        {"quic_connections_not_read", c.quic_connections_not_read()},
                        {"quic_connections_not_decrypted", c.quic_connections_not_decrypted},
                        {"quic_packets_decrypted", c.quic_packets_decrypted},
                        {"quic_packets_undecryptable", c.quic_packets_undecryptable},
                        {"tls_key_logs_embedded", c.tls_key_logs_embedded},
                        {"tls_sessions", c.tls_sessions},
                        {"tls_sessions_decrypted", c.tls_sessions_decrypted},
                        {"tls_sessions_not_decrypted", c.tls_sessions_not_decrypted},
                        {"tls_records_decrypted", c.tls_records_decrypted},
                        {"tls_records_undecryptable", c.tls_records_undecryptable},
                        {"stream_gaps", c.stream_gaps},
                        {"retransmitted_bytes", c.retransmitted_bytes},
                        {"overlap_conflicts", c.overlap_conflicts},
                        {"flows_closed_idle", c.flows_closed_idle},
                        {"buffers_scanned", c.buffers_scanned},
                        {"bytes_scanned", c.bytes_scanned},
                        {"errors", c.errors}});
  Json hosts = Json::array();
  for (const auto& h : f.hosts)
    hosts.push_back(Json{{"host", h.host},
                         {"ips", std::vector<std::string>(h.ips.begin(), h.ips.end())},
                         {"sources", std::vector<std::string>(h.sources.begin(), h.sources.end())},
                         {"transports", std::vector<std::string>(h.transports.begin(), h.transports.end())},
                         {"messages", h.messages}});
  std::set<std::string> ids, hosts_leaked;
  for (const auto& l : f.leaks) ids.insert(l.identifier), hosts_leaked.insert(l.host);
  j = Json{{"device", f.device},
           {"canaries", f.canaries},
           {"gps_canary", f.gps_canary},
           {"patterns", f.patterns},
           {"tls_key_log_entries", f.tls_key_log_entries},
           {"captures", caps},
           {"leaks", f.leaks},
           {"hosts", hosts},
           {"dns_names", f.dns_names},
           {"identifiers_leaked", std::vector<std::string>(ids.begin(), ids.end())},
           {"hosts_receiving", std::vector<std::string>(hosts_leaked.begin(), hosts_leaked.end())},
           {"leak_count", f.leaks.size()},
           {"app_correlated", f.app_correlated}};
  if (f.app_correlated) j["app_package"] = f.app_package;
}

}  // namespace apkvet::traffic
