#include "catalogue/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <stdexcept>
#include <string_view>

#include "rules/judgement.h"

namespace apkvet::catalogue {

namespace {

constexpr int kSchemaVersion = 1;

// One use of one of the store's prepared statements (Store::PreparedStatements), reset and unbound on
// scope exit for its next use; bind() and column helpers keep call sites short.
class Statement {
 public:
  Statement(Store::PreparedStatements& prepared, const char* sql);
  ~Statement() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Bound without a copy: the text must outlive the statement's last step. A temporary would not
  // (it dies at the end of the bind's full expression, before the step), so binding one does not compile.
  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.data(), int(s.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& bind(int i, std::string&& s) = delete;
  Statement& bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(st_); }
  std::string text(int i) {
    const unsigned char* p = sqlite3_column_text(st_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(st_, i))) : std::string();
  }
  int64_t integer(int i) { return sqlite3_column_int64(st_, i); }

 private:
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace

// Why: a batch writes each APK's result in a transaction of five statements (begin, the result, its
// path, the path's input error, commit); preparing each anew (parsing the SQL, planning it) was 17%
// of the store's CPU over the corpus, and the store is most of what the batch's own process does
// while its workers analyse.
struct Store::PreparedStatements {
  explicit PreparedStatements(sqlite3* db) : db(db) {}
  ~PreparedStatements() {
    for (auto& [sql, st] : by_sql) sqlite3_finalize(st);
  }
  PreparedStatements(const PreparedStatements&) = delete;
  PreparedStatements& operator=(const PreparedStatements&) = delete;

  sqlite3_stmt* get(const char* sql) {
    auto it = by_sql.find(std::string_view(sql));
    if (it != by_sql.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db) + " in: " + sql);
    by_sql.emplace(sql, st);
    return st;
  }

  sqlite3* db;
  std::map<std::string, sqlite3_stmt*, std::less<>> by_sql;
};

namespace {

Statement::Statement(Store::PreparedStatements& prepared, const char* sql) : st_(prepared.get(sql)) {}

// A write transaction that rolls back unless committed. BEGIN IMMEDIATE takes the write lock up front,
// so a concurrent reader (the dashboard) never turns it into a busy error halfway.
class Transaction {
 public:
  explicit Transaction(Store::PreparedStatements& prepared) : prepared_(prepared) {
    begun_ = Statement(prepared_, "BEGIN IMMEDIATE").step() == SQLITE_DONE;
  }
  ~Transaction() {
    if (begun_ && !done_) Statement(prepared_, "ROLLBACK").step();
  }
  bool begun() const { return begun_; }
  // "" or the reason the commit failed (then it is rolled back).
  std::string commit() {
    if (Statement(prepared_, "COMMIT").step() != SQLITE_DONE) return sqlite3_errmsg(prepared_.db);
    done_ = true;
    return "";
  }

 private:
  Store::PreparedStatements& prepared_;
  bool begun_ = false;
  bool done_ = false;
};

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results(
  sha256 TEXT PRIMARY KEY,
  analyzer_version TEXT NOT NULL,
  rules_version TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('ok', 'error', 'failed')),
  reason TEXT NOT NULL,
  size INTEGER NOT NULL,
  package TEXT NOT NULL,
  version_code TEXT NOT NULL,
  version_name TEXT NOT NULL,
  signer_sha256 TEXT NOT NULL,
  verdict TEXT NOT NULL,
  policy TEXT NOT NULL,
  score_data_access INTEGER NOT NULL,
  score_egress INTEGER NOT NULL,
  score_code_integrity INTEGER NOT NULL,
  score_hygiene INTEGER NOT NULL,
  report_json TEXT NOT NULL,
  analysed_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  peak_rss_kb INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS results_package ON results(package, signer_sha256);
CREATE TABLE IF NOT EXISTS paths(path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS paths_sha256 ON paths(sha256);
CREATE TABLE IF NOT EXISTS input_errors(path TEXT PRIMARY KEY, reason TEXT NOT NULL, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS input_digests(path TEXT PRIMARY KEY, identity TEXT NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS input_shard_keys(path TEXT PRIMARY KEY, identity TEXT NOT NULL, sha256 TEXT NOT NULL);
)sql";

const char* kResultColumns =
    "sha256, analyzer_version, rules_version, status, reason, size, package, version_code, version_name, "
    "signer_sha256, verdict, policy, score_data_access, score_egress, score_code_integrity, score_hygiene, "
    "report_json, analysed_at, duration_ms, peak_rss_kb";

std::string json_string(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Json result_summary(const Json& report) {
  Json s = Json::object();
  if (!report.is_object()) return s;
  auto copy = [](const Json& from, Json& to, std::initializer_list<const char*> keys) {
    for (const char* key : keys)
      if (auto it = from.find(key); it != from.end()) to[key] = *it;
  };
  copy(report, s, {"status", "error"});
  if (auto in = report.find("input"); in != report.end() && in->is_object()) {
    Json input = Json::object();
    copy(*in, input, {"sha256"});
    s["input"] = std::move(input);
  }
  if (auto m = report.find("manifest"); m != report.end() && m->is_object()) {
    Json manifest = Json::object();
    copy(*m, manifest, {"package", "version_code", "version_name"});
    s["manifest"] = std::move(manifest);
  }
  if (auto sg = report.find("signing"); sg != report.end() && sg->is_object())
    if (auto certs = sg->find("signer_certificates"); certs != sg->end() && certs->is_array()) {
      Json list = Json::array();
      for (const auto& c : *certs) {
        Json cert = Json::object();
        if (c.is_object()) copy(c, cert, {"sha256"});
        list.push_back(std::move(cert));
      }
      s["signing"]["signer_certificates"] = std::move(list);
    }
  if (auto j = report.find("judgement"); j != report.end() && j->is_object()) {
    Json judgement = Json::object();
    copy(*j, judgement, {"verdict", "policy"});
    if (auto sc = j->find("scores"); sc != j->end() && sc->is_object()) {
      Json scores = Json::object();
      for (const auto& [axis, a] : sc->items()) {
        Json score = Json::object();
        if (a.is_object()) copy(a, score, {"score"});
        scores[axis] = std::move(score);
      }
      judgement["scores"] = std::move(scores);
    }
    s["judgement"] = std::move(judgement);
  }
  return s;
}

void fill_from_report(ResultRow& row, const Json& report) {
  if (!report.is_object()) return;
  rules::AppIdentity id = rules::identity_from_facts(report);
  row.package = id.package;
  // The signing facts list the signer's certificates as signing.signer_certificates[].sha256, a path
  // identity_from_facts() does not read (yet): take them from there when it found none.
  if (id.signer_sha256.empty())
    if (auto s = report.find("signing"); s != report.end() && s->is_object())
      if (auto certs = s->find("signer_certificates"); certs != s->end() && certs->is_array())
        for (const auto& c : *certs)
          if (c.is_object() && c.contains("sha256") && c["sha256"].is_string()) id.signer_sha256.push_back(c["sha256"]);
  std::sort(id.signer_sha256.begin(), id.signer_sha256.end());
  id.signer_sha256.erase(std::unique(id.signer_sha256.begin(), id.signer_sha256.end()), id.signer_sha256.end());
  row.signer_sha256.clear();
  for (const auto& s : id.signer_sha256) row.signer_sha256 += (row.signer_sha256.empty() ? "" : ",") + s;
  if (auto m = report.find("manifest"); m != report.end() && m->is_object()) {
    row.version_code = json_string(*m, "version_code");
    row.version_name = json_string(*m, "version_name");
  }
  if (auto j = report.find("judgement"); j != report.end() && j->is_object()) {
    row.verdict = json_string(*j, "verdict");
    row.policy = json_string(*j, "policy");
    if (auto s = j->find("scores"); s != j->end() && s->is_object()) {
      const char* axes[] = {"data_access", "egress", "code_integrity", "hygiene"};
      for (int i = 0; i < 4; ++i)
        if (auto a = s->find(axes[i]); a != s->end() && a->is_object() && a->contains("score"))
          row.scores[size_t(i)] = (*a)["score"].get<int>();
    }
  }
}

Store::Store(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open store " + path + ": " + why);
  }
  // The dashboard may read while a batch writes; merges attach other stores.
  sqlite3_busy_timeout(db_, 10000);
  prepared_ = std::make_unique<PreparedStatements>(db_);
  try {
    exec("PRAGMA journal_mode=WAL");
    // NORMAL in WAL mode: a committed transaction survives a process kill (what resume needs); only a
    // power loss may lose the last few, and a re-run re-analyses those.
    exec("PRAGMA synchronous=NORMAL");
    exec(kSchema);
    Statement st(*prepared_, "SELECT value FROM meta WHERE key='schema_version'");
    if (st.step() == SQLITE_ROW) {
      if (st.text(0) != std::to_string(kSchemaVersion))
        throw std::runtime_error("store " + path + " has schema version " + st.text(0) + ", this apkvet reads " +
                                 std::to_string(kSchemaVersion));
    } else {
      exec(("INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '" + std::to_string(kSchemaVersion) + "')")
               .c_str());
    }
  } catch (...) {
    prepared_.reset();
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Store::~Store() {
  prepared_.reset();  // finalised first: SQLite does not close a connection with statements left
  sqlite3_close(db_);
}

void Store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + why);
  }
}

void Store::set_max_pages(int64_t pages) { exec(("PRAGMA max_page_count=" + std::to_string(pages)).c_str()); }

std::optional<Store::Current> Store::current(const std::string& sha256) {
  Statement st(*prepared_, "SELECT analyzer_version, rules_version, status FROM results WHERE sha256=?");
  st.bind(1, sha256);
  if (st.step() != SQLITE_ROW) return std::nullopt;
  return Current{{st.text(0), st.text(1)}, st.text(2)};
}

namespace {

// Inside an open transaction: records each path for the APK and clears its input error.
int put_paths(Store::PreparedStatements& prepared, const std::string& sha256, const std::vector<std::string>& paths,
              const std::string& now) {
  for (const auto& p : paths) {
    Statement st(prepared, "INSERT OR REPLACE INTO paths(path, sha256, seen_at) VALUES(?, ?, ?)");
    st.bind(1, p).bind(2, sha256).bind(3, now);
    if (int rc = st.step(); rc != SQLITE_DONE) return rc;
    Statement del(prepared, "DELETE FROM input_errors WHERE path=?");
    del.bind(1, p);
    if (int rc = del.step(); rc != SQLITE_DONE) return rc;
  }
  return SQLITE_DONE;
}

}  // namespace

bool Store::has_results(const ResultKey& key) {
  Statement st(*prepared_, "SELECT 1 FROM results WHERE analyzer_version=? AND rules_version=? LIMIT 1");
  st.bind(1, key.analyzer_version).bind(2, key.rules_version);
  return st.step() == SQLITE_ROW;
}

namespace {

int put_digests(Store::PreparedStatements& prepared, const std::vector<Store::DigestRow>& rows,
                Store::Known what = Store::Known::digest) {
  for (const Store::DigestRow& r : rows) {
    Statement st(prepared, what == Store::Known::digest
                               ? "INSERT OR REPLACE INTO input_digests(path, identity, sha256) VALUES(?, ?, ?)"
                               : "INSERT OR REPLACE INTO input_shard_keys(path, identity, sha256) VALUES(?, ?, ?)");
    st.bind(1, r.path).bind(2, r.identity).bind(3, r.sha256);
    if (int rc = st.step(); rc != SQLITE_DONE) return rc;
  }
  return SQLITE_DONE;
}

}  // namespace

std::string Store::put_result(const ResultRow& r, const std::vector<std::string>& paths,
                              const std::vector<DigestRow>& digests) {
  static const std::string insert =
      std::string("INSERT OR REPLACE INTO results(") + kResultColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  Transaction tx(*prepared_);
  if (!tx.begun()) return sqlite3_errmsg(db_);
  {
    Statement st(*prepared_, insert.c_str());
    int i = 0;
    for (const std::string* text : {&r.sha256, &r.key.analyzer_version, &r.key.rules_version, &r.status, &r.reason})
      st.bind(++i, *text);
    st.bind(++i, int64_t(r.size));
    for (const std::string* text : {&r.package, &r.version_code, &r.version_name, &r.signer_sha256, &r.verdict, &r.policy})
      st.bind(++i, *text);
    for (int s : r.scores) st.bind(++i, int64_t(s));
    st.bind(++i, r.report_json);
    st.bind(++i, r.analysed_at);
    st.bind(++i, r.duration_ms);
    st.bind(++i, r.peak_rss_kb);
    if (st.step() != SQLITE_DONE) return sqlite3_errmsg(db_);
  }
  if (put_paths(*prepared_, r.sha256, paths, r.analysed_at) != SQLITE_DONE) return sqlite3_errmsg(db_);
  if (put_digests(*prepared_, digests) != SQLITE_DONE) return sqlite3_errmsg(db_);
  return tx.commit();
}

std::string Store::add_paths(const std::string& sha256, const std::vector<std::string>& paths) {
  Transaction tx(*prepared_);
  if (!tx.begun()) return sqlite3_errmsg(db_);
  if (put_paths(*prepared_, sha256, paths, utc_now()) != SQLITE_DONE) return sqlite3_errmsg(db_);
  return tx.commit();
}

std::string Store::put_input_error(const std::string& path, const std::string& reason) {
  Transaction tx(*prepared_);
  if (!tx.begun()) return sqlite3_errmsg(db_);
  {
    // The path no longer names the APK it was seen as: drop that sighting.
    Statement del(*prepared_, "DELETE FROM paths WHERE path=?");
    del.bind(1, path);
    if (del.step() != SQLITE_DONE) return sqlite3_errmsg(db_);
    Statement st(*prepared_, "INSERT OR REPLACE INTO input_errors(path, reason, seen_at) VALUES(?, ?, ?)");
    const std::string now = utc_now();
    st.bind(1, path).bind(2, reason).bind(3, now);
    if (st.step() != SQLITE_DONE) return sqlite3_errmsg(db_);
  }
  return tx.commit();
}

std::unordered_map<std::string, Store::KnownDigest> Store::known_digests(Known what) {
  std::unordered_map<std::string, KnownDigest> out;
  Statement st(*prepared_, what == Known::digest ? "SELECT path, identity, sha256 FROM input_digests"
                                                 : "SELECT path, identity, sha256 FROM input_shard_keys");
  while (st.step() == SQLITE_ROW) out[st.text(0)] = KnownDigest{st.text(1), st.text(2)};
  return out;
}

std::string Store::put_known_digests(const std::vector<DigestRow>& rows, Known what) {
  Transaction tx(*prepared_);
  if (!tx.begun()) return sqlite3_errmsg(db_);
  if (put_digests(*prepared_, rows, what) != SQLITE_DONE) return sqlite3_errmsg(db_);
  return tx.commit();
}

size_t Store::result_count() {
  Statement st(*prepared_, "SELECT count(*) FROM results");
  return st.step() == SQLITE_ROW ? size_t(st.integer(0)) : 0;
}

std::vector<ResultRow> Store::results(bool with_reports) {
  std::vector<ResultRow> out;
  static const std::string select = std::string("SELECT ") + kResultColumns + " FROM results ORDER BY sha256";
  // The same columns, the report an empty string (SQLite then does not read its overflow pages).
  static const std::string select_light = [] {
    std::string columns = kResultColumns;
    columns.replace(columns.find("report_json"), std::string("report_json").size(), "''");
    return "SELECT " + columns + " FROM results ORDER BY sha256";
  }();
  Statement st(*prepared_, with_reports ? select.c_str() : select_light.c_str());
  while (st.step() == SQLITE_ROW) {
    ResultRow r;
    int i = 0;
    r.sha256 = st.text(i++);
    r.key.analyzer_version = st.text(i++);
    r.key.rules_version = st.text(i++);
    r.status = st.text(i++);
    r.reason = st.text(i++);
    r.size = uint64_t(st.integer(i++));
    r.package = st.text(i++);
    r.version_code = st.text(i++);
    r.version_name = st.text(i++);
    r.signer_sha256 = st.text(i++);
    r.verdict = st.text(i++);
    r.policy = st.text(i++);
    for (auto& s : r.scores) s = int(st.integer(i++));
    r.report_json = st.text(i++);
    r.analysed_at = st.text(i++);
    r.duration_ms = st.integer(i++);
    r.peak_rss_kb = st.integer(i++);
    out.push_back(std::move(r));
  }
  return out;
}

std::string Store::report_json(const std::string& sha256) {
  Statement st(*prepared_, "SELECT report_json FROM results WHERE sha256=?");
  st.bind(1, sha256);
  return st.step() == SQLITE_ROW ? st.text(0) : "";
}

std::vector<Store::PathRow> Store::paths() {
  std::vector<PathRow> out;
  Statement st(*prepared_, "SELECT path, sha256 FROM paths ORDER BY path");
  while (st.step() == SQLITE_ROW) out.push_back({st.text(0), st.text(1)});
  return out;
}

std::vector<Store::InputError> Store::input_errors() {
  std::vector<InputError> out;
  Statement st(*prepared_, "SELECT path, reason FROM input_errors ORDER BY path");
  while (st.step() == SQLITE_ROW) out.push_back({st.text(0), st.text(1)});
  return out;
}

void Store::merge_from(const std::string& other_path) {
  {
    // A typo must not create an empty store and "merge" nothing; opening it as a Store checks the schema.
    sqlite3* probe = nullptr;
    int rc = sqlite3_open_v2(other_path.c_str(), &probe, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_close(probe);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot open store " + other_path);
    Store other(other_path);
  }
  Statement attach(*prepared_, "ATTACH DATABASE ? AS shard");
  attach.bind(1, other_path);
  if (attach.step() != SQLITE_DONE) throw std::runtime_error("cannot attach " + other_path + ": " + sqlite3_errmsg(db_));
  std::string failure;
  {
    Transaction tx(*prepared_);
    if (!tx.begun()) failure = sqlite3_errmsg(db_);
    // Newer analysis wins; equal times keep what is here, so merging the same shard again is a no-op.
    const char* steps[] = {
        "DELETE FROM main.results WHERE EXISTS (SELECT 1 FROM shard.results s WHERE s.sha256 = main.results.sha256 "
        "AND s.analysed_at > main.results.analysed_at)",
        "INSERT OR IGNORE INTO main.results SELECT * FROM shard.results",
        "DELETE FROM main.paths WHERE EXISTS (SELECT 1 FROM shard.paths s WHERE s.path = main.paths.path "
        "AND s.seen_at > main.paths.seen_at)",
        "INSERT OR IGNORE INTO main.paths SELECT * FROM shard.paths",
        "DELETE FROM main.input_errors WHERE EXISTS (SELECT 1 FROM shard.input_errors s WHERE s.path = "
        "main.input_errors.path AND s.seen_at > main.input_errors.seen_at)",
        "INSERT OR IGNORE INTO main.input_errors SELECT * FROM shard.input_errors",
        "DELETE FROM main.input_errors WHERE path IN (SELECT path FROM main.paths)",
    };
    for (const char* sql : steps) {
      if (!failure.empty()) break;
      char* err = nullptr;
      if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) failure = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
    }
    if (failure.empty()) failure = tx.commit();
  }
  sqlite3_exec(db_, "DETACH DATABASE shard", nullptr, nullptr, nullptr);
  if (!failure.empty()) throw std::runtime_error("merging " + other_path + ": " + failure);
}

std::string Store::integrity_check() {
  Statement st(*prepared_, "PRAGMA integrity_check");
  std::string out;
  while (st.step() == SQLITE_ROW) out += (out.empty() ? "" : "\n") + st.text(0);
  return out;
}

}  // namespace apkvet::catalogue
