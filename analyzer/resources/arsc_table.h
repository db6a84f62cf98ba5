// resources.arsc (RES_TABLE_TYPE): packages, type specs, typed configs and their entries, read as a
// view over the file (nothing is copied; strings are decoded on demand). Lookups follow aapt's
// ResTable (the truth tool); what Android or aapt would reject or read differently becomes an anomaly.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "facts/evidence.h"
#include "resources/arsc_config.h"
#include "resources/resource_table.h"
#include "resources/arsc_string_pool.h"

namespace apkvet {

// Res_value data types used here.
enum : uint8_t {
  kResNull = 0x00,
  kResReference = 0x01,
  kResAttribute = 0x02,
  kResString = 0x03,
  kResDynamicReference = 0x07,
  kResDynamicAttribute = 0x08,
};

struct ArscType {  // one RES_TABLE_TYPE_TYPE chunk: the entries of one type in one configuration
  size_t offset = 0;  // file offset of the chunk
  uint32_t chunk_size = 0;
  uint16_t header_size = 0;
  uint8_t id = 0;
  uint8_t flags = 0;  // kSparse, kOffset16
  uint32_t entry_count = 0;
  uint32_t entries_start = 0;  // from the chunk start
  ResConfig config;

  static constexpr uint8_t kSparse = 0x01, kOffset16 = 0x02;
  // Offset of entry `index` from entries_start, or nullopt when this config does not define it.
  std::optional<uint32_t> entry_offset(const ByteReader& r, uint32_t index) const;
};

struct ArscTypeSpec {  // one RES_TABLE_TYPE_SPEC_TYPE chunk and the type chunks that follow it
  size_t offset = 0;
  uint8_t id = 0;
  uint32_t entry_count = 0;
  std::vector<ArscType> types;
};

struct ArscPackage {
  size_t offset = 0;
  uint32_t id = 0;          // as declared; 0 for a shared-library package
  uint32_t runtime_id = 0;  // the id lookups use: as declared, or assigned from 0x02 up for id 0 (as aapt and
                            // AssetManager2 do when they load such a package)
  std::string name;
  uint32_t type_id_offset = 0;
  ArscStringPool type_strings, key_strings;
  std::vector<ArscTypeSpec> specs;           // in file order
  std::map<uint32_t, std::string> libraries;  // RES_TABLE_LIBRARY_TYPE: build-time package id -> name
  size_t overlayable_chunks = 0, staged_aliases = 0;
};

// One entry as stored: a simple value, or a complex (bag) entry that is not decoded further.
struct ArscEntry {
  size_t offset = 0;  // file offset of the ResTable_entry
  uint32_t key = 0;   // index into the package's key strings
  bool complex = false;
  bool compact = false;
  uint8_t data_type = 0;
  uint32_t data = 0;
};

// A value found for a request: the entry, where it lives and the configuration that was chosen.
struct ArscValue {
  uint32_t id = 0;
  const ArscPackage* package = nullptr;
  const ArscType* type = nullptr;
  ArscEntry entry;
};

class ArscTable final : public ResourceTable {
 public:
  // Reads a resources.arsc held in `data` (which must outlive the table). Returns nullptr only when
  // there is no resource table at all; damage is reported to `anomalies` naming `evidence_file`.
  static std::unique_ptr<ArscTable> parse(Bytes data, std::string evidence_file, AnomalySink& anomalies);

  // ResourceTable: values for aapt's default request (ResConfig::aapt_default()).
  std::optional<std::string> string_value(uint32_t id) const override;
  std::optional<std::string> file_path(uint32_t id) const override;
  std::optional<uint32_t> integer_value(uint32_t id) const override;
  std::optional<std::string> resource_name(uint32_t id) const override;
  std::optional<uint32_t> find_id(uint8_t package_id, std::string_view type, std::string_view name) const override;

  // The entry chosen for `request` the way ResTable::getEntry chooses it (first best match wins).
  std::optional<ArscValue> lookup(uint32_t id, const ResConfig& request) const;
  // lookup() and then follow references (at most `max_depth` hops, as ResTable::resolveReference).
  // A complex entry, a missing target or a cycle gives nullopt.
  std::optional<ArscValue> resolve(uint32_t id, const ResConfig& request, int max_depth = 20) const;
  std::optional<std::string> string_value(uint32_t id, const ResConfig& request) const;

  // Reads the entry at `offset` (from entries_start) of `type`; nullopt (and no anomaly) when it is
  // out of bounds or misaligned, which Android treats as a missing entry.
  std::optional<ArscEntry> read_entry(const ArscType& type, uint32_t offset) const;
  // Every entry of every config, in file order: for facts and differential tests.
  void for_each_entry(const std::function<void(const ArscPackage&, const ArscType&, uint32_t index,
                                               const std::optional<ArscEntry>&)>& fn) const;

  const ArscStringPool& strings() const { return strings_; }
  const std::vector<ArscPackage>& packages() const { return packages_; }
  std::optional<std::string> type_name(const ArscPackage& p, uint8_t type_id) const;
  Bytes data() const { return data_; }
  const std::string& evidence_file() const { return file_; }

 private:
  ArscTable(Bytes data, std::string file, AnomalySink& anomalies) : data_(data), file_(std::move(file)), sink_(anomalies) {}
  void parse_table();
  void parse_package(size_t at, size_t end);
  void parse_type(ArscPackage& p, size_t at, uint32_t size);
  void anomaly(const char* id, Severity s, std::string message, size_t offset, std::string value = "");
  uint32_t fix_package(uint32_t ref, const ArscPackage& from, bool dynamic) const;
  uint32_t dynamic_id() const;  // runtime id of the first shared-library package (0: none)

  Bytes data_;
  std::string file_;
  AnomalySink& sink_;
  ArscStringPool strings_;
  std::vector<ArscPackage> packages_;
  uint32_t next_dynamic_id_ = 0x02;
};

}  // namespace apkvet
