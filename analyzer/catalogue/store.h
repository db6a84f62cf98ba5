// The catalogue store: one SQLite file (WAL) holding one current result per APK content (SHA-256),
// the paths it was seen under, and the inputs that could not be read at all. Every write is one
// transaction, so a batch killed at any instant leaves a consistent store that a re-run completes.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "facts/evidence.h"

struct sqlite3;

namespace apkvet::catalogue {

// What a stored result was computed with: a result whose key differs from the current one is stale.
struct ResultKey {
  std::string analyzer_version;  // APKVET_VERSION
  std::string rules_version;     // RuleSet::version, plus the policy's and waivers' content hashes
  bool operator==(const ResultKey&) const = default;
};

// Outcome of one APK. status: "ok" (analysed), "error" (the analyzer read it and refused it: not an
// APK, broken beyond reading), "failed" (the worker crashed, hung or ran out of memory).
struct ResultRow {
  std::string sha256;
  ResultKey key;
  std::string status;
  std::string reason;  // one line for error/failed: "crashed: signal 11 (SIGSEGV)", "timeout after 60 s", ...
  uint64_t size = 0;
  std::string package, version_code, version_name;
  std::string signer_sha256;  // sorted signer certificate SHA-256s, comma-joined
  std::string verdict, policy;
  std::array<int, 4> scores{-1, -1, -1, -1};  // data_access, egress, code_integrity, hygiene; -1: none
  std::string report_json;  // app_report_json() (the stored form every renderer reads)
  std::string analysed_at;  // ISO 8601 UTC
  int64_t duration_ms = 0;
  int64_t peak_rss_kb = 0;  // of the worker process that analysed it
};

// Fills package, version, signer, verdict, policy and scores from an app_report_json() document.
void fill_from_report(ResultRow& row, const Json& report);
// The part of an app report that fill_from_report() and the batch read (status, error, input.sha256,
// the identity, the judgement's verdict and scores): a batch worker sends it ahead of its report, so
// the batch fills a row without parsing the whole report (~60 KB of JSON per app, ~1 ms).
Json result_summary(const Json& report);

class Store {
 public:
  // Opens or creates the store (schema, WAL, busy timeout). Throws std::runtime_error with the reason.
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Caps the file at `pages` pages (tests use it to stand in for a full disk).
  void set_max_pages(int64_t pages);

  // The stored key and status of an APK, if any.
  struct Current {
    ResultKey key;
    std::string status;
  };
  std::optional<Current> current(const std::string& sha256);
  bool has_results(const ResultKey& key);  // whether any result is stored under this key

  // A path's digest with the identity its file had when read (see known_digests).
  struct DigestRow {
    std::string path, identity, sha256;
  };
  // One transaction: the result, every path it was seen under, clearing those paths' input errors,
  // and the known digests given (see known_digests). Returns "" or the SQLite reason it could not be
  // stored (e.g. "database or disk is full").
  std::string put_result(const ResultRow& row, const std::vector<std::string>& paths,
                         const std::vector<DigestRow>& digests = {});
  // Paths of an APK whose current result is kept (a duplicate, or a re-run that skipped it).
  std::string add_paths(const std::string& sha256, const std::vector<std::string>& paths);
  // An input that could not be hashed or vanished/changed while it was analysed.
  std::string put_input_error(const std::string& path, const std::string& reason);

  // Digests of inputs taken in earlier runs, by path, with the identity the file had then
  // (core/file_identity.h, to_string; only a settled one that held still while it was read): a batch
  // does not read an input again whose identity is unchanged. Local to the machine (device and inode
  // numbers): merges leave them out.
  //
  // Likewise the shard keys of inputs (inputs.h, file_shard_key; Known::shard_key, table
  // input_shard_keys), which a task of a sharded batch reads of every input, its own or not: a daily
  // re-run on a cluster does not open every input of the catalogue in every task again.
  struct KnownDigest {
    std::string identity, sha256;
  };
  enum class Known { digest, shard_key };
  std::unordered_map<std::string, KnownDigest> known_digests(Known what = Known::digest);
  // One transaction for all of them. "" or the SQLite reason they could not be stored.
  std::string put_known_digests(const std::vector<DigestRow>& rows, Known what = Known::digest);

  // Every result, sorted by sha256; without the reports (report_json left empty) when `with_reports`
  // is false: ten thousand apps' reports are over half a gigabyte of JSON.
  std::vector<ResultRow> results(bool with_reports = true);
  std::string report_json(const std::string& sha256);  // one stored report; "" when there is none
  size_t result_count();  // how many results (APKs) are stored, none of them read
  struct PathRow {
    std::string path, sha256;
  };
  std::vector<PathRow> paths();  // sorted by path
  struct InputError {
    std::string path, reason;
  };
  std::vector<InputError> input_errors();  // sorted by path

  // Copies another store in: results keep the newer analysis of each SHA-256, paths the newer sighting
  // of each path; input errors of paths that now have a result are dropped. Running it twice, or on
  // shards in any order, gives the same store.
  void merge_from(const std::string& other_path);

  std::string integrity_check();  // "ok" or SQLite's complaints

  sqlite3* handle() { return db_; }

  struct PreparedStatements;  // store.cpp: every statement the store runs, prepared once

 private:
  void exec(const char* sql);
  sqlite3* db_ = nullptr;
  std::unique_ptr<PreparedStatements> prepared_;
};

// ISO 8601 UTC now, e.g. 2026-12-03T07:41:35Z.
std::string utc_now();

}  // namespace apkvet::catalogue
