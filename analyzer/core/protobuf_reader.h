// Protobuf's wire format, read field by field: enough for the few aapt2 messages an App Bundle holds
// (axml/proto_xml.h, resources/proto_resource_table.h). Every read is bounded by the message that
// holds it; a malformed field throws ParseError with its offset in the file.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "core/byte_reader.h"
#include "core/utf8.h"

namespace apkvet {

class ProtoMessage {
 public:
  enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

  // The message in file[begin, end).
  ProtoMessage(Bytes file, size_t begin, size_t end) : file_(file), pos_(begin), end_(end) {}
  explicit ProtoMessage(Bytes file) : ProtoMessage(file, 0, file.size()) {}

  // The next field's number and wire type; false at the message's end.
  bool next(uint32_t& field, uint32_t& wire) {
    if (pos_ >= end_) return false;
    field_start_ = pos_;
    uint64_t key = varint();
    field = uint32_t(key >> 3);
    wire = uint32_t(key & 7);
    if (field == 0) throw ParseError("protobuf field number 0", field_start_);
    return true;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= end_) throw ParseError("protobuf varint runs past its message", pos_);
      uint8_t b = file_[pos_++];
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw ParseError("protobuf varint longer than 10 bytes", pos_);
  }
  // A length-delimited field as a message of its own.
  ProtoMessage sub() {
    auto [b, e] = span();
    return ProtoMessage(file_, b, e);
  }
  // As sub(), but a length that runs past this message is cut at its end (`cut` set): for decoders
  // that keep what a truncated file still holds.
  ProtoMessage sub_lenient(bool& cut) {
    uint64_t n = varint();
    if (n > end_ - pos_) {
      cut = true;
      n = end_ - pos_;
    }
    size_t begin = pos_;
    pos_ += size_t(n);
    return ProtoMessage(file_, begin, pos_);
  }
  // A string field as UTF-8: bytes that are not valid UTF-8 are replaced (U+FFFD), so that whatever
  // reads the string (JSON, XML, reports) never meets invalid text from a hostile file.
  std::string string() {
    auto [b, e] = span();
    return replace_invalid_utf8(std::string_view(reinterpret_cast<const char*>(file_.data()) + b, e - b));
  }
  Bytes bytes() {
    auto [b, e] = span();
    return file_.subspan(b, e - b);
  }
  uint32_t fixed32() {
    if (end_ - pos_ < 4) throw ParseError("protobuf fixed32 runs past its message", pos_);
    uint32_t v;
    std::memcpy(&v, file_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }
  // A uint32 written either as a varint or, in newer aapt2, wrapped in a message of its own whose
  // field 1 holds it (PackageId, TypeId, EntryId).
  uint32_t id(uint32_t wire) {
    if (wire == kVarint) return uint32_t(varint());
    if (wire != kLengthDelimited) {
      skip(wire);
      return 0;
    }
    ProtoMessage m = sub();
    uint32_t field, w, v = 0;
    while (m.next(field, w)) {
      if (field == 1 && w == kVarint) v = uint32_t(m.varint());
      else m.skip(w);
    }
    return v;
  }
  void skip(uint32_t wire) {
    switch (wire) {
      case kVarint: varint(); break;
      case kFixed64:
        if (end_ - pos_ < 8) throw ParseError("protobuf fixed64 runs past its message", pos_);
        pos_ += 8;
        break;
      case kLengthDelimited: span(); break;
      case kFixed32: fixed32(); break;
      default: throw ParseError("protobuf wire type " + std::to_string(wire) + " (groups or invalid)", field_start_);
    }
  }
  size_t field_start() const { return field_start_; }
  size_t position() const { return pos_; }

 private:
  std::pair<size_t, size_t> span() {
    uint64_t n = varint();
    if (n > end_ - pos_) throw ParseError("protobuf field runs past its message", pos_);
    size_t begin = pos_;
    pos_ += size_t(n);
    return {begin, pos_};
  }

  Bytes file_;
  size_t pos_, end_, field_start_ = 0;
};

}  // namespace apkvet
