// One direction of a TCP connection put back in order: segments arrive out of order, twice, or
// overlapping; the stream hands on each byte once, in sequence order (the first copy of a byte wins,
// as most receivers do). Memory is bounded: the consumer removes what it has parsed, and out-of-order
// data beyond a limit makes the stream skip the hole (counted as a gap) instead of growing.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "core/byte_reader.h"

namespace apkvet::traffic {

struct PacketRef {
  uint64_t number = 0;     // 1-based packet number in the capture
  int64_t time_us = 0;     // capture timestamp, microseconds since the epoch
};

class TcpStream {
 public:
  static constexpr size_t kMaxOutOfOrder = 4 * 1024 * 1024;  // held beyond a hole before skipping it

  // A segment's payload; `syn`: this segment carries the SYN (its sequence number is the ISN).
  void add(uint32_t seq, bool syn, Bytes payload, const PacketRef& ref);
  // Bytes known to be in order, from a layer above TCP (what TLS records carried): appended as they are.
  void append(std::string_view bytes, const PacketRef& ref);
  // End of the capture or connection: deliver what is held beyond holes.
  void flush();

  // Delivered and not yet consumed bytes; the consumer parses them and calls consume().
  const std::string& data() const { return buf_; }
  void consume(size_t n);
  uint64_t offset() const { return consumed_; }  // stream offset of data()[0]
  // The packet that carried stream byte `offset` (or the nearest earlier one still known).
  PacketRef packet_at(uint64_t offset) const;

  uint64_t gaps() const { return gaps_; }
  uint64_t retransmitted_bytes() const { return retransmitted_; }
  uint64_t conflicting_overlaps() const { return conflicts_; }
  bool started() const { return started_; }

 private:
  void deliver(uint64_t rel, const char* p, size_t n, const PacketRef& ref);
  void drain();

  bool started_ = false;
  uint32_t base_ = 0;       // sequence number of stream offset 0
  uint64_t next_ = 0;       // stream offset of the next byte expected
  uint64_t consumed_ = 0;   // stream offset of buf_[0]
  std::string buf_;
  struct Held {
    std::string bytes;
    PacketRef ref;
  };
  std::map<uint64_t, Held> held_;  // out-of-order segments by stream offset
  size_t held_bytes_ = 0;
  std::deque<std::pair<uint64_t, PacketRef>> marks_;  // stream offset -> packet that delivered it
  uint64_t gaps_ = 0, retransmitted_ = 0, conflicts_ = 0;
};

}  // namespace apkvet::traffic
