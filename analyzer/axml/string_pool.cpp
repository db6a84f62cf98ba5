// ResStringPool as the platform reads it (frameworks/base libs/androidfw ResStringPool::setTo,
// stringAt, string8At, stringDecodeAt), re-expressed over ByteReader: same checks, same outcomes.
#include "axml/string_pool.h"

#include "axml/axml_decoder.h"
#include "core/utf8.h"

namespace apkvet {
namespace {

constexpr uint32_t kUtf8Flag = 1u << 8;
constexpr size_t kPoolHeaderSize = 28;
constexpr size_t kMaxBadStringReports = 8;

}  // namespace

void StringPool::fail(const std::string& why) {
  ok_ = false;
  if (error_.empty()) error_ = why;
  anomalies_->add(id_prefix_ + ".bad_string_pool", Severity::high,
                  "String pool is malformed; Android's ResStringPool refuses it, so the platform would not "
                  "read this file: " + why,
                  {file_, Evidence::offset(chunk_), ""});
}

void StringPool::set(Bytes data, size_t offset, size_t size, AnomalySink& anomalies, const std::string& file,
                     const char* id_prefix) {
  *this = StringPool();
  data_ = data;
  chunk_ = offset;
  chunk_size_ = size;
  anomalies_ = &anomalies;
  file_ = file;
  id_prefix_ = id_prefix;
  present_ = true;
  ok_ = true;
  ByteReader r(data);
  if (size < kPoolHeaderSize || offset + kPoolHeaderSize > data.size()) {
    fail("chunk of " + std::to_string(size) + " bytes is smaller than the pool header");
    present_ = false;
    return;
  }
  const uint16_t header_size = r.u16_at(offset + 2);
  const uint32_t declared = r.u32_at(offset + 4);
  count_ = r.u32_at(offset + 8);
  const uint32_t style_count = r.u32_at(offset + 12);
  const uint32_t flags = r.u32_at(offset + 16);
  const uint32_t strings_start = r.u32_at(offset + 20);
  const uint32_t styles_start = r.u32_at(offset + 24);
  utf8_ = (flags & kUtf8Flag) != 0;
  const size_t char_size = utf8_ ? 1 : 2;

  // validate_chunk(chunk, sizeof(ResStringPool_header), ...)
  if (header_size < kPoolHeaderSize) fail("header size " + std::to_string(header_size) + " is below 28");
  else if (header_size > declared) fail("header size is larger than the chunk");
  else if (((header_size | declared) & 3) != 0) fail("header size or chunk size is not a multiple of 4");
  if (header_size != kPoolHeaderSize && header_size >= kPoolHeaderSize && header_size <= declared)
    anomalies.add(id_prefix_ + ".string_pool_header_size", Severity::medium,
                  "String pool header size is " + std::to_string(header_size) +
                      " instead of 28; Android skips the extra bytes, naive parsers misread the pool",
                  {file, Evidence::offset(offset + 2), std::to_string(header_size)});
  if (flags & ~(kUtf8Flag | 1u))
    anomalies.add(id_prefix_ + ".string_pool_flags", Severity::low,
                  "String pool has unknown flag bits set (Android ignores them)",
                  {file, Evidence::offset(offset + 16), Evidence::offset(flags).substr(7)});

  const size_t hdr = std::min<size_t>(std::max<size_t>(header_size, kPoolHeaderSize), size);
  entries_ = offset + hdr;
  // These two are checked by current ResStringPool::setTo even when there are no strings or styles;
  // older releases and aapt ignore the fields then.
  if (strings_start > size) fail("strings start past the end of the pool (checked by current Android even when unused)");
  if (styles_start > size) fail("styles start past the end of the pool (checked by current Android even when unused)");

  // Lenient bounds first: what can be read at all.
  uint64_t max_entries = (size - hdr) / 4;
  if (count_ > 0 && (uint64_t(count_) * 4 + hdr > size)) {
    fail("the offsets of " + std::to_string(count_) + " strings extend past the pool");
    count_ = static_cast<uint32_t>(max_entries);
  }
  if (count_ > 0) {
    if (uint64_t(strings_start) + 2 >= size) {  // 64-bit: a start near 4 GiB must not wrap to a small sum
      fail("string data starts at the end of the pool");
    }
    uint64_t pool_end = size;
    if (style_count != 0) {
      if (uint64_t(styles_start) + 2 >= size) fail("style data starts past the end of the pool");
      else if (styles_start <= strings_start) fail("style data starts before the string data");
      else pool_end = styles_start;
    }
    strings_ = offset + std::min<size_t>(strings_start, size);
    pool_units_ = pool_end > strings_start ? (pool_end - strings_start) / char_size : 0;
    if (pool_units_ == 0) {
      fail("there are strings but no string data");
    } else {
      size_t last = strings_ + (pool_units_ - 1) * char_size;
      uint32_t term = utf8_ ? r.view_at(last, 1)[0] : r.u16_at(last);
      if (term != 0) fail("the last string is not 0-terminated");
    }
  }
  if (style_count > 0) {
    uint64_t style_offsets_start = hdr + uint64_t(count_) * 4;
    uint64_t style_offsets_size = uint64_t(style_count) * 4;
    if (style_offsets_start + style_offsets_size > size) fail("style offsets extend past the pool");
    else if (style_offsets_start > strings_start || style_offsets_size > strings_start - style_offsets_start)
      fail("style offsets extend past the start of the string data");
    else if (styles_start >= size) fail("style data starts past the end of the pool");
    else {
      size_t style_words = (size - styles_start) / 4;
      if (style_words < 3) fail("style data is too short");
      else {
        size_t end = offset + styles_start + (style_words - 3) * 4;
        if (r.u32_at(end) != 0xFFFFFFFF || r.u32_at(end + 4) != 0xFFFFFFFF || r.u32_at(end + 8) != 0xFFFFFFFF)
          fail("the last style is not 0xFFFFFFFF-terminated");
      }
    }
  }
  state_.assign(count_, 0);
  cache_.resize(count_);
}

const std::string* StringPool::at(uint32_t index) const {
  if (index >= count_) return nullptr;
  if (state_[index] == 0) state_[index] = decode(index, cache_[index]) ? 1 : 2;
  return state_[index] == 1 ? &cache_[index] : nullptr;
}

size_t StringPool::offset_of(uint32_t index) const {
  if (index >= count_ || entries_ + size_t(index) * 4 + 4 > data_.size()) return 0;
  return strings_ + ByteReader(data_).u32_at(entries_ + size_t(index) * 4);
}

bool StringPool::decode(uint32_t index, std::string& out) const {
  ByteReader r(data_);
  auto bad = [&](const std::string& why) {
    if (bad_strings_reported_++ < kMaxBadStringReports)
      anomalies_->add(id_prefix_ + ".bad_string", Severity::medium,
                      "String #" + std::to_string(index) + " cannot be read (" + why +
                          "); Android reads it as absent",
                      {file_, Evidence::offset(offset_of(index)), ""});
    return false;
  };
  if (pool_units_ < 2) return bad("no string data");
  const size_t char_size = utf8_ ? 1 : 2;
  const uint32_t off = r.u32_at(entries_ + size_t(index) * 4) / char_size;
  if (off >= pool_units_ - 1) return bad("offset past the end of the string data");
  auto unit = [&](size_t u) -> uint32_t {
    size_t at = strings_ + u * char_size;
    if (at + char_size > data_.size()) throw ParseError("string data past end", at);
    return utf8_ ? data_[at] : r.u16_at(at);
  };
  size_t pos = off;
  if (!utf8_) {
    size_t len = unit(pos++);
    if (len & 0x8000) len = ((len & 0x7FFF) << 16) | unit(pos++);
    if (pos + len >= pool_units_) return bad("extends past the end of the string data");
    if (unit(pos + len) != 0) return bad("not 0-terminated");
    out.clear();
    out.reserve(len);
    for (size_t i = 0; i < len; ++i) {
      uint32_t c = unit(pos + i);
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len) {
        uint32_t d = unit(pos + i + 1);
        if (d >= 0xDC00 && d <= 0xDFFF) {
          append_utf8(out, 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00));
          ++i;
          continue;
        }
      }
      if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
      append_utf8(out, c);
    }
    return true;
  }
  size_t u16len = unit(pos++);
  if (u16len & 0x80) u16len = ((u16len & 0x7F) << 8) | unit(pos++);
  size_t u8len = unit(pos++);
  if (u8len & 0x80) u8len = ((u8len & 0x7F) << 8) | unit(pos++);
  if (pos + u8len >= pool_units_) return bad("extends past the end of the string data");
  // stringDecodeAt: aapt wrote lengths above 0x7FFF truncated; find the terminator at len | k<<15.
  size_t end = u8len;
  for (size_t k = 0; pos + end < pool_units_; end = (++k << 15) | u8len) {
    if (unit(pos + end) == 0) {
      if (k != 0 && bad_strings_reported_++ < kMaxBadStringReports)
        anomalies_->add(id_prefix_ + ".truncated_string_length", Severity::low,
                        "String #" + std::to_string(index) + " declares a truncated length (" +
                            std::to_string(u8len) + " < " + std::to_string(end) + "); Android reads the whole string",
                        {file_, Evidence::offset(strings_ + off), ""});
      auto view = std::string_view(reinterpret_cast<const char*>(data_.data() + strings_ + pos), end);
      out = replace_invalid_utf8(view);
      (void)u16len;
      return true;
    }
  }
  return bad("not 0-terminated");
}

}  // namespace apkvet
