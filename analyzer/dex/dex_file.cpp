// DexFile accessors: names, descriptors and per-method views over the parsed model; MUTF-8 decoding.
#include "dex/dex_file.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/utf8.h"

namespace apkvet::dex {

const char* to_string(InvokeKind k) {
  switch (k) {
    case InvokeKind::kVirtual:
      return "virtual";
    case InvokeKind::kSuper:
      return "super";
    case InvokeKind::kDirect:
      return "direct";
    case InvokeKind::kStatic:
      return "static";
    case InvokeKind::kInterface:
      return "interface";
    case InvokeKind::kPolymorphic:
      return "polymorphic";
    case InvokeKind::kCustom:
      return "custom";
  }
  return "unknown";
}

const char* to_string(FieldOp op) {
  switch (op) {
    case FieldOp::kInstanceGet:
      return "iget";
    case FieldOp::kInstancePut:
      return "iput";
    case FieldOp::kStaticGet:
      return "sget";
    case FieldOp::kStaticPut:
      return "sput";
  }
  return "unknown";
}

const char* to_string(TypeOp op) {
  switch (op) {
    case TypeOp::kConstClass:
      return "const-class";
    case TypeOp::kCheckCast:
      return "check-cast";
    case TypeOp::kInstanceOf:
      return "instance-of";
    case TypeOp::kNewInstance:
      return "new-instance";
    case TypeOp::kNewArray:
      return "new-array";
    case TypeOp::kFilledNewArray:
      return "filled-new-array";
  }
  return "unknown";
}

namespace {

bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// One MUTF-8 code unit (a UTF-16 unit) at s[i]: its value and length, or length 0 when malformed.
uint32_t mutf8_unit(std::string_view s, size_t i, size_t& len) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    len = 1;
    return c;
  }
  if ((c & 0xE0) == 0xC0 && i + 1 < s.size() && is_cont(s[i + 1])) {
    len = 2;
    return ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
  }
  if ((c & 0xF0) == 0xE0 && i + 2 < s.size() && is_cont(s[i + 1]) && is_cont(s[i + 2])) {
    len = 3;
    return ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
  }
  len = 0;
  return 0;
}

}  // namespace

std::string mutf8_to_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    size_t len = 0;
    uint32_t u = mutf8_unit(in, i, len);
    if (len == 0) {
      append_utf8(out, 0xFFFD);
      ++i;
      continue;
    }
    i += len;
    if (u >= 0xD800 && u <= 0xDBFF) {
      size_t len2 = 0;
      uint32_t lo = i < in.size() ? mutf8_unit(in, i, len2) : 0;
      if (len2 != 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
        i += len2;
        append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
      } else {
        append_utf8(out, 0xFFFD);
      }
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      append_utf8(out, 0xFFFD);
    } else {
      append_utf8(out, u);
    }
  }
  return out;
}

std::string_view DexFile::string_mutf8(uint32_t idx) const {
  if (idx >= strings_.size()) return {};
  const StringRef& s = strings_[idx];
  return {reinterpret_cast<const char*>(base_.data()) + s.offset, s.length};
}

std::string_view DexFile::string(uint32_t idx) const {
  std::string_view raw = string_mutf8(idx);
  if (idx >= strings_.size() || strings_[idx].ascii) return raw;
  auto it = decoded_.find(idx);
  return it != decoded_.end() ? std::string_view(it->second) : raw;  // raw: beyond the decoding budget
}

std::string_view DexFile::type_descriptor(uint32_t type_idx) const {
  return type_idx < type_ids_.size() ? string(type_ids_[type_idx]) : std::string_view{};
}

uint64_t read_type_list_length(Bytes base, uint32_t off, uint64_t max) {
  if (off == 0 || uint64_t(off) + 4 > base.size()) return 0;
  ByteReader r(base, off);
  uint64_t n = r.u32();
  return std::min<uint64_t>({n, r.remaining() / 2, max});
}

static void read_type_list(Bytes base, uint32_t off, uint64_t max, std::vector<uint32_t>& out) {
  out.clear();
  const uint64_t n = read_type_list_length(base, off, max);
  if (n == 0) return;
  ByteReader r(base, off + 4);
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) out.push_back(r.u16());
}

std::vector<uint32_t> read_type_list(Bytes base, uint32_t off, uint64_t max) {
  std::vector<uint32_t> out;
  read_type_list(base, off, max, out);
  return out;
}

std::vector<uint32_t> DexFile::proto_parameters(uint32_t proto_idx) const {
  std::vector<uint32_t> out;
  proto_parameters(proto_idx, out);
  return out;
}

void DexFile::proto_parameters(uint32_t proto_idx, std::vector<uint32_t>& out) const {
  out.clear();
  if (proto_idx >= proto_ids_.size()) return;
  // A method takes at most 255 argument registers: a longer list is not a real one (and would make every
  // signature of a hostile file expensive).
  read_type_list(base_, proto_ids_[proto_idx].parameters_off, 256, out);
}

std::span<const uint32_t> DexFile::class_interfaces(const ClassDef& c) const {
  return std::span<const uint32_t>(interface_types_).subspan(c.interfaces_begin, c.interfaces_end - c.interfaces_begin);
}

std::string DexFile::method_descriptor(uint32_t proto_idx) const {
  std::string out = "(";
  for (uint32_t t : proto_parameters(proto_idx)) out += type_descriptor(t);
  out += ')';
  if (proto_idx < proto_ids_.size()) out += type_descriptor(proto_ids_[proto_idx].return_type_idx);
  return out;
}

std::string_view DexFile::method_class(uint32_t m) const {
  return m < method_ids_.size() ? type_descriptor(method_ids_[m].class_idx) : std::string_view{};
}
std::string_view DexFile::method_name(uint32_t m) const {
  return m < method_ids_.size() ? string(method_ids_[m].name_idx) : std::string_view{};
}
std::string_view DexFile::field_class(uint32_t f) const {
  return f < field_ids_.size() ? type_descriptor(field_ids_[f].class_idx) : std::string_view{};
}
std::string_view DexFile::field_name(uint32_t f) const {
  return f < field_ids_.size() ? string(field_ids_[f].name_idx) : std::string_view{};
}

std::string DexFile::method_signature(uint32_t m) const {
  if (m >= method_ids_.size()) return {};
  std::string out(method_class(m));
  out += "->";
  out += method_name(m);
  out += method_descriptor(method_ids_[m].proto_idx);
  return out;
}

std::string DexFile::field_signature(uint32_t f) const {
  if (f >= field_ids_.size()) return {};
  std::string out(field_class(f));
  out += "->";
  out += field_name(f);
  out += ':';
  out += type_descriptor(field_ids_[f].type_idx);
  return out;
}

std::string DexFile::location(uint32_t method, uint32_t pc) const {
  if (method >= methods_.size()) return {};
  char buf[24];
  std::snprintf(buf, sizeof buf, " @0x%x", pc);
  return method_signature(methods_[method].method_idx) + buf;
}

bool DexFile::is_defined(uint32_t type_idx) const {
  return type_idx < class_by_type_.size() && class_by_type_[type_idx] != kNoIndex;
}

uint32_t DexFile::class_of_type(uint32_t type_idx) const {
  return type_idx < class_by_type_.size() ? class_by_type_[type_idx] : kNoIndex;
}

uint32_t DexFile::find_class(std::string_view descriptor) const {
  if (types_sorted_) {
    // type_ids are sorted by descriptor in a well-formed file: binary search them.
    auto it = std::lower_bound(type_ids_.begin(), type_ids_.end(), descriptor,
                               [&](uint32_t s, std::string_view d) { return string(s) < d; });
    if (it != type_ids_.end() && string(*it) == descriptor)
      return class_of_type(static_cast<uint32_t>(it - type_ids_.begin()));
    return kNoIndex;
  }
  for (uint32_t i = 0; i < classes_.size(); ++i)
    if (type_descriptor(classes_[i].class_idx) == descriptor) return i;
  return kNoIndex;
}

namespace {
template <typename T>
std::span<const T> slice(const std::vector<T>& v, const std::vector<uint32_t>& begin, uint32_t m) {
  if (size_t(m) + 1 >= begin.size()) return {};
  return std::span<const T>(v).subspan(begin[m], begin[m + 1] - begin[m]);
}
}  // namespace

std::span<const CallSite> DexFile::calls_of(uint32_t m) const { return slice(calls_, calls_begin_, m); }
std::span<const StringUse> DexFile::strings_of(uint32_t m) const { return slice(string_uses_, strings_begin_, m); }
std::span<const FieldUse> DexFile::fields_of(uint32_t m) const { return slice(field_uses_, fields_begin_, m); }
std::span<const TypeUse> DexFile::types_of(uint32_t m) const { return slice(type_uses_, types_begin_, m); }

uint32_t DexFile::caller_of(const CallSite& cs) const {
  if (calls_.empty() || &cs < calls_.data() || &cs >= calls_.data() + calls_.size()) return kNoIndex;
  const uint32_t i = static_cast<uint32_t>(&cs - calls_.data());
  // calls_begin_ is non-decreasing and ends with calls_.size() > i: the last method starting at or before i.
  auto it = std::upper_bound(calls_begin_.begin(), calls_begin_.end(), i);
  return static_cast<uint32_t>(it - calls_begin_.begin()) - 1;
}

Bytes DexFile::insns(const Method& m) const {
  if (m.insns_off == 0 || uint64_t(m.insns_off) + uint64_t(m.insns_size) * 2 > base_.size()) return {};
  return base_.subspan(m.insns_off, size_t(m.insns_size) * 2);
}

size_t DexFile::memory_bytes() const {
  auto cap = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  size_t n = sizeof(*this) + cap(strings_) + cap(type_ids_) + cap(proto_ids_) + cap(field_ids_) +
             cap(method_ids_) + cap(classes_) + cap(fields_) + cap(methods_) + cap(class_by_type_) + cap(calls_) +
             cap(string_uses_) + cap(field_uses_) + cap(type_uses_) + cap(calls_begin_) + cap(strings_begin_) +
             cap(fields_begin_) + cap(types_begin_) + cap(interface_types_);
  for (const auto& [k, v] : decoded_) n += v.capacity() + 48;
  return n;
}

}  // namespace apkvet::dex
