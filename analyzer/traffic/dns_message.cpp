#include "traffic/dns_message.h"

#include <cctype>
#include <cstring>

namespace apkvet::traffic {

namespace {

// A possibly compressed name at `at`; `next` is where the record continues. Compression pointers may
// only point backwards, which also bounds the walk.
std::string read_name(const ByteReader& r, size_t at, size_t& next) {
  std::string name;
  bool jumped = false;
  size_t limit = at;
  for (int labels = 0; labels < 128; ++labels) {
    uint8_t len = r.view_at(at, 1)[0];
    if ((len & 0xC0) == 0xC0) {
      size_t target = be16(r, at) & 0x3FFF;
      if (!jumped) next = at + 2;
      if (target >= limit) throw ParseError("dns: forward compression pointer", at);
      jumped = true;
      limit = target;
      at = target;
      continue;
    }
    if (len & 0xC0) throw ParseError("dns: bad label type", at);
    if (len == 0) {
      if (!jumped) next = at + 1;
      return name;
    }
    Bytes label = r.view_at(at + 1, len);
    if (!name.empty()) name += '.';
    for (uint8_t c : label) name += static_cast<char>(std::tolower(c));
    at += 1 + len;
    if (name.size() > 255) throw ParseError("dns: name too long", at);
  }
  throw ParseError("dns: too many labels", at);
}

}  // namespace

std::optional<DnsMessage> parse_dns_message(Bytes p) {
  try {
    ByteReader r(p);
    DnsMessage m;
    m.id = be16(r, 0);
    uint16_t flags = be16(r, 2);
    m.response = flags & 0x8000;
    if ((flags >> 11 & 0xF) > 2) return std::nullopt;  // opcode: query, iquery, status
    uint16_t qd = be16(r, 4), an = be16(r, 6);
    if (qd == 0 || qd > 16 || an > 256) return std::nullopt;
    size_t at = 12;
    for (uint16_t i = 0; i < qd; ++i) {
      size_t next = 0;
      m.questions.push_back(read_name(r, at, next));
      at = next + 4;  // type, class
    }
    for (uint16_t i = 0; i < an; ++i) {
      size_t next = 0;
      DnsAnswer a;
      a.name = read_name(r, at, next);
      a.type = be16(r, next);
      size_t rdlen = be16(r, next + 8);
      size_t rdata = next + 10;
      r.view_at(rdata, rdlen);
      if (a.type == 1 && rdlen == 4) {
        a.address.version = 4;
        std::memcpy(a.address.bytes.data(), r.view_at(rdata, 4).data(), 4);
      } else if (a.type == 28 && rdlen == 16) {
        a.address.version = 6;
        std::memcpy(a.address.bytes.data(), r.view_at(rdata, 16).data(), 16);
      } else if (a.type == 5) {
        size_t ignored = 0;
        a.target = read_name(r, rdata, ignored);
      }
      m.answers.push_back(std::move(a));
      at = rdata + rdlen;
    }
    return m;
  } catch (const ParseError&) {
    return std::nullopt;
  }
}

}  // namespace apkvet::traffic
