#include "archive/zip_archive.h"

#include "archive/libzip_library.h"
#include "core/utf8.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace apkvet {
namespace {

constexpr uint32_t kEocdSignature = 0x06054b50;
constexpr uint32_t kEocd64Signature = 0x06064b50;
constexpr uint32_t kEocd64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kMaxCommentSize = 0xffff;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflated = 8;
constexpr uint16_t kFlagEncrypted = 0x0001;
constexpr uint16_t kFlagDataDescriptor = 0x0008;

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}


}  // namespace

ZipArchive::ZipArchive(Bytes data, std::string display_prefix, AnomalySink& anomalies, ZipOptions options)
    : data_(data), prefix_(std::move(display_prefix)), anomalies_(anomalies), options_(options) {
  locate_end_of_central_directory();
  read_central_directory();
  if (options_.check_with_libzip) cross_check_with_libzip();
}

// The APK name of a bundle module's entry, or "" when the entry is not in the module.
static std::string module_entry_name(std::string_view stored, std::string_view module) {
  if (stored.size() <= module.size() + 1 || stored.substr(0, module.size()) != module || stored[module.size()] != '/')
    return "";
  std::string_view rest = stored.substr(module.size() + 1);
  if (rest == "manifest/AndroidManifest.xml") return "AndroidManifest.xml";
  if (rest.rfind("manifest/", 0) == 0) return "";  // nothing else of manifest/ goes into the APK
  if (rest.rfind("dex/", 0) == 0) return std::string(rest.substr(4));
  if (rest.rfind("root/", 0) == 0) return std::string(rest.substr(5));
  return std::string(rest);
}

ZipArchive::ZipArchive(const ZipArchive& bundle, std::string_view module)
    : data_(bundle.data_), prefix_(bundle.prefix_), anomalies_(bundle.anomalies_), options_(bundle.options_),
      eocd_offset_(bundle.eocd_offset_), cd_offset_(bundle.cd_offset_), cd_size_(bundle.cd_size_),
      archive_start_(bundle.archive_start_), bundle_(&bundle) {
  options_.check_with_libzip = false;
  for (const ZipEntry& e : bundle.entries_) {
    std::string name = module_entry_name(e.name, module);
    if (name.empty()) continue;
    ZipEntry view = e;
    view.name = std::move(name);
    view.index = entries_.size();
    entries_.push_back(std::move(view));
    bundle_index_.push_back(e.index);
  }
  for (const auto& e : entries_) {
    auto [it, inserted] = first_by_name_.try_emplace(std::string_view(e.name), e.index);
    // base/dex/classes.dex and base/root/classes.dex are both the APK's classes.dex: bundletool refuses
    // such a bundle, and tools that read one or the other disagree.
    if (!inserted)
      anomaly("bundle.module_entry_clash", Severity::medium,
              "Two files of module '" + std::string(module) + "' become the same file of its APK; the first is read",
              bundle.entries_[bundle_index_[e.index]].name, "",
              bundle.entries_[bundle_index_[it->second]].name + " and " + bundle.entries_[bundle_index_[e.index]].name);
  }
}

std::string ZipArchive::evidence_path(std::string_view entry_name) const {
  if (bundle_)
    if (const ZipEntry* e = find(entry_name)) return prefix_ + bundle_->entries_[bundle_index_[e->index]].name;
  return prefix_ + std::string(entry_name);
}

void ZipArchive::anomaly(std::string id, Severity s, std::string msg, std::string_view entry, std::string location,
                         std::string value) const {
  std::string file = prefix_.empty() && entry.empty() ? std::string("(archive)") : prefix_ + std::string(entry);
  if (!file.empty() && file.back() == '!') file.pop_back();
  anomalies_.add(std::move(id), s, std::move(msg), Evidence{file, std::move(location), std::move(value)});
}

// Android (libziparchive) scans backwards from the end for the EOCD signature and takes the first
// one it meets, i.e. the record nearest the end of the file. We do the same, and report any other
// EOCD signatures in the tail: a second EOCD hidden in the comment makes tools disagree.
void ZipArchive::locate_end_of_central_directory() {
  if (data_.size() < kEocdSize) throw ParseError("file is too small to be a ZIP archive", 0);
  ByteReader r(data_);
  size_t lowest = data_.size() > kEocdSize + kMaxCommentSize ? data_.size() - kEocdSize - kMaxCommentSize : 0;
  std::vector<size_t> found;  // every end record in the window, the last one first
  // memrchr finds each candidate 'P' with vector instructions; a byte loop over the 64 KB window cost
  // every archive ~0.4 M instructions.
  for (size_t end = data_.size() - kEocdSize + 1; end > lowest;) {
    const void* p = memrchr(data_.data() + lowest, 0x50, end - lowest);
    if (!p) break;
    size_t i = static_cast<size_t>(static_cast<const uint8_t*>(p) - data_.data());
    if (r.u32_at(i) == kEocdSignature) found.push_back(i);
    end = i;
  }
  if (found.empty()) throw ParseError("no end-of-central-directory record: not a ZIP archive", data_.size());
  eocd_offset_ = found.front();
  // Only a second record another reader could take for the end counts: one whose comment reaches
  // exactly to the end of the file, or one behind the chosen record. EOCD signatures inside stored
  // entries (the APKs of an .apks/.xapk bundle) are ordinary data, not a second end record.
  size_t alternatives = 0;
  size_t alternative_at = 0;
  for (size_t i = 1; i < found.size(); ++i) {
    size_t at = found[i];
    if (at + kEocdSize + r.u16_at(at + 20) == data_.size()) {
      ++alternatives;
      alternative_at = at;
    }
  }
  if (alternatives > 0)
    anomaly("zip.multiple_eocd", Severity::high,
            "Several end-of-central-directory records; Android uses the last one, other tools may use another",
            "", Evidence::offset(alternative_at), std::to_string(alternatives + 1) + " records");

  r.seek(eocd_offset_ + 4);
  uint16_t disk = r.u16(), cd_disk = r.u16();
  uint16_t entries_on_disk = r.u16(), entries_total = r.u16();
  uint32_t cd_size = r.u32(), cd_offset = r.u32();
  uint16_t comment_len = r.u16();
  if (disk != 0 || cd_disk != 0 || entries_on_disk != entries_total)
    anomaly("zip.multi_disk", Severity::medium, "End record claims a multi-disk archive", "",
            Evidence::offset(eocd_offset_));
  // Read on, as Info-ZIP does; Android's ZIP reader refuses the file ("extraneous bytes at the end of
  // the central directory"), and apksigner finds no end record in it (the signing verdict says so).
  if (eocd_offset_ + kEocdSize + comment_len != data_.size())
    anomaly("zip.eocd_comment_length", Severity::low,
            "Archive comment length does not match the bytes after the end record: Android and apksigner "
            "refuse the file",
            "", Evidence::offset(eocd_offset_), std::to_string(comment_len));
  declared_entries_ = entries_total;
  cd_size_ = cd_size;
  cd_offset_ = cd_offset;

  // ZIP64: the classic fields saturate and a locator sits right before the EOCD.
  if ((cd_offset == 0xffffffff || cd_size == 0xffffffff || entries_total == 0xffff) && eocd_offset_ >= 20 &&
      r.u32_at(eocd_offset_ - 20) == kEocd64LocatorSignature) {
    uint64_t eocd64 = r.u64_at(eocd_offset_ - 20 + 8);
    if (eocd64 + 56 <= data_.size() && r.u32_at(eocd64) == kEocd64Signature) {
      declared_entries_ = r.u64_at(eocd64 + 32);
      cd_size_ = r.u64_at(eocd64 + 40);
      cd_offset_ = r.u64_at(eocd64 + 48);
      anomaly("zip.zip64", Severity::info, "ZIP64 archive (Android supports it only from API 31)", "",
              Evidence::offset(eocd64));
    }
  }
  if (cd_offset_ > eocd_offset_ || cd_size_ > eocd_offset_ - cd_offset_) {
    // Data prepended to the archive without fixing offsets shifts everything by a constant.
    uint64_t end = eocd_offset_;
    if (cd_size_ <= end) {
      uint64_t actual = end - cd_size_;
      if (actual + 4 <= data_.size() && r.u32_at(actual) == kCentralSignature) {
        anomaly("zip.central_directory_offset", Severity::high,
                "Central directory is not where the end record says; Android refuses such an archive", "",
                Evidence::offset(actual), "declared " + std::to_string(cd_offset_));
        cd_offset_ = actual;
        return;
      }
    }
    throw ParseError("central directory lies outside the file", eocd_offset_);
  }
  if (r.u32_at(cd_offset_) != kCentralSignature && cd_size_ <= eocd_offset_) {
    // Data prepended without fixing offsets: the declared directory offset points into the prefix.
    // Info-ZIP and Python's zipfile measure the shift from where the directory really ends (at the
    // end record) and apply it to every local header offset; we do the same, with an anomaly.
    uint64_t actual = eocd_offset_ - cd_size_;
    if (actual > cd_offset_ && r.u32_at(actual) == kCentralSignature) {
      anomaly("zip.central_directory_offset", Severity::high,
              "Central directory is not where the end record says (data prepended without fixing offsets); "
              "Android refuses such an archive",
              "", Evidence::offset(actual), "declared " + std::to_string(cd_offset_));
      local_offset_shift_ = actual - cd_offset_;
      cd_offset_ = actual;
      return;
    }
  }
  if (cd_offset_ + cd_size_ != eocd_offset_) {
    // Normal for ZIP64 (the ZIP64 records sit between) and harmless otherwise, but unusual.
    bool zip64_gap = eocd_offset_ >= 20 && r.u32_at(eocd_offset_ - 20) == kEocd64LocatorSignature;
    if (!zip64_gap)
      anomaly("zip.gap_before_eocd", Severity::low, "Bytes between the central directory and the end record",
              "", Evidence::offset(cd_offset_ + cd_size_));
  }
}

void ZipArchive::read_central_directory() {
  ByteReader r(data_);
  uint64_t pos = cd_offset_;
  const uint64_t end = cd_offset_ + cd_size_;
  while (pos + 46 <= end) {
    if (r.u32_at(pos) != kCentralSignature) {
      anomaly("zip.central_directory_garbage", Severity::high,
              "Central directory holds a record with a bad signature; reading stops there", "",
              Evidence::offset(pos), hex32(r.u32_at(pos)));
      break;
    }
    if (entries_.size() >= options_.max_entries) {
      anomaly("zip.too_many_entries", Severity::high,
              "Archive has more entries than the limit; the rest are not read", "", Evidence::offset(pos),
              std::to_string(options_.max_entries));
      break;
    }
    ZipEntry e;
    r.seek(pos + 8);
    e.flags = r.u16();
    e.method = r.u16();
    r.skip(4);  // time, date
    e.crc32 = r.u32();
    e.compressed_size = r.u32();
    e.uncompressed_size = r.u32();
    uint16_t name_len = r.u16(), extra_len = r.u16(), comment_len = r.u16();
    r.skip(8);  // disk, internal attrs, external attrs
    e.local_header_offset = r.u32();
    if (pos + 46 + name_len + extra_len + comment_len > end) {
      anomaly("zip.central_directory_truncated", Severity::high, "A central directory record runs past its end",
              "", Evidence::offset(pos));
      break;
    }
    e.name = std::string(as_chars(r.view(name_len)));
    Bytes extra = r.view(extra_len);
    // ZIP64 extended information replaces saturated fields, in this order.
    for (size_t x = 0; x + 4 <= extra.size();) {
      ByteReader xr(extra, x);
      uint16_t id = xr.u16(), len = xr.u16();
      if (x + 4 + len > extra.size()) break;
      if (id == 0x0001) {
        if (e.uncompressed_size == 0xffffffff && xr.has(8)) e.uncompressed_size = xr.u64();
        if (e.compressed_size == 0xffffffff && xr.has(8)) e.compressed_size = xr.u64();
        if (e.local_header_offset == 0xffffffff && xr.has(8)) e.local_header_offset = xr.u64();
      }
      x += 4 + len;
    }
    e.local_header_offset += local_offset_shift_;
    e.index = entries_.size();
    pos += 46 + name_len + extra_len + comment_len;

    check_entry_name(e);
    check_local_header(e);
    entries_.push_back(std::move(e));
  }
  if (declared_entries_ != entries_.size() && declared_entries_ != 0xffff)
    anomaly("zip.entry_count_mismatch", Severity::medium, "End record's entry count differs from the central directory",
            "", Evidence::offset(eocd_offset_),
            "declared " + std::to_string(declared_entries_) + ", found " + std::to_string(entries_.size()));

  // Index names only now: string_views into entries_ must not move.
  for (const auto& e : entries_) {
    auto [it, inserted] = first_by_name_.try_emplace(std::string_view(e.name), e.index);
    if (!inserted)
      anomaly("zip.duplicate_entry", Severity::high,
              "Two entries share one name; Android 10+ refuses the archive, older readers pick different copies; "
              "the first is analysed",
              e.name, "central directory index " + std::to_string(e.index));
  }

  // Overlapping entry data is how non-recursive zip bombs reuse one compressed stream many times.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  archive_start_ = data_.size();
  for (const auto& e : entries_) {
    archive_start_ = std::min(archive_start_, e.local_header_offset);
    if (e.data_in_bounds && e.compressed_size > 0) ranges.emplace_back(e.data_offset, e.data_offset + e.compressed_size);
  }
  if (entries_.empty()) archive_start_ = cd_offset_;
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) {
      anomaly("zip.overlapping_entries", Severity::high,
              "Entries share compressed bytes (the overlapping-file zip bomb technique)", "",
              Evidence::offset(ranges[i].first));
      break;
    }
  }
  if (archive_start_ > 0) {
    bool dex_prefix = data_.size() >= 4 && std::memcmp(data_.data(), "dex\n", 4) == 0;
    anomaly(dex_prefix ? "zip.janus_dex_prefix" : "zip.data_before_archive", dex_prefix ? Severity::critical : Severity::high,
            dex_prefix ? "File is both a DEX and a ZIP (Janus, CVE-2017-13156): old Android runs the DEX prefix"
                       : "Bytes before the first entry are not part of the ZIP",
            "", Evidence::offset(0), std::to_string(archive_start_) + " bytes");
  }
}

void ZipArchive::check_entry_name(const ZipEntry& e) {
  const std::string& n = e.name;
  std::string why;
  if (n.empty()) why = "empty name";
  else if (n.find('\0') != std::string::npos) why = "NUL byte in name";
  else if (n.front() == '/') why = "absolute path";
  else if (n.find('\\') != std::string::npos) why = "backslash in name";
  else if (n == ".." || n.rfind("../", 0) == 0 || n.find("/../") != std::string::npos ||
           (n.size() >= 3 && n.compare(n.size() - 3, 3, "/..") == 0))
    why = "path traversal (..)";
  else if (n.size() > 4096) why = "name longer than 4096 bytes";
  else if (first_invalid_utf8(n) != std::string_view::npos) why = "name is not valid UTF-8";
  else {
    for (unsigned char c : n)
      if (c < 0x20) {
        why = "control character in name";
        break;
      }
  }
  if (!why.empty())
    anomaly("zip.suspicious_entry_name", Severity::high, "Entry name could escape or confuse an extractor: " + why,
            n, "central directory index " + std::to_string(e.index));
  if (e.flags & kFlagEncrypted)
    anomaly("zip.encrypted_flag", Severity::medium,
            "Entry is flagged encrypted; Android ignores the flag, many analysis tools then refuse the file", n,
            "central directory index " + std::to_string(e.index));
  if (e.method != kMethodStored && e.method != kMethodDeflated)
    anomaly("zip.unknown_compression_method", Severity::high,
            "Central directory names an unknown compression method; Android reads the entry as stored", n, "",
            "method " + std::to_string(e.method));
}

// Android finds an entry's data through the local header's own name and extra lengths, so those
// decide where data starts. The other local fields only matter to tools that read local headers;
// a disagreement with the central directory is a classic evasion of such tools.
void ZipArchive::check_local_header(ZipEntry& e) {
  ByteReader r(data_);
  if (e.local_header_offset + 30 > data_.size() || e.local_header_offset >= cd_offset_ + cd_size_) {
    anomaly("zip.local_header_out_of_bounds", Severity::high, "Entry's local header lies outside the archive", e.name,
            Evidence::offset(e.local_header_offset));
    return;
  }
  uint64_t lh = e.local_header_offset;
  if (r.u32_at(lh) != kLocalSignature) {
    anomaly("zip.bad_local_header", Severity::high, "Entry's local header has a bad signature", e.name,
            Evidence::offset(lh), hex32(r.u32_at(lh)));
    return;
  }
  uint16_t flags = r.u16_at(lh + 6), method = r.u16_at(lh + 8);
  uint32_t crc = r.u32_at(lh + 14), csize = r.u32_at(lh + 18), usize = r.u32_at(lh + 22);
  uint16_t name_len = r.u16_at(lh + 26), extra_len = r.u16_at(lh + 28);
  e.data_offset = lh + 30 + name_len + extra_len;
  e.data_in_bounds = e.data_offset <= data_.size() && e.compressed_size <= data_.size() - e.data_offset;
  if (!e.data_in_bounds)
    anomaly("zip.entry_data_out_of_bounds", Severity::high, "Entry's data runs past the end of the file", e.name,
            Evidence::offset(e.data_offset), std::to_string(e.compressed_size) + " bytes");

  std::vector<std::string> diffs;
  if (lh + 30 + name_len <= data_.size() && as_chars(r.view_at(lh + 30, name_len)) != e.name) diffs.push_back("name");
  if (method != e.method) diffs.push_back("compression method " + std::to_string(method) + " vs " + std::to_string(e.method));
  if ((flags & kFlagEncrypted) != (e.flags & kFlagEncrypted)) diffs.push_back("encryption flag");
  if (!(flags & kFlagDataDescriptor) && !(e.flags & kFlagDataDescriptor)) {
    bool zip64 = csize == 0xffffffff || usize == 0xffffffff;
    if (crc != e.crc32) diffs.push_back("crc");
    if (!zip64 && (csize != e.compressed_size || usize != e.uncompressed_size)) diffs.push_back("sizes");
  }
  if (!diffs.empty()) {
    std::string what;
    for (const auto& d : diffs) what += (what.empty() ? "" : ", ") + d;
    anomaly("zip.local_header_mismatch", Severity::high,
            "Local header disagrees with the central directory (" + what +
                "); Android trusts the central directory, tools that read local headers see another file",
            e.name, Evidence::offset(lh), what);
  }
}

void ZipArchive::cross_check_with_libzip() {
  const LibzipLibrary* zip = nullptr;
  try {
    zip = &libzip_library();
  } catch (const std::exception& e) {
    anomaly("zip.strict_reader_unavailable", Severity::low,
            std::string("The strict ZIP reader could not be loaded; the archive was not checked with it: ") + e.what(),
            "");
    return;
  }
  zip_error_t err;
  zip->error_init(&err);
  zip_source_t* src = zip->source_buffer_create(data_.data(), data_.size(), 0, &err);
  if (!src) {
    zip->error_fini(&err);
    return;
  }
  zip_t* za = zip->open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!za) {
    anomaly("zip.strict_reader_refuses", Severity::medium,
            std::string("A strict ZIP reader (libzip) refuses this archive, as many analysis tools would: ") +
                zip->error_strerror(&err),
            "");
    zip->source_free(src);
  } else {
    zip->discard(za);  // read-only: nothing to write back
  }
  zip->error_fini(&err);
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  auto it = first_by_name_.find(name);
  return it == first_by_name_.end() ? nullptr : &entries_[it->second];
}

std::optional<Bytes> ZipArchive::read(std::string_view name) const {
  const ZipEntry* e = find(name);
  if (!e) return std::nullopt;
  return read(*e);
}

std::optional<Bytes> ZipArchive::read(const ZipEntry& e) const {
  if (bundle_) return bundle_->read(bundle_->entries_[bundle_index_[e.index]]);
  if (!e.data_in_bounds || e.is_directory()) return std::nullopt;
  Bytes raw = data_.subspan(e.data_offset, e.compressed_size);
  bool stored = e.method != kMethodDeflated;
  if (stored) {
    // Android reads unknown methods as stored. A stored entry is a view: no copy, no cache.
    if (e.method == kMethodStored && e.uncompressed_size != e.compressed_size) {
      std::lock_guard lock(cache_mutex_);
      if (!failed_[e.index])
        anomaly("zip.size_mismatch", Severity::medium, "Stored entry's sizes differ; the compressed size is used",
                e.name, "", std::to_string(e.compressed_size) + " vs " + std::to_string(e.uncompressed_size));
      failed_[e.index] = true;
    }
    return raw;
  }
  std::lock_guard lock(cache_mutex_);
  if (auto it = inflated_.find(e.index); it != inflated_.end()) return Bytes(*it->second);
  if (failed_[e.index]) return std::nullopt;
  auto out = inflate(e);
  if (!out) {
    failed_[e.index] = true;
    return std::nullopt;
  }
  auto& slot = inflated_[e.index] = std::make_unique<InflatedBytes>(std::move(*out));
  return Bytes(*slot);
}

std::vector<uint8_t> ZipArchive::peek(const ZipEntry& e, size_t n) const {
  if (bundle_) return bundle_->peek(bundle_->entries_[bundle_index_[e.index]], n);
  std::vector<uint8_t> out;
  if (!e.data_in_bounds || e.is_directory()) return out;
  if (e.method != kMethodDeflated) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, e.compressed_size));
    out.assign(data_.data() + e.data_offset, data_.data() + e.data_offset + take);
    return out;
  }
  {
    // Already inflated whole (the v1 signature digests every entry): its first bytes are the same.
    std::lock_guard lock(cache_mutex_);
    if (auto it = inflated_.find(e.index); it != inflated_.end() && it->second->size() >= n)
      return std::vector<uint8_t>(it->second->begin(), it->second->begin() + std::ptrdiff_t(n));
  }
  out.resize(n);
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return {};
  zs.next_in = const_cast<Bytef*>(data_.data() + e.data_offset);
  zs.avail_in = static_cast<uInt>(std::min<uint64_t>(e.compressed_size, 0xffffffffu));
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(n);
  while (zs.avail_out > 0) {
    int rc = ::inflate(&zs, Z_SYNC_FLUSH);
    if (rc != Z_OK) break;
  }
  out.resize(n - zs.avail_out);
  inflateEnd(&zs);
  return out;
}

std::optional<InflatedBytes> ZipArchive::inflate(const ZipEntry& e) const {
  if (e.uncompressed_size > options_.max_entry_size) {
    anomaly("zip.bomb_entry_size", Severity::high, "Entry declares an inflated size above the limit; not inflated",
            e.name, "", std::to_string(e.uncompressed_size) + " bytes");
    return std::nullopt;
  }
  if (e.compressed_size > 0 && e.uncompressed_size / e.compressed_size > options_.max_ratio &&
      e.uncompressed_size > (1u << 20))
    anomaly("zip.bomb_ratio", Severity::high, "Entry's compression ratio is typical of a zip bomb", e.name, "",
            std::to_string(e.uncompressed_size / e.compressed_size) + ":1");
  if (total_inflated_ + e.uncompressed_size > options_.max_total_inflate) {
    anomaly("zip.bomb_total_size", Severity::high, "Inflating this entry would pass the archive's inflate budget",
            e.name, "", std::to_string(options_.max_total_inflate) + " bytes");
    return std::nullopt;
  }
  const uint8_t* in = data_.data() + e.data_offset;
  // The common case in one call: a whole-buffer inflate (libdeflate, 2-3x zlib's speed) into the
  // declared size, when that is believable (deflate expands at most ~1032:1; at most 64 MB). Any
  // other outcome — more output than declared, a corrupt stream — is left to zlib's streaming below,
  // whose handling of each case the anomalies describe; a stream libdeflate decodes, zlib decodes to
  // the same bytes.
  if (e.uncompressed_size <= (64u << 20) && e.uncompressed_size <= e.compressed_size * 1032 + 1024) {
    thread_local std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> decompressor(
        libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
    InflatedBytes out(static_cast<size_t>(e.uncompressed_size));
    size_t produced = 0;
    if (decompressor && libdeflate_deflate_decompress(decompressor.get(), in, static_cast<size_t>(e.compressed_size),
                                                      out.data(), out.size(), &produced) == LIBDEFLATE_SUCCESS) {
      out.resize(produced);
      return inflated(e, std::move(out));
    }
  }
  // Never trust the declared size for the allocation beyond the budget: inflate into a buffer that
  // grows only as real output arrives, capped one byte above the declared size to detect lies.
  const uint64_t cap = e.uncompressed_size + 1;
  InflatedBytes out;
  out.reserve(static_cast<size_t>(std::min<uint64_t>(e.uncompressed_size, 64u << 20)));
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return std::nullopt;
  zs.next_in = const_cast<Bytef*>(in);
  zs.avail_in = static_cast<uInt>(std::min<uint64_t>(e.compressed_size, 0xffffffffu));
  uint8_t chunk[65536];
  int rc = Z_OK;
  while (rc == Z_OK && out.size() < cap) {
    zs.next_out = chunk;
    zs.avail_out = static_cast<uInt>(std::min<uint64_t>(sizeof chunk, cap - out.size()));
    rc = ::inflate(&zs, Z_NO_FLUSH);
    out.insert(out.end(), chunk, chunk + (zs.next_out - chunk));
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END && out.size() < cap) {
    // A stored entry mislabelled as deflated still reads on some devices; try it as stored.
    if (e.compressed_size == e.uncompressed_size) {
      anomaly("zip.bad_deflate_stream", Severity::medium, "Entry is marked deflated but is not; read as stored", e.name,
              "", zs.msg ? zs.msg : "");
      out.assign(data_.data() + e.data_offset, data_.data() + e.data_offset + e.compressed_size);
    } else {
      anomaly("zip.bad_deflate_stream", Severity::high, "Entry's deflate stream is corrupt; entry not read", e.name,
              "", zs.msg ? zs.msg : "truncated stream");
      return std::nullopt;
    }
  }
  if (out.size() > e.uncompressed_size) {
    anomaly("zip.size_mismatch", Severity::high,
            "Entry inflates to more than its declared size (a zip bomb trick); output cut at the declared size", e.name,
            "", "declared " + std::to_string(e.uncompressed_size));
    out.resize(e.uncompressed_size);
  }
  return inflated(e, std::move(out));
}

// What every inflated entry is checked for: fewer bytes than declared, its CRC-32; then it counts
// against the archive's inflate budget.
InflatedBytes ZipArchive::inflated(const ZipEntry& e, InflatedBytes out) const {
  if (out.size() < e.uncompressed_size) {
    anomaly("zip.size_mismatch", Severity::medium, "Entry inflates to less than its declared size", e.name, "",
            std::to_string(out.size()) + " of " + std::to_string(e.uncompressed_size));
  }
  uint32_t crc = libdeflate_crc32(0, out.data(), out.size());
  if (crc != e.crc32)
    anomaly("zip.crc_mismatch", Severity::medium, "Entry's CRC-32 does not match its contents", e.name, "",
            hex32(crc) + " vs " + hex32(e.crc32));
  total_inflated_ += out.size();
  return out;
}

}  // namespace apkvet
