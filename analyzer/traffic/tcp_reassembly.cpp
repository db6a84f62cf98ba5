#include "traffic/tcp_reassembly.h"

#include <algorithm>

namespace apkvet::traffic {

void TcpStream::add(uint32_t seq, bool syn, Bytes payload, const PacketRef& ref) {
  if (!started_) {
    // Without the SYN (capture started mid-connection) the first segment seen is offset 0.
    started_ = true;
    base_ = syn ? seq + 1 : seq;
  }
  if (syn) {
    seq += 1;  // data on a SYN (TCP Fast Open) follows the ISN
    if (next_ == 0 && buf_.empty() && held_.empty()) base_ = seq;
  }
  if (payload.empty()) return;
  // Offset relative to the next expected byte, in 32-bit sequence space (wraps around).
  uint32_t expected_seq = base_ + static_cast<uint32_t>(next_);
  int64_t delta = static_cast<int32_t>(seq - expected_seq);
  if (delta < 0 && static_cast<uint64_t>(-delta) > next_) return;  // before the stream start: garbage
  uint64_t rel = static_cast<uint64_t>(static_cast<int64_t>(next_) + delta);
  const char* p = reinterpret_cast<const char*>(payload.data());
  size_t n = payload.size();
  if (rel < next_) {  // retransmission or overlap with delivered bytes: keep only the new tail
    uint64_t skip = next_ - rel;
    if (skip >= n) {
      retransmitted_ += n;
      return;
    }
    retransmitted_ += skip;
    p += skip;
    n -= skip;
    rel = next_;
  }
  if (rel == next_) {
    deliver(rel, p, n, ref);
    drain();
    return;
  }
  // Out of order: hold it (first copy wins for overlapping held segments).
  auto it = held_.find(rel);
  if (it != held_.end()) {
    if (it->second.bytes.size() >= n) {
      if (it->second.bytes.compare(0, n, p, n) != 0) ++conflicts_;
      retransmitted_ += n;
      return;
    }
    held_bytes_ -= it->second.bytes.size();
  }
  held_[rel] = Held{std::string(p, n), ref};
  held_bytes_ += n;
  while (held_bytes_ > kMaxOutOfOrder && !held_.empty()) {
    // The hole is not being filled: skip to the first held segment.
    ++gaps_;
    next_ = held_.begin()->first;
    drain();
  }
}

void TcpStream::append(std::string_view bytes, const PacketRef& ref) {
  started_ = true;
  if (!bytes.empty()) deliver(next_, bytes.data(), bytes.size(), ref);
}

void TcpStream::deliver(uint64_t rel, const char* p, size_t n, const PacketRef& ref) {
  marks_.emplace_back(rel, ref);
  buf_.append(p, n);
  next_ = rel + n;
}

void TcpStream::drain() {
  while (!held_.empty()) {
    auto it = held_.begin();
    uint64_t rel = it->first;
    if (rel > next_) break;
    Held h = std::move(it->second);
    held_bytes_ -= h.bytes.size();
    held_.erase(it);
    uint64_t end = rel + h.bytes.size();
    if (end <= next_) {
      retransmitted_ += h.bytes.size();
      continue;
    }
    size_t skip = static_cast<size_t>(next_ - rel);
    retransmitted_ += skip;
    deliver(next_, h.bytes.data() + skip, h.bytes.size() - skip, h.ref);
  }
}

void TcpStream::flush() {
  while (!held_.empty()) {
    ++gaps_;
    next_ = held_.begin()->first;
    drain();
  }
}

void TcpStream::consume(size_t n) {
  n = std::min(n, buf_.size());
  buf_.erase(0, n);
  consumed_ += n;
  // Keep the mark of the packet that carried the new first byte.
  while (marks_.size() > 1 && marks_[1].first <= consumed_) marks_.pop_front();
}

PacketRef TcpStream::packet_at(uint64_t offset) const {
  PacketRef best;
  for (const auto& [at, ref] : marks_) {
    if (at > offset) break;
    best = ref;
  }
  if (best.number == 0 && !marks_.empty()) best = marks_.front().second;
  return best;
}

}  // namespace apkvet::traffic
