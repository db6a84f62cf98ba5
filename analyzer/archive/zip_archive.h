// A ZIP reader that trusts the central directory the way Android's libziparchive does, so it reads
// what Android installs even where strict readers refuse, and reports every deviation as an anomaly.
// Entries are views into the mapped input; a compressed entry is inflated at most once and cached.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/byte_reader.h"
#include "facts/evidence.h"

namespace apkvet {

// How one archive is read: bounds against bombs, and whether libzip gives its opinion too.
struct ZipOptions {
  size_t max_entries = 100'000;
  uint64_t max_entry_size = 512ull << 20;     // inflated size of one entry
  uint64_t max_total_inflate = 2048ull << 20;  // everything inflated from one archive
  uint32_t max_ratio = 1000;                   // inflated/compressed above this is a bomb signal
  // Open the archive with libzip too, a strict reader that refuses what many analysis tools refuse
  // (anomaly zip.strict_reader_refuses). A scan's "archive" area.
  bool check_with_libzip = true;
};

// An inflated entry's bytes. Its allocator leaves new elements uninitialised: the inflater writes
// every byte, and zero-filling the buffer first was one more pass over each entry (83 MB over the
// corpus, most of it DEX). Only construction without a value differs from std::allocator
// (allocator_traits uses construct(p) for it; with a value, and for rebinding, it does as ever).
template <typename T>
struct UninitialisedAllocator : std::allocator<T> {
  using std::allocator<T>::allocator;
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
};
using InflatedBytes = std::vector<uint8_t, UninitialisedAllocator<uint8_t>>;

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // as the central directory says
  uint16_t flags = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint64_t data_offset = 0;  // first byte of the entry's data, from the local header's lengths
  bool data_in_bounds = false;
  size_t index = 0;  // position in the central directory

  bool is_directory() const { return !name.empty() && name.back() == '/'; }
};

class ZipArchive {
 public:
  // Reads the central directory of `data` (which must outlive the archive). `display_name` prefixes
  // evidence paths ("" for the top-level APK, "base.apk!" for a part of a bundle).
  // Throws ParseError when there is no usable central directory at all.
  ZipArchive(Bytes data, std::string display_prefix, AnomalySink& anomalies, ZipOptions options = {});

  // One module of an Android App Bundle (`module` = "base", a feature module's name), as the APK
  // bundletool builds from it: <module>/manifest/AndroidManifest.xml is AndroidManifest.xml,
  // <module>/dex/ and <module>/root/ are the APK's root, and <module>/lib/, assets/, res/,
  // resources.pb keep their names without the module. Entries and inflated bytes are the bundle's
  // (read once, shared); evidence paths name the file as the bundle stores it.
  ZipArchive(const ZipArchive& bundle, std::string_view module);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(std::string_view name) const;  // first entry of that name, as Android reads it

  // The entry's uncompressed bytes: a view into the input for stored entries, a cached buffer for
  // deflated ones. nullopt when the entry cannot be read (the reason is recorded as an anomaly).
  std::optional<Bytes> read(const ZipEntry& entry) const;
  std::optional<Bytes> read(std::string_view name) const;

  // Up to n leading bytes of the entry, inflating only that much and caching nothing: for sniffing
  // magic numbers of every asset without paying for inflating them all.
  std::vector<uint8_t> peek(const ZipEntry& entry, size_t n) const;

  std::string evidence_path(std::string_view entry_name) const;
  const std::string& prefix() const { return prefix_; }
  Bytes data() const { return data_; }
  uint64_t central_directory_offset() const { return cd_offset_; }
  uint64_t central_directory_size() const { return cd_size_; }
  uint64_t eocd_offset() const { return eocd_offset_; }
  uint64_t archive_start() const { return archive_start_; }  // bytes before this are not zip (Janus)
  uint64_t bytes_inflated() const { return bundle_ ? bundle_->bytes_inflated() : total_inflated_; }

 private:
  void locate_end_of_central_directory();
  void read_central_directory();
  void check_local_header(ZipEntry& e);
  void check_entry_name(const ZipEntry& e);
  void cross_check_with_libzip();
  std::optional<InflatedBytes> inflate(const ZipEntry& e) const;
  InflatedBytes inflated(const ZipEntry& e, InflatedBytes out) const;
  void anomaly(std::string id, Severity s, std::string msg, std::string_view entry, std::string location = "",
               std::string value = "") const;

  Bytes data_;
  std::string prefix_;
  AnomalySink& anomalies_;
  ZipOptions options_;
  uint64_t eocd_offset_ = 0, cd_offset_ = 0, cd_size_ = 0, archive_start_ = 0;
  uint64_t local_offset_shift_ = 0;  // prepended data without fixed offsets: added to every local offset
  uint64_t declared_entries_ = 0;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string_view, size_t> first_by_name_;

  // A module view of an App Bundle: the bundle it reads through, and for each of its entries the
  // index of the bundle's entry.
  const ZipArchive* bundle_ = nullptr;
  std::vector<size_t> bundle_index_;

  // Inflated entries, by index. Filled lazily from const readers, hence mutable and guarded.
  mutable std::mutex cache_mutex_;
  mutable std::map<size_t, std::unique_ptr<InflatedBytes>> inflated_;
  mutable std::map<size_t, bool> failed_;
  mutable uint64_t total_inflated_ = 0;
};

}  // namespace apkvet
