// One way through: open the input, run each parser once in dependency order, collect the facts.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "archive/app_package.h"
#include "scan/app_facts.h"

namespace apkvet {

// The analyses a scan can be limited to (`--only`). "archive" is libzip's second opinion of the ZIP
// structure; apkvet's own reader, and its tamper findings, always run, as every other area needs it.
inline constexpr const char* kScanAreas[] = {"archive", "resources", "manifest", "signing", "dex", "code", "native", "strings"};

// The areas that read the nested archives, DEX and ELF files an app carries (OpenOptions::search_nested).
inline constexpr const char* kNestedCodeAreas[] = {"archive", "dex", "code", "native", "strings"};

struct ScanOptions {
  OpenOptions open;
  // Analyses to run, from kScanAreas; empty means all. Areas an enabled one depends on still run
  // (the manifest needs resources for its label).
  std::set<std::string> only;
  bool wants(const std::string& area) const { return only.empty() || only.count(area) > 0; }
  // YYYY-MM-DD (00:00 UTC) to judge certificate validity and pin-set expiry against, so that a
  // report made with --date is the same on any day; empty: the time of the scan.
  std::string as_of;
  // The input's SHA-256 as already taken by the caller (the batch hashes every input to key it),
  // with the file's identity then. Reported instead of hashing the file again when the file opened
  // has that identity; any other file, or the same one since written, is hashed as usual.
  struct KnownDigest {
    FileIdentity file;
    std::string sha256;
  };
  std::optional<KnownDigest> known_digest;
  // The identity the caller saw the file with, when it has not read it (the batch leaves such an
  // input's digest to its worker): a file opened with another identity is not analysed but reported
  // as an error, so that nothing is keyed to a file the caller did not see (a path switched to
  // another file and back between the caller's two looks at it).
  std::optional<FileIdentity> expected_file;
  static constexpr const char* kChangedSinceListed = "changed since it was listed";  // the error's end
  // Threads one APK's analysis may use (the DEX files of a multidex app are parsed side by side);
  // 0: one per core. A batch worker uses 1: the batch's workers are its parallelism, and a worker's
  // threads would take cores from the others.
  unsigned threads = 0;
};

// 00:00 UTC of the day `yyyy_mm_dd` as a Unix time; nullopt unless it is exactly such a date that
// exists (for ScanOptions::as_of and the --date option that fills it).
std::optional<int64_t> utc_day_start(const std::string& yyyy_mm_dd);

// Never throws: an input that cannot be read gives ok=false and a reason naming the file; a parser
// that fails on part of the input leaves an anomaly and the others still run.
ScanResult scan_file(const std::string& path, const ScanOptions& options = {});

}  // namespace apkvet
