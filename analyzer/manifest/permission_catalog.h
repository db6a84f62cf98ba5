// The permission catalogue (rules/permissions/android_permissions.json, ~1,100 entries, 200 KB) as
// every scan reads it: a sorted binary index of the decoded entries, built from the JSON once and
// kept in the cache (keyed by the file's identity and apkvet's version), so that a scan maps the
// index and binary-searches the app's few dozen permissions instead of parsing 200 KB of JSON
// (~1.5 ms with nlohmann's parser, more than reading a small app's manifest).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "core/byte_reader.h"
#include "manifest/manifest_facts.h"

namespace apkvet {

class MappedFile;

class PermissionCatalog {
 public:
  // The catalogue at `json_path`: its cached index when there is a current one, else built from the
  // JSON (and cached when the file is settled). An unreadable or malformed file gives an empty
  // catalogue (every permission unknown); an entry with a field of the wrong type is left out.
  explicit PermissionCatalog(const std::string& json_path);
  ~PermissionCatalog();
  PermissionCatalog(const PermissionCatalog&) = delete;  // index_ views its own storage
  PermissionCatalog& operator=(const PermissionCatalog&) = delete;

  // The entry of `name`; known=false when there is none.
  PermissionInfo find(std::string_view name) const;
  size_t size() const { return count_; }

  // The index built from a catalogue's JSON text (throws on malformed JSON), for tests.
  static std::string build_index(std::string_view json_text);
  // A catalogue over an index's bytes as if read from the cache (empty when the header is wrong), for
  // tests and the fuzzer.
  static std::unique_ptr<PermissionCatalog> from_index(std::string index);

 private:
  PermissionCatalog() = default;
  bool use(Bytes index);
  std::unique_ptr<MappedFile> mapped_;  // the cached index, when there is one
  std::string built_;                   // else the index built in this process
  Bytes index_;
  size_t count_ = 0;
};

// The shipped catalogue (rules_path), loaded once per process.
const PermissionCatalog& shipped_permission_catalog();

}  // namespace apkvet
