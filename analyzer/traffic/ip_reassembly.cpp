#include "traffic/ip_reassembly.h"

#include <algorithm>

namespace apkvet::traffic {

namespace {

void put16(uint8_t* p, size_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }

}  // namespace

std::optional<std::vector<uint8_t>> IpReassembly::add(const IpAddress& src, const IpAddress& dst, const IpFragment& f) {
  if (f.header.empty()) return std::nullopt;  // the capture cut the header
  Key key{src.version, src.bytes, dst.bytes, f.id, src.version == 4 ? f.protocol : uint8_t(0)};
  std::vector<uint8_t> header;
  if (f.offset == 0) {
    header.assign(f.header.begin(), f.header.end());
    // IPv6: the fixed header with the fragment's next header; the extension headers before the
    // fragment header are not needed to read the transport.
    if (src.version == 6) header[6] = f.protocol;
  }
  if (src.version == 4 && f.offset == 0 && !f.more) return std::nullopt;  // not a fragment
  if (src.version == 6 && f.offset == 0 && !f.more) {  // an "atomic fragment" (RFC 6946): the whole datagram in one
    put16(&header[4], f.data.size());
    header.insert(header.end(), f.data.begin(), f.data.end());
    return header;
  }
  return add_piece(key, f.offset, f.more, f.data, std::move(header));
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
