#include "manifest/permission_catalog.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <vector>

#include "core/data_dir.h"
#include "core/digest.h"
#include "core/file_identity.h"
#include "core/mapped_file.h"
#include "version.h"

namespace apkvet {
namespace {

// The index: a header, fixed-size records sorted by name, then the strings they point into.
//   header:  kMagic (16 bytes), u32 record count
//   record:  (u32 offset, u32 length) of name, protection_level, base_protection, runtime_group;
//            i32 added_api, i32 removed_api (kNoLevel: none); u32 flags (bit 0: deprecated)
// Offsets are from the start of the strings area. Little-endian, as the integers are written.
constexpr char kMagic[16] = {'a', 'p', 'k', 'v', 'e', 't', '-', 'p', 'e', 'r', 'm', 's', '-', 'v', '1', '\n'};
constexpr size_t kHeaderSize = sizeof kMagic + 4;
constexpr size_t kRecordSize = 8 * 4 + 3 * 4;
constexpr int32_t kNoLevel = INT32_MIN;

std::string text(const Json& v) {
  if (!v.is_string()) throw std::runtime_error("not a string");
  return v.get<std::string>();
}

int32_t api_level(const Json& v) {
  if (!v.is_number_integer()) throw std::runtime_error("API level is not an integer");
  if (v.is_number_unsigned() ? v.get<uint64_t>() > uint64_t(INT32_MAX)
                             : (v.get<int64_t>() < INT32_MIN + 1 || v.get<int64_t>() > INT32_MAX))
    throw std::runtime_error("API level out of range");
  return static_cast<int32_t>(v.get<int64_t>());
}

// One entry's fields, as the platform's definition gives them; a non-platform entry is known by its
// protection level only. Throws on a field of the wrong type (the entry is then left out).
PermissionInfo decode(const Json& fields, bool platform) {
  if (!fields.is_object()) throw std::runtime_error("entry is not an object");
  PermissionInfo e;
  e.known = true;
  for (const auto& [key, v] : fields.items()) {
    if (key == "protection_level") e.protection_level = text(v);
    else if (!platform) continue;
    else if (key == "base_protection") e.base_protection = text(v);
    else if (key == "runtime_group") e.runtime_group = text(v);
    else if (key == "deprecated") e.deprecated = v.get<bool>();
    else if (key == "added_api") e.added_api = api_level(v);
    else if (key == "removed_api") e.removed_api = api_level(v);
  }
  if (!platform) e.base_protection = e.protection_level;
  return e;
}

std::string index_entry_name(const std::string& json_path, const FileIdentity& id) {
  return "permissions-" +
         sha256_hex(std::string(kMagic, sizeof kMagic) + APKVET_VERSION + "\n" + json_path + "\n" + to_string(id)) +
         ".bin";
}

}  // namespace

std::string PermissionCatalog::build_index(std::string_view json_text) {
  Json doc = Json::parse(json_text);
  std::map<std::string, PermissionInfo> entries;  // sorted by name
  // The platform's own entries first: a non-platform entry of the same name does not replace one.
  for (const char* section : {"permissions", "non_platform_permissions"}) {
    auto it = doc.find(section);
    if (it == doc.end() || !it->is_object()) continue;
    bool platform = std::string_view(section) == "permissions";
    for (const auto& [name, fields] : it->items()) {
      if (entries.count(name)) continue;
      try {
        entries.emplace(name, decode(fields, platform));
      } catch (const std::exception&) {  // a field of the wrong type: the permission is not known
      }
    }
  }
  std::string strings;
  std::map<std::string, uint32_t> interned;  // protection levels and groups repeat
  auto add = [&](const std::string& s, std::string& out) {
    auto [it, fresh] = interned.emplace(s, static_cast<uint32_t>(strings.size()));
    if (fresh) strings += s;
    append_le(out, it->second, 4);
    append_le(out, s.size(), 4);
  };
  std::string out(kMagic, sizeof kMagic);
  append_le(out, entries.size(), 4);
  for (const auto& [name, e] : entries) {
    add(name, out);
    add(e.protection_level, out);
    add(e.base_protection, out);
    add(e.runtime_group, out);
    append_le(out, static_cast<uint32_t>(e.added_api.value_or(kNoLevel)), 4);
    append_le(out, static_cast<uint32_t>(e.removed_api.value_or(kNoLevel)), 4);
    append_le(out, e.deprecated ? 1 : 0, 4);
  }
  return out + strings;
}

PermissionCatalog::PermissionCatalog(const std::string& json_path) {
  std::optional<FileIdentity> id = file_identity(json_path);
  if (!id) return;  // no file: every permission is unknown
  const std::string entry = index_entry_name(json_path, *id);
  const std::string cached = cache_entry_path(entry);
  if (!cached.empty()) {
    try {
      mapped_ = std::make_unique<MappedFile>(cached);
      if (use(mapped_->bytes())) return;
    } catch (const std::exception&) {  // no index cached yet
    }
    mapped_.reset();
  }
  try {
    built_ = build_index(read_text_file(json_path));
  } catch (const std::exception&) {  // unreadable or malformed: every permission is unknown
    return;
  }
  if (!use(Bytes(reinterpret_cast<const uint8_t*>(built_.data()), built_.size()))) return;
  if (!cached.empty() && settled(*id)) write_cache_entry(entry, built_);
}

PermissionCatalog::~PermissionCatalog() = default;

std::unique_ptr<PermissionCatalog> PermissionCatalog::from_index(std::string index) {
  std::unique_ptr<PermissionCatalog> catalog(new PermissionCatalog());
  catalog->built_ = std::move(index);
  catalog->use(Bytes(reinterpret_cast<const uint8_t*>(catalog->built_.data()), catalog->built_.size()));
  return catalog;
}

bool PermissionCatalog::use(Bytes index) {
  if (index.size() < kHeaderSize || std::memcmp(index.data(), kMagic, sizeof kMagic) != 0) return false;
  ByteReader r(index);
  uint64_t count = r.u32_at(sizeof kMagic);
  if (count > (index.size() - kHeaderSize) / kRecordSize) return false;
  index_ = index;
  count_ = static_cast<size_t>(count);
  return true;
}

PermissionInfo PermissionCatalog::find(std::string_view name) const {
  // Every read is bounds-checked (ByteReader): a damaged cached index gives unknown, never a bad read.
  try {
    ByteReader r(index_);
    const size_t strings = kHeaderSize + count_ * kRecordSize;
    auto field = [&](size_t record, int k) {
      size_t at = kHeaderSize + record * kRecordSize + size_t(k) * 8;
      Bytes b = r.view_at(strings + r.u32_at(at), r.u32_at(at + 4));
      return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
    };
    size_t lo = 0, hi = count_;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      std::string_view here = field(mid, 0);
      if (here == name) {
        size_t at = kHeaderSize + mid * kRecordSize + 32;
        PermissionInfo info;
        info.known = true;
        info.protection_level = field(mid, 1);
        info.base_protection = field(mid, 2);
        info.runtime_group = field(mid, 3);
        if (auto added = static_cast<int32_t>(r.u32_at(at)); added != kNoLevel) info.added_api = added;
        if (auto removed = static_cast<int32_t>(r.u32_at(at + 4)); removed != kNoLevel) info.removed_api = removed;
        info.deprecated = r.u32_at(at + 8) & 1;
        return info;
      }
      if (here < name) lo = mid + 1;
      else hi = mid;
    }
  } catch (const ParseError&) {
  }
  return {};
}

namespace {

std::string shipped_catalog_path() {
  try {
    return rules_path("permissions/android_permissions.json");
  } catch (const std::exception&) {  // no rules directory: every permission is unknown
    return "";
  }
}

}  // namespace

const PermissionCatalog& shipped_permission_catalog() {
  static const PermissionCatalog catalog(shipped_catalog_path());
  return catalog;
}

}  // namespace apkvet
