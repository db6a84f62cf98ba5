// IPv4 and IPv6 fragments put back together (RFC 791, RFC 8200 §4.5), so that a datagram split on
// the way — or split on purpose to slip an identifier past a per-packet matcher — is read whole.
// Overlapping fragments: the first copy of a byte wins (as for TCP). Memory is bounded: at most
// kMaxPending datagrams and kMaxPendingBytes in all are held; beyond that the oldest is dropped.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "traffic/ip_packet.h"

namespace apkvet::traffic {

class IpReassembly {
 public:
  static constexpr size_t kMaxPending = 1024;
  static constexpr size_t kMaxPendingBytes = 16u << 20;
  static constexpr size_t kMaxDatagram = 65535;  // the largest IPv4 datagram; larger IPv6 ones are jumbograms

  // One fragment, as parse_ip_packet read it, with its packet's addresses. Returns the reassembled
  // datagram as an unfragmented IP packet of the same version when this fragment completes it;
  // nullopt otherwise (held, or not a fragment this class can use: cut by the capture, or beyond
  // the limits).
  std::optional<std::vector<uint8_t>> add(const IpAddress& src, const IpAddress& dst, const IpFragment& fragment);

  size_t pending() const { return pending_.size(); }
  uint64_t dropped() const { return dropped_; }  // datagrams given up (limits, inconsistent lengths)

 private:
  struct Key {
    int version;
    std::array<uint8_t, 16> src, dst;
    uint32_t id;
    uint8_t protocol;
    auto operator<=>(const Key&) const = default;
  };
  struct Datagram {
    std::vector<uint8_t> header;  // the IP header to rebuild around the payload (from offset 0's fragment)
    std::map<size_t, std::vector<uint8_t>> pieces;  // fragment offset -> bytes (first copy kept)
    std::optional<size_t> total;  // payload length, known once the last fragment arrived
    size_t bytes = 0;
    uint64_t order = 0;  // arrival of the first fragment, for eviction
  };

  std::optional<std::vector<uint8_t>> add_piece(const Key& key, size_t offset, bool more, Bytes payload,
                                                std::vector<uint8_t> header_if_first);
  std::optional<std::vector<uint8_t>> complete(Datagram& d) const;
  void evict_oldest();

  std::map<Key, Datagram> pending_;
  size_t pending_bytes_ = 0;
  uint64_t next_order_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace apkvet::traffic
