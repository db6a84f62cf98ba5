// The requests of an HTTP/3 connection (RFC 9114), from the decrypted streams of a QUIC connection
// (quic_connection.h): what Cronet, Chrome's network stack and OkHttp's QUIC builds speak to servers
// that offer it. Each client bidirectional stream carries one request as HEADERS and DATA frames. Header
// sections are QPACK-compressed (RFC 9204) and may refer to a dynamic table that the client's encoder
// stream fills, within the capacity the server's SETTINGS allowed; nghttp3's QPACK decoder reads them
// in the order the streams delivered them. Each request becomes an HttpMessage like an HTTP/1.1 one.
// Responses are not read: what the device sends is what leaves it.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "traffic/http_message.h"
#include "traffic/tcp_reassembly.h"

namespace apkvet::traffic {

class Http3Requests {
 public:
  Http3Requests();
  ~Http3Requests();

  struct Request {
    PacketRef packet;  // the packet that carried the request stream's first byte
    HttpMessage message;
  };

  // In-order bytes of one direction of one stream: `from_client` (the device), `stream_id` (RFC 9000
  // 2.1: its low bits say who opened it and whether it is unidirectional), `fin`: nothing follows.
  // `first`: the packet of the stream's first byte. Requests complete now are appended to `out`.
  void stream_data(bool from_client, uint64_t stream_id, std::string_view data, bool fin, const PacketRef& first,
                   std::vector<Request>& out);
  // The end of the connection: requests whose streams did not end are appended, noted "stream_incomplete".
  void finish(std::vector<Request>& out);

  uint64_t requests() const { return requests_; }
  // Header sections QPACK could not decode (a table out of step, a damaged block): their requests are
  // reported with the section's raw bytes as the body (literals sent without Huffman coding still read).
  uint64_t undecodable_sections() const { return undecodable_; }

 private:
  struct Stream;
  struct Qpack;
  void request_frames(uint64_t id, Stream& s, std::vector<Request>& out);
  void control_frames(Stream& s);
  bool decode_section(uint64_t id, Stream& s);  // false: blocked on the encoder stream
  using Streams = std::map<std::pair<bool, uint64_t>, Stream>;
  void emit(Stream& s, bool incomplete, std::vector<Request>& out);
  Streams::iterator close_request(Streams::iterator it, bool incomplete, std::vector<Request>& out);
  void retry_blocked(std::vector<Request>& out);
  Qpack& qpack();

  Streams streams_;  // (from_client, stream id)
  std::unique_ptr<Qpack> qpack_;
  uint64_t table_capacity_ = 0;     // SETTINGS_QPACK_MAX_TABLE_CAPACITY the server sent (0 until then)
  size_t open_requests_ = 0;        // client request streams not yet ended
  uint64_t requests_ = 0, undecodable_ = 0;
};

}  // namespace apkvet::traffic
