#include "traffic/ip_reassembly.h"

#include <algorithm>
#include <cstring>

namespace apkvet::traffic {

namespace {

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void put16(uint8_t* p, size_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }

}  // namespace

std::optional<std::vector<uint8_t>> IpReassembly::add(int version, Bytes b) {
  Key key{};
  key.version = version;
  if (version == 4) {
    if (b.size() < 20) return std::nullopt;
    size_t ihl = size_t(b[0] & 0x0F) * 4, total = get16(&b[2]);
    if (total == 0) total = b.size();
    if (ihl < 20 || ihl > b.size() || total < ihl) return std::nullopt;
    total = std::min(total, b.size());
    uint16_t frag = get16(&b[6]);
    size_t offset = size_t(frag & 0x1FFF) * 8;
    bool more = frag & 0x2000;
    if (offset == 0 && !more) return std::nullopt;  // not a fragment
    std::memcpy(key.src.data(), &b[12], 4);
    std::memcpy(key.dst.data(), &b[16], 4);
    key.id = get16(&b[4]);
    key.protocol = b[9];
    std::vector<uint8_t> header;
    if (offset == 0) header.assign(b.begin(), b.begin() + long(ihl));
    return add_piece(key, offset, more, b.subspan(ihl, total - ihl), std::move(header));
  }
  if (version == 6) {
    if (b.size() < 40) return std::nullopt;
    size_t end = std::min(b.size(), 40 + size_t(get16(&b[4])));
    uint8_t next = b[6];
    size_t at = 40;
    // Extension headers before the fragment header (hop-by-hop, routing, destination options).
    for (int n = 0; n < 8 && (next == 0 || next == 43 || next == 60); ++n) {
      if (at + 2 > end) return std::nullopt;
      next = b[at];
      at += (size_t(b[at + 1]) + 1) * 8;
    }
    if (next != 44 || at + 8 > end) return std::nullopt;
    uint16_t off_flags = get16(&b[at + 2]);
    size_t offset = size_t(off_flags >> 3) * 8;
    bool more = off_flags & 1;
    std::memcpy(key.src.data(), &b[8], 16);
    std::memcpy(key.dst.data(), &b[24], 16);
    key.id = get32(&b[at + 4]);
    std::vector<uint8_t> header;
    if (offset == 0) {
      // The rebuilt packet: the fixed header with the fragment's next header; the extension
      // headers before the fragment header are not needed to read the transport.
      header.assign(b.begin(), b.begin() + 40);
      header[6] = b[at];
    }
    if (offset == 0 && !more) {  // an "atomic fragment" (RFC 6946): the whole datagram in one
      std::vector<uint8_t> whole = std::move(header);
      put16(&whole[4], end - at - 8);
      whole.insert(whole.end(), b.begin() + long(at + 8), b.begin() + long(end));
      return whole;
    }
    return add_piece(key, offset, more, b.subspan(at + 8, end - at - 8), std::move(header));
  }
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> IpReassembly::add_piece(const Key& key, size_t offset, bool more, Bytes payload,
                                                            std::vector<uint8_t> header_if_first) {
  size_t header_size = key.version == 4 ? 20 : 40;
  if (offset + payload.size() + header_size > kMaxDatagram || (payload.empty() && more)) {
    ++dropped_;
    return std::nullopt;
  }
  // (not a structured binding: clang 14, the fuzz build's compiler, cannot capture one in a lambda)
  auto inserted = pending_.try_emplace(key);
  auto it = inserted.first;
  Datagram& d = it->second;
  if (inserted.second) d.order = next_order_++;
  auto drop = [&]() -> std::optional<std::vector<uint8_t>> {
    pending_bytes_ -= d.bytes;
    pending_.erase(it);
    ++dropped_;
    return std::nullopt;
  };
  size_t end = offset + payload.size();
  if (!more) {
    if (d.total && *d.total != end) return drop();  // two different last fragments
    d.total = end;
  }
  if (d.total && end > *d.total) return drop();  // a fragment past the end
  // Overlaps: an exact duplicate is ignored; any other overlap discards the whole datagram, as Linux
  // (RFC 5722 for IPv6, and for IPv4 since the FragmentSmack fixes) does on the receiving side.
  auto next = d.pieces.lower_bound(offset);
  if (next != d.pieces.end() && next->first == offset && next->second.size() == payload.size()) return std::nullopt;
  if (next != d.pieces.end() && next->first < end) return drop();
  if (next != d.pieces.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second.size() > offset) return drop();
  }
  if (!header_if_first.empty()) d.header = std::move(header_if_first);
  d.pieces.emplace(offset, std::vector<uint8_t>(payload.begin(), payload.end()));
  d.bytes += payload.size();
  pending_bytes_ += payload.size();
  if (auto whole = complete(d)) {
    pending_bytes_ -= d.bytes;
    pending_.erase(it);
    return whole;
  }
  while (pending_.size() > kMaxPending || pending_bytes_ > kMaxPendingBytes) evict_oldest();
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> IpReassembly::complete(Datagram& d) const {
  if (!d.total || d.header.empty()) return std::nullopt;
  size_t covered = 0;
  for (const auto& [offset, bytes] : d.pieces) {
    if (offset != covered) return std::nullopt;  // a hole (pieces never overlap)
    covered += bytes.size();
  }
  if (covered != *d.total) return std::nullopt;
  if (d.header.size() + covered > kMaxDatagram) return std::nullopt;  // IPv4 options made it too long
  std::vector<uint8_t> whole = d.header;
  whole.reserve(whole.size() + covered);
  for (const auto& [offset, bytes] : d.pieces) whole.insert(whole.end(), bytes.begin(), bytes.end());
  if (whole[0] >> 4 == 4) {
    put16(&whole[2], whole.size());
    whole[6] = whole[7] = 0;  // no longer a fragment
  } else {
    put16(&whole[4], covered);
  }
  return whole;
}

void IpReassembly::evict_oldest() {
  auto oldest = std::min_element(pending_.begin(), pending_.end(),
                                 [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
  if (oldest == pending_.end()) return;
  pending_bytes_ -= oldest->second.bytes;
  pending_.erase(oldest);
  ++dropped_;
}

}  // namespace apkvet::traffic
