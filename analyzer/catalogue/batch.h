// `apkvet batch`: analyse many APKs in parallel in forked worker processes, each with a memory limit
// and a wall-clock timeout per APK, and record every outcome in the catalogue store. A worker
// analyses up to `apks_per_worker` APKs one after the other; one that crashes, hangs or runs out of
// memory ends there and costs only the APK it was on, which is recorded with the reason.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "catalogue/inputs.h"
#include "catalogue/store.h"
#include "report/app_report.h"
#include "scan/scan.h"

namespace apkvet::catalogue {

struct Shard {
  unsigned index = 0, count = 1;  // this process takes the inputs with shard_of(file_shard_key) == index
};
// Parses "K/N" (0 <= K < N); throws std::invalid_argument.
Shard parse_shard(const std::string& s);

// The seconds a batch still needs, from the time it has taken so far and the bytes of APKs it has
// finished, of `total_bytes`; nullopt while nothing is finished. By bytes, not by APKs: the batch
// sends the largest first, and an APK's time follows its size (over the corpus, correlation 0.91:
// after the largest 10% of the APKs, 60% of the time has passed and 54% of the bytes are done). By
// count, the estimate after them was nine times the time taken so far; the truth was two thirds.
std::optional<double> remaining_seconds(double elapsed, uint64_t done_bytes, uint64_t total_bytes);

struct BatchOptions {
  std::vector<std::string> files;   // from expand_inputs()
  std::vector<InputError> input_errors;
  std::string db_path;
  unsigned jobs = 0;                // 0: one per online core
  int timeout_seconds = 300;        // wall clock per APK
  uint64_t memory_mb = 2048;        // RLIMIT_AS of each worker (not under ASan)
  // APKs one worker process analyses before a new one takes over (1: a new process for every APK).
  // Bounds what one process's heap can carry from APK to APK; a failure ends the worker anyway.
  size_t apks_per_worker = 100;
  Shard shard;
  bool rescan = false;              // analyse even APKs with a current result
  bool retry_failed = false;        // analyse again APKs whose current result is a crash/timeout/OOM
  int64_t max_pages = 0;            // tests: cap the store's size to stand in for a full disk
  ScanOptions scan;
  ResultKey key;                    // what a current result must have been computed with
  // Test hook: runs in the worker before the scan, with the input path (to simulate crashes/hangs).
  std::function<void(const std::string&)> before_scan;
};

struct BatchSummary {
  size_t inputs = 0;          // files named or found (this shard's)
  size_t inputs_known = 0;    // of those, not read: unchanged since an earlier run hashed them
  size_t shard_keys_known = 0;  // with --shard, inputs (any shard's) whose key an earlier run read
  size_t apks = 0;            // distinct contents among them
  size_t duplicates = 0;      // inputs whose content another input already has
  size_t skipped = 0;         // current result already stored
  size_t analysed = 0;        // ok results written this run
  size_t errors = 0;          // analyser refused the file (not an APK, broken), this run or stored
  size_t crashed = 0, timed_out = 0, out_of_memory = 0, worker_failed = 0;
  size_t unreadable = 0;      // inputs that could not be read / vanished / changed
  size_t not_stored = 0;      // results the store refused (disk full, ...)
  size_t workers = 0;         // worker processes started
  std::vector<std::string> messages;  // one line per failure, for the log
  double seconds = 0;
  size_t failures() const {
    return errors + crashed + timed_out + out_of_memory + worker_failed + unreadable + not_stored;
  }
};

// The key results are stored under: the analyzer version, and the rules version with the policy and
// waivers file contents' hashes (a changed policy re-judges everything).
ResultKey current_key(const JudgeContext& ctx, const std::string& policy_path, const std::string& waivers_path);

// Progress on a stream: a redrawn bar on a terminal, else a plain line every `interval_seconds`.
struct ProgressStyle {
  bool tty = false;
  double interval_seconds = 10;
};

// Runs the batch. Throws std::runtime_error only when the store cannot be opened at all.
BatchSummary run_batch(const BatchOptions& options, const JudgeContext& ctx, std::ostream& progress,
                       const ProgressStyle& style);

void write_summary(std::ostream& out, const BatchSummary& s, const std::string& db_path);

}  // namespace apkvet::catalogue
