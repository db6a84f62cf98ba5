// apkvet batch on real corpus APKs: every input ends with exactly one recorded outcome, whatever
// happens to the workers, the inputs or the batch process itself.
#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "catalogue/batch.h"
#include "catalogue_support.h"
#include "report/json_report.h"
#include "strings/geoip.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

std::map<std::string, catalogue::ResultRow> results_by_sha(const std::string& db) {
  catalogue::Store store(db);
  std::map<std::string, catalogue::ResultRow> out;
  for (auto& r : store.results()) out[r.sha256] = r;
  return out;
}

std::map<std::string, std::string> paths_of(const std::string& db) {
  catalogue::Store store(db);
  std::map<std::string, std::string> out;
  for (auto& p : store.paths()) out[p.path] = p.sha256;
  return out;
}

std::map<std::string, std::string> input_errors_of(const std::string& db) {
  catalogue::Store store(db);
  std::map<std::string, std::string> out;
  for (auto& e : store.input_errors()) out[e.path] = e.reason;
  return out;
}

// A batch of copies of `apks` under `names` (which tell a test's before_scan hook what to do to the
// worker analysing that file), stored in tmp/store.db.
catalogue::BatchOptions batch_of_named_copies(const TempDir& tmp, const std::vector<fs::path>& apks,
                                             const std::vector<std::string>& names) {
  REQUIRE(apks.size() >= names.size());
  catalogue::BatchOptions o;
  for (size_t i = 0; i < names.size(); ++i) {
    fs::copy_file(apks[i], tmp.path / names[i]);
    o.files.push_back(tmp / names[i]);
  }
  o.db_path = tmp / "store.db";
  return o;
}

// Copies of `n` corpus test APKs in tmp/in, left until they are settled: both their times over two
// seconds old, as only a settled file's identity stands for its content. Returns the originals.
std::vector<fs::path> settled_copies(const TempDir& tmp, size_t n) {
  auto apks = corpus_subset({{"test", n}});
  REQUIRE(apks.size() == n);
  fs::create_directories(tmp.path / "in");
  for (const auto& a : apks) fs::copy_file(a, tmp.path / "in" / a.filename());
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  return apks;
}

// Results stored so far, read-only (0 while the store does not exist yet).
size_t count_results(const std::string& db) {
  sqlite3* h = nullptr;
  size_t n = 0;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(h, 1000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM results", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      n = size_t(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return n;
}

}  // namespace

TEST_CASE("batch records duplicates and non-APKs and unreadable inputs and symlink loops and a re-run skips them") {
  TempDir tmp("batch");
  auto apks = corpus_subset({{"test", 4}, {"malformed", 3}, {"benign", 1}});
  REQUIRE(apks.size() == 8);
  fs::path in = tmp.path / "in";
  link_all(apks, in);
  fs::create_directories(in / "sub");
  fs::copy_file(apks[0], in / "sub" / "same-content-other-name.apk");    // duplicate by content
  std::ofstream(in / "notes.apk") << "this is not a zip archive\n";        // a non-APK named like one
  std::ofstream(in / "README.txt") << "not taken from a directory walk\n"; // ignored by extension
  fs::create_directory_symlink(in, in / "sub" / "loop");                  // a symlink loop
  fs::create_symlink(tmp.path / "nowhere.apk", in / "dangling.apk");        // unreadable
  REQUIRE(::mkfifo((tmp / "pipe.apk").c_str(), 0600) == 0);               // would block a naive open
  std::ofstream(tmp / "list.txt") << "pipe.apk\n" << (tmp / "missing.apk") << "\n";
  std::string db = tmp / "store.db";
  std::string cmd = "batch --db " + shell_quote(db) + " --jobs 2 " + shell_quote(in.string()) + " @" +
                    shell_quote(tmp / "list.txt");

  CommandResult first = run_apkvet(cmd);
  INFO(first.err);
  CHECK(first.exit_code == 2);  // some inputs failed, the rest were still analysed

  std::set<std::string> shas;
  for (const auto& a : apks) shas.insert(sha256_of(a));
  std::string notes_sha = sha256_of(in / "notes.apk");
  auto results = results_by_sha(db);
  CHECK(results.size() == shas.size() + 1);
  for (const auto& sha : shas) {
    REQUIRE(results.count(sha) == 1);
    const auto& r = results[sha];
    // Each stored report is the report of that very content.
    if (r.status == "ok") CHECK(Json::parse(r.report_json)["input"]["sha256"] == sha);
    else CHECK(!r.reason.empty());
  }
  REQUIRE(results.count(notes_sha) == 1);
  CHECK(results[notes_sha].status == "error");
  CHECK(!results[notes_sha].reason.empty());

  auto paths = paths_of(db);
  CHECK(paths[(in / "sub" / "same-content-other-name.apk").string()] == sha256_of(apks[0]));
  CHECK(paths[(in / apks[0].filename()).string()] == sha256_of(apks[0]));
  CHECK(paths.count((in / "README.txt").string()) == 0);
  // The loop was walked once: nothing was found under sub/loop/.
  for (const auto& [p, sha] : paths) CHECK(p.find("/loop/") == std::string::npos);

  auto errors = input_errors_of(db);
  CHECK(errors[(in / "dangling.apk").string()].find("unreadable") == 0);
  CHECK(errors[tmp / "pipe.apk"] == "not a regular file");
  CHECK(errors[tmp / "missing.apk"].find("No such file") != std::string::npos);
  CHECK(first.err.find("batch: " + std::to_string(shas.size() + 1) + "/" + std::to_string(shas.size() + 1) +
                       " analysed") != std::string::npos);

  // Second run: nothing is analysed again, nothing changes.
  std::string before = store_dump(db);
  CommandResult second = run_apkvet(cmd);
  INFO(second.err);
  CHECK(second.exit_code == 2);
  CHECK(second.err.find(" 0 analysed, " + std::to_string(shas.size() + 1) + " already current") != std::string::npos);
  CHECK(store_dump(db) == before);
}

TEST_CASE("a worker that crashes or hangs or runs out of memory costs only its own APK") {
  TempDir tmp("isolation");
  auto apks = corpus_subset({{"test", 5}});
  REQUIRE(apks.size() == 5);
  fs::path other = corpus_subset({{"malware", 1}}).front();
  const std::vector<std::string> names = {"crash.apk", "hang.apk",   "oom.apk",   "fine1.apk",
                                          "fine2.apk", "vanish.apk", "change.apk"};
  auto more = corpus_subset({{"benign", 2}});
  apks.insert(apks.end(), more.begin(), more.end());
  catalogue::BatchOptions o = batch_of_named_copies(tmp, apks, names);
  o.jobs = 2;
  // Long enough for a real APK on a loaded machine, also under AddressSanitizer (several times slower).
#if defined(__SANITIZE_ADDRESS__)
  o.timeout_seconds = 20;
#else
  o.timeout_seconds = 5;
#endif
  o.memory_mb = 512;
  o.before_scan = [other](const std::string& path) {
    // Files that vanish, or are replaced, after the batch hashed them and before the worker reads them.
    if (path.find("vanish.apk") != std::string::npos) fs::remove(path);
    if (path.find("change.apk") != std::string::npos) fs::copy_file(other, path, fs::copy_options::overwrite_existing);
    if (path.find("crash.apk") != std::string::npos) ::raise(SIGSEGV);
    if (path.find("hang.apk") != std::string::npos) std::this_thread::sleep_for(std::chrono::hours(1));
    // Under ASan there is no address-space limit (ASan reserves terabytes of it), so a hog would eat
    // real memory until the timeout: there the file is analysed normally.
    if (path.find("oom.apk") != std::string::npos && !built_with_asan()) {
      std::vector<std::vector<char>> hog;
      for (;;) hog.emplace_back(64 << 20, 'x');  // bad_alloc at the RLIMIT_AS limit
    }
  };
  JudgeContext ctx = load_judge_context("", "", "", "2026-01-01");
  o.key = catalogue::current_key(ctx, "", "");
  std::ostringstream progress;
  auto t0 = std::chrono::steady_clock::now();
  catalogue::BatchSummary s = catalogue::run_batch(o, ctx, progress, {});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(secs < 6 * o.timeout_seconds);  // the hang was cut at its timeout
  CHECK(s.crashed == 1);
  CHECK(s.timed_out == 1);
  std::string vanish_sha = sha256_of(apks[5]), change_sha = sha256_of(apks[6]);
  auto results = results_by_sha(o.db_path);
  REQUIRE(results.size() == 5);  // the vanished and the replaced file have no result...
  CHECK(results.count(vanish_sha) == 0);
  CHECK(results.count(change_sha) == 0);
  auto errors = input_errors_of(o.db_path);  // ...but an input error saying why
  CHECK(errors[tmp / "vanish.apk"] == "vanished during the run");
  CHECK(errors[tmp / "change.apk"] == "changed during the run (analyse it again)");
  CHECK(s.unreadable == 2);
  auto reason = [&](size_t i) { return results[sha256_of(tmp.path / names[i])].reason; };
  CHECK(reason(0) == "crashed: signal 11 (SIGSEGV)");
  CHECK(reason(1) == "timeout after " + std::to_string(o.timeout_seconds) + " s");
  if (!built_with_asan()) {
    CHECK(s.out_of_memory == 1);
    CHECK(reason(2) == "out of memory (limit 512 MB)");
  }
  CHECK(results[sha256_of(tmp.path / names[3])].status == "ok");
  CHECK(results[sha256_of(tmp.path / names[4])].status == "ok");
  CHECK(results[sha256_of(tmp.path / names[3])].peak_rss_kb > 1000);
  // Workers serve many APKs (BatchOptions::apks_per_worker): the two it started, and one more after
  // each failure that ended a worker (crash, hang, out of memory), not one per APK.
  CHECK(s.workers <= 2 + 3);
}

TEST_CASE("the APK queued behind one whose worker crashes goes to the next worker and is not blamed") {
  TempDir tmp("queued");
  auto apks = corpus_subset({{"test", 4}});
  REQUIRE(apks.size() == 4);
  // The batch sends the largest first, with the next queued behind it in the same worker.
  std::stable_sort(apks.begin(), apks.end(),
                   [](const fs::path& a, const fs::path& b) { return fs::file_size(a) > fs::file_size(b); });
  catalogue::BatchOptions o = batch_of_named_copies(tmp, apks, {"crash.apk", "slow.apk", "fine1.apk", "fine2.apk"});
  o.jobs = 1;
  o.before_scan = [](const std::string& path) {
    if (path.find("crash.apk") != std::string::npos) ::raise(SIGSEGV);
    if (path.find("slow.apk") != std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  };
  JudgeContext ctx = load_judge_context("", "", "", "2026-01-01");
  o.key = catalogue::current_key(ctx, "", "");
  std::ostringstream progress;
  catalogue::BatchSummary s = catalogue::run_batch(o, ctx, progress, {});
  CHECK(s.crashed == 1);
  CHECK(s.analysed + s.errors == 3);
  CHECK(s.workers == 2);  // the crash ended the first; the second took the queued APK and the rest
  auto results = results_by_sha(o.db_path);
  REQUIRE(results.size() == 4);
  CHECK(results[sha256_of(tmp.path / "crash.apk")].reason == "crashed: signal 11 (SIGSEGV)");
  for (const char* name : {"slow.apk", "fine1.apk", "fine2.apk"}) {
    CAPTURE(name);
    CHECK(results[sha256_of(tmp.path / name)].status != "failed");
  }
  // The time an APK took is the worker's own measure, its wait in the queue not included.
  CHECK(results[sha256_of(tmp.path / "slow.apk")].duration_ms >= 300);
}

TEST_CASE("a worker analyses APKs one after another and its reports equal those of a new process per APK") {
  TempDir tmp("reuse");
  auto apks = corpus_subset({{"test", 4}, {"benign", 3}, {"malware", 3}, {"malformed", 2}});
  // Native code: the ELF parse runs in a worker of the worker, whose peak memory counts for the APK.
  apks.push_back(fs::path(fixtures_dir()) / "built/native/native-emulated.apk");
  apks.push_back(fs::path(fixtures_dir()) / "built/native/native-vet.apk");
  for (const auto& a : apks) REQUIRE(fs::exists(a));
  std::ofstream(tmp.path / "not-an-apk.apk") << "plain text, not a ZIP";
  apks.push_back(tmp.path / "not-an-apk.apk");
  JudgeContext ctx = load_judge_context("", "", "", "2026-01-01");
  auto run = [&](const std::string& name, unsigned jobs, size_t per_worker) {
    catalogue::BatchOptions o;
    for (const auto& a : apks) o.files.push_back(a.string());
    o.db_path = tmp / name;
    o.jobs = jobs;
    o.apks_per_worker = per_worker;
    o.key = catalogue::current_key(ctx, "", "");
    std::ostringstream progress;
    catalogue::BatchSummary s = catalogue::run_batch(o, ctx, progress, {});
    CHECK(s.apks == apks.size());
    CHECK(s.analysed + s.errors == apks.size());
    return std::make_pair(s, results_by_sha(o.db_path));
  };
  auto [fresh, fresh_rows] = run("fresh.db", 2, 1);
  auto [reused, reused_rows] = run("reused.db", 2, 100);
  auto [one, one_rows] = run("one.db", 1, 5);
  CHECK(fresh.workers == apks.size());
  CHECK(reused.workers == 2);
  CHECK(one.workers == (apks.size() + 4) / 5);  // one at a time: each serves 5, the last the rest
  REQUIRE(fresh_rows.size() == apks.size());
  CHECK(fresh.errors == 1);  // the text file: a report saying why, which does not end a worker
  for (const auto& [sha, row] : fresh_rows) {
    CAPTURE(sha);
    for (const auto* rows : {&reused_rows, &one_rows}) {
      REQUIRE(rows->count(sha) == 1);
      const catalogue::ResultRow& other = rows->at(sha);
      CHECK(other.status == row.status);
      CHECK(other.reason == row.reason);
      CHECK(other.report_json == row.report_json);  // nothing carried from one APK to the next
      CHECK(other.peak_rss_kb > 1000);
    }
  }
}

TEST_CASE("a worker reports the digest the batch took only for the same file, unchanged since") {
  fs::path apk = corpus_subset({{"test", 1}}).front();  // corpus files were last written long ago
  uint64_t size = 0;
  std::string error;
  std::optional<FileIdentity> id;
  std::string sha = catalogue::file_sha256(apk.string(), size, error, &id);
  REQUIRE(id);
  CHECK(*id == *file_identity(apk.string()));
  // A digest that is not the file's shows which one the scan reported.
  const std::string vouched(64, 'a');
  ScanOptions o;
  o.only = {"manifest"};
  o.known_digest = ScanOptions::KnownDigest{*id, vouched};
  CHECK(scan_file(apk.string(), o).facts.input.sha256 == vouched);
  FileIdentity written_since = *id;
  written_since.changed_ns += 1;
  o.known_digest = ScanOptions::KnownDigest{written_since, vouched};
  CHECK(scan_file(apk.string(), o).facts.input.sha256 == sha);
  o.known_digest.reset();  // nothing vouched for
  CHECK(scan_file(apk.string(), o).facts.input.sha256 == sha);
  // A file the caller saw but did not read is analysed only if it is the file opened.
  o.expected_file = *id;
  CHECK(scan_file(apk.string(), o).error.empty());
  o.expected_file = written_since;
  const std::string refused = scan_file(apk.string(), o).error;
  CHECK(refused == apk.string() + ": " + ScanOptions::kChangedSinceListed);
  o.expected_file.reset();

  // A file written within the last two seconds is not vouched for (a second write in the same clock
  // tick would keep its identity); once settled it is, and a write in place after hashing is caught.
  TempDir tmp("digest");
  fs::copy_file(apk, tmp.path / "a.apk");
  id.reset();
  CHECK(catalogue::file_sha256(tmp / "a.apk", size, error, &id) == sha);
  CHECK(!id);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  CHECK(catalogue::file_sha256(tmp / "a.apk", size, error, &id) == sha);
  CHECK(id);
  fs::copy_file(apk, tmp.path / "b.apk");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  fs::path other = corpus_subset({{"benign", 1}}).front();
  catalogue::BatchOptions b;
  b.files = {tmp / "a.apk"};
  b.db_path = tmp / "store.db";
  b.jobs = 1;
  b.before_scan = [other](const std::string& path) { fs::copy_file(other, path, fs::copy_options::overwrite_existing); };
  JudgeContext ctx = load_judge_context("", "", "", "2026-01-01");
  b.key = catalogue::current_key(ctx, "", "");
  std::ostringstream progress;
  catalogue::BatchSummary s = catalogue::run_batch(b, ctx, progress, {});
  CHECK(s.unreadable == 1);
  CHECK(results_by_sha(b.db_path).empty());
  CHECK(input_errors_of(b.db_path)[tmp / "a.apk"] == "changed during the run (analyse it again)");
  // Left alone, the settled file's result carries the digest its worker took, which is its own.
  b.files = {tmp / "b.apk"};
  b.before_scan = nullptr;
  s = catalogue::run_batch(b, ctx, progress, {});
  CHECK(s.analysed == 1);
  auto results = results_by_sha(b.db_path);
  REQUIRE(results.count(sha) == 1);
  CHECK(Json::parse(results[sha].report_json)["input"]["sha256"] == sha);
  // The store now holds a result, so the batch hashes the next input itself before it runs (the run
  // above left it to the worker): a write in place after that is caught the same way.
  fs::copy_file(other, tmp.path / "c.apk");
  b.files = {tmp / "c.apk"};
  b.before_scan = [apk](const std::string& path) { fs::copy_file(apk, path, fs::copy_options::overwrite_existing); };
  s = catalogue::run_batch(b, ctx, progress, {});
  CHECK(s.unreadable == 1);
  CHECK(input_errors_of(b.db_path)[tmp / "c.apk"] == "changed during the run (analyse it again)");
  CHECK(results_by_sha(b.db_path).size() == 1);
}

TEST_CASE("an input that grows while the batch reads it is recorded, and the batch goes on") {
  TempDir tmp("growing");
  const fs::path growing = tmp.path / "growing.apk";
  fs::copy_file(corpus_subset({{"test", 1}}).front(), growing);
  // Appended to all through the batch: the size the batch first sees is not the size it then hashes.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::ofstream out(growing, std::ios::app | std::ios::binary);
    const std::string chunk(4096, 'x');
    while (!stop) {
      out << chunk << std::flush;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  catalogue::BatchOptions b;
  b.files = {growing.string()};
  b.db_path = tmp / "store.db";
  b.jobs = 1;
  JudgeContext ctx = load_judge_context("", "", "", "2026-01-01");
  b.key = catalogue::current_key(ctx, "", "");
  std::ostringstream progress;
  catalogue::BatchSummary s;
  CHECK_NOTHROW(s = catalogue::run_batch(b, ctx, progress, {}));
  stop = true;
  writer.join();
  CHECK(s.inputs == 1);
  CHECK(s.unreadable + s.analysed + s.errors == 1);  // one recorded outcome
}

TEST_CASE("kill -9 of the whole batch at random points then resume and every APK has exactly one current result") {
  TempDir tmp("resume");
  auto apks = corpus_subset({{"test", 14}, {"benign", 3}, {"malware", 3}});
  REQUIRE(apks.size() == 20);
  fs::path in = tmp.path / "in";
  link_all(apks, in);
  std::string db = tmp / "store.db";
  std::mt19937 rng(std::random_device{}());
  std::vector<size_t> stored_after_kill;
  for (int round = 0; round < 5; ++round) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::setpgid(0, 0);  // its own group, so the kill takes the batch and all its workers
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 2);
      ::execl(APKVET_BINARY, "apkvet", "batch", "--db", db.c_str(), "--jobs", "2", in.c_str(), nullptr);
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    // Kill once the batch has stored a random number of new results (at most half of what is left),
    // watched every half millisecond, then after a random millisecond at most, so each kill lands mid-run at a
    // different phase whatever the machine's speed: a small APK takes a few milliseconds once the rule
    // data is cached, and a fixed delay let a fast machine finish the whole batch before the kill.
    size_t before = stored_after_kill.empty() ? 0 : stored_after_kill.back();
    size_t target = before + std::uniform_int_distribution<size_t>(1, std::max<size_t>(1, (20 - std::min<size_t>(before, 20)) / 2))(rng);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && before < 20 && count_results(db) < target)
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    // Workers serve many APKs each (no fork per APK): a small APK is stored every millisecond or two, so
    // a longer pause let the whole batch end before the kill.
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 1000)(rng)));
    ::kill(-pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    stored_after_kill.push_back(results_by_sha(db).size());
  }
  std::string counts;
  for (size_t n : stored_after_kill) counts += std::to_string(n) + " ";
  MESSAGE("results stored after each kill: " << counts);
  // At least one kill landed mid-run, with results half written (otherwise this test proves nothing).
  CHECK(std::any_of(stored_after_kill.begin(), stored_after_kill.end(), [](size_t n) { return n > 0 && n < 20; }));

  CommandResult final_run = run_apkvet("batch --db " + shell_quote(db) + " --jobs 2 " + shell_quote(in.string()));
  INFO(final_run.err);
  CHECK((final_run.exit_code == 0 || final_run.exit_code == 2));

  std::set<std::string> expected;
  for (const auto& a : apks) expected.insert(sha256_of(a));
  catalogue::Store store(db);
  CHECK(store.integrity_check() == "ok");
  JudgeContext ctx = load_judge_context("", "", "", "");
  catalogue::ResultKey key = catalogue::current_key(ctx, "", "");
  std::map<std::string, int> seen;
  for (const auto& r : store.results()) {
    ++seen[r.sha256];
    CHECK(r.key == key);
    if (r.status == "ok") CHECK(Json::parse(r.report_json)["input"]["sha256"] == r.sha256);
  }
  CHECK(seen.size() == expected.size());
  for (const auto& sha : expected) CHECK(seen[sha] == 1);
  CHECK(store.paths().size() == 20);
  // Nothing left to do: a further run analyses nothing.
  CommandResult again = run_apkvet("batch --db " + shell_quote(db) + " --jobs 2 " + shell_quote(in.string()));
  CHECK(again.err.find(" 0 analysed, " + std::to_string(expected.size()) + " already current") != std::string::npos);
}

TEST_CASE("a full disk for the store is a recorded reason and the batch goes on") {
  TempDir tmp("full");
  auto apks = corpus_subset({{"benign", 4}, {"test", 4}});
  fs::path in = tmp.path / "in";
  link_all(apks, in);
  fs::path mnt = tmp.path / "tiny";
  fs::create_directories(mnt);
  // A real full file system when we may mount one (root), else SQLite's own size cap.
  bool mounted = ::geteuid() == 0 && ::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=192k") == 0;
  std::string db = (mnt / "store.db").string();
  std::string extra = mounted ? "" : " --db-max-pages 48";
  MESSAGE(std::string(mounted ? "store on a 192 KiB tmpfs" : "store capped with max_page_count (no tmpfs mount)"));
  CommandResult r = run_apkvet("batch --db " + shell_quote(db) + " --jobs 2" + extra + " " + shell_quote(in.string()));
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("database or disk is full") != std::string::npos);
  CHECK(r.err.find(" not stored") != std::string::npos);
  // Every input was attempted: the progress reached the end.
  CHECK(r.err.find("batch: " + std::to_string(apks.size()) + "/" + std::to_string(apks.size()) + " analysed") !=
        std::string::npos);
  {
    catalogue::Store store(db);
    CHECK(store.integrity_check() == "ok");
    for (const auto& row : store.results())
      if (row.status == "ok") CHECK(!Json::parse(row.report_json, nullptr, false).is_discarded());
  }
  if (mounted) ::umount2(mnt.c_str(), MNT_DETACH);
}

TEST_CASE("shards cover every input once and their merge equals a single run merged twice or in any order") {
  TempDir tmp("shards");
  auto apks = corpus_subset({{"test", 6}, {"malformed", 2}});
  fs::path in = tmp.path / "in";
  link_all(apks, in);
  std::ofstream(in / "notes.apk") << "not an apk";
  fs::create_symlink(tmp.path / "nowhere.apk", in / "dangling.apk");
  std::string whole = tmp / "whole.db";
  run_apkvet("batch --db " + shell_quote(whole) + " --jobs 2 " + shell_quote(in.string()));
  std::vector<std::string> shards;
  size_t total = 0;
  for (int k = 0; k < 3; ++k) {
    shards.push_back(tmp / ("shard" + std::to_string(k) + ".db"));
    run_apkvet("batch --db " + shell_quote(shards.back()) + " --jobs 2 --shard " + std::to_string(k) + "/3 " +
               shell_quote(in.string()));
    catalogue::Store s(shards.back());
    total += s.results().size() + s.input_errors().size();
  }
  CHECK(total == apks.size() + 2);  // every input in exactly one shard
  // Each task read whole only its own inputs: the digests a shard keeps are of its own paths, and
  // together of every readable input (the corpus files behind the links are settled).
  size_t digests = 0;
  for (const auto& shard : shards) {
    catalogue::Store s(shard);
    std::set<std::string> own;
    for (const auto& p : s.paths()) own.insert(p.path);
    for (const auto& [path, k] : s.known_digests()) {
      CHECK(own.count(path) == 1);
      ++digests;
    }
  }
  CHECK(digests == apks.size());  // not notes.apk, written just now (not settled), nor the dangling link
  std::string merged = tmp / "merged.db";
  CommandResult m = run_apkvet("catalogue merge " + shell_quote(merged) + " " + shell_quote(shards[2]) + " " +
                               shell_quote(shards[0]) + " " + shell_quote(shards[1]));
  CHECK(m.exit_code == 0);
  CHECK(m.err.find("merged 3 stores into " + merged + " (" + std::to_string(catalogue::Store(whole).results().size()) +
                   " APKs)") != std::string::npos);
  CHECK(store_dump(merged) == store_dump(whole));
  run_apkvet("catalogue merge " + shell_quote(merged) + " " + shell_quote(shards[0]) + " " + shell_quote(shards[1]));
  CHECK(store_dump(merged) == store_dump(whole));
  CHECK(run_apkvet("batch --shard 3/3 x").exit_code == 64);
  // A mistyped shard name is an error, not an empty store merged in.
  CHECK(run_apkvet("catalogue merge " + shell_quote(merged) + " " + shell_quote(tmp / "no-such-shard.db")).exit_code == 2);
  CHECK(!fs::exists(tmp / "no-such-shard.db"));
  CHECK(store_dump(merged) == store_dump(whole));
}

TEST_CASE("a sharded re-run does not read the key of an input unchanged since an earlier run, and reads a changed one's") {
  TempDir tmp("shard-keys");
  auto apks = settled_copies(tmp, 6);
  const std::string db = tmp / "shard0.db";
  const std::string args = "batch --jobs 2 --shard 0/2 --db " + shell_quote(db) + " " + shell_quote((tmp.path / "in").string());
  CHECK(run_apkvet(args).err.find("shard keys") == std::string::npos);  // all read, none known yet
  // The task keeps the key of every input it looked at, its own shard's or not.
  fs::path other;  // an input of the other shard
  {
    catalogue::Store store(db);
    auto keys = store.known_digests(catalogue::Store::Known::shard_key);
    REQUIRE(keys.size() == apks.size());
    for (const auto& [path, k] : keys) {
      std::string error;
      CHECK(k.sha256 == catalogue::file_shard_key(path, error));
      if (catalogue::shard_of(k.sha256, 2) == 1) other = path;
    }
  }
  REQUIRE(!other.empty());  // 6 inputs all in shard 0 would be a 1 in 64 chance, and fixed by the corpus
  CHECK(paths_of(db).count(other.string()) == 0);
  // A key known for the file as it is now decides its shard without a read: a planted key that puts
  // `other` in shard 0 brings it into this task.
  std::string planted(64, '0');
  for (char c : std::string("0123456789abcdef")) {
    planted[0] = c;
    if (catalogue::shard_of(planted, 2) == 0) break;
  }
  REQUIRE(catalogue::shard_of(planted, 2) == 0);
  catalogue::Store(db).put_known_digests({{other.string(), to_string(*file_identity(other.string())), planted}},
                                         catalogue::Store::Known::shard_key);
  CHECK(run_apkvet(args).err.find("; 6 shard keys unchanged since an earlier run, not read again") != std::string::npos);
  CHECK(paths_of(db).count(other.string()) == 1);
  // Once the file changes (its change time moves), its own key is read again.
  fs::last_write_time(other, fs::last_write_time(other));
  CommandResult changed = run_apkvet(args);
  CAPTURE(changed.err);
  CHECK(changed.err.find("; 5 shard keys unchanged since an earlier run, not read again") != std::string::npos);
  // A damaged entry is not a key: the file's own key is read again, and the input is not lost to an
  // error. (`mine` is an input of this shard, unchanged since the first run.)
  fs::path mine;
  for (const auto& [path, sha] : paths_of(db))
    if (fs::path(path) != other) mine = path;
  REQUIRE(!mine.empty());
  catalogue::Store(db).put_known_digests({{mine.string(), to_string(*file_identity(mine.string())), "not a key"}},
                                         catalogue::Store::Known::shard_key);
  CommandResult damaged = run_apkvet(args);
  CAPTURE(damaged.err);
  CHECK(damaged.exit_code == 0);
  CHECK(damaged.err.find("; 4 shard keys unchanged since an earlier run, not read again") != std::string::npos);
  CHECK(input_errors_of(db).count(mine.string()) == 0);
  // Local to this machine, like the digests: a merge leaves them out.
  const std::string merged = tmp / "merged.db";
  CHECK(run_apkvet("catalogue merge " + shell_quote(merged) + " " + shell_quote(db)).exit_code == 0);
  CHECK(catalogue::Store(merged).known_digests(catalogue::Store::Known::shard_key).empty());
}

TEST_CASE("inputs from standard input and list files relative to the list") {
  TempDir tmp("stdin");
  auto apks = corpus_subset({{"test", 3}});
  link_all(apks, tmp.path / "in");
  std::string db = tmp / "store.db";
  // Two paths on stdin; the third through a list file naming it relative to the list's folder.
  std::ofstream(tmp.path / "in" / "list.txt") << apks[2].filename().string() << "\n# a comment\n";
  std::string stdin_text = (tmp.path / "in" / apks[0].filename()).string() + "\n" +
                           (tmp.path / "in" / apks[1].filename()).string() + "\n";
  CommandResult r = run_apkvet("batch --db " + shell_quote(db) + " --jobs 1 - @" + shell_quote((tmp.path / "in" / "list.txt").string()),
                               stdin_text);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  auto paths = paths_of(db);
  CHECK(paths.size() == 3);
  for (const auto& a : apks) CHECK(paths[(tmp.path / "in" / a.filename()).string()] == sha256_of(a));
}

TEST_CASE("results judged under other rules or policy are stale and analysed again and current ones are not") {
  TempDir tmp("stale");
  auto apks = corpus_subset({{"test", 3}});
  link_all(apks, tmp.path / "in");
  std::string db = tmp / "store.db", in = shell_quote((tmp.path / "in").string());
  std::string policy = "rules/policies/government-device.yaml";
  CHECK(run_apkvet("batch --db " + shell_quote(db) + " --jobs 2 " + in).err.find(" 3 analysed, 0 already current") !=
        std::string::npos);
  auto before = results_by_sha(db);
  // A policy changes the key (its file's hash is part of it): every result is stale.
  CommandResult judged = run_apkvet("batch --db " + shell_quote(db) + " --jobs 2 --policy " + policy + " " + in);
  CHECK(judged.err.find(" 3 analysed, 0 already current") != std::string::npos);
  auto after = results_by_sha(db);
  REQUIRE(after.size() == 3);
  for (const auto& [sha, r] : after) {
    CHECK(r.key.rules_version != before[sha].key.rules_version);
    CHECK(r.key.rules_version.find("+policy:") != std::string::npos);
    CHECK(r.verdict != "");
    CHECK(r.policy == "government-device");
  }
  CHECK(run_apkvet("batch --db " + shell_quote(db) + " --jobs 2 --policy " + policy + " " + in)
            .err.find(" 0 analysed, 3 already current") != std::string::npos);
  CHECK(run_apkvet("batch --db " + shell_quote(db) + " --jobs 2 --rescan --policy " + policy + " " + in)
            .err.find(" 3 analysed, 0 already current") != std::string::npos);
}

TEST_CASE("a re-run does not read an input unchanged since an earlier run hashed it, and reads a changed one") {
  TempDir tmp("known-digests");
  auto apks = settled_copies(tmp, 3);
  const std::string db = tmp / "store.db";
  const std::string args = "batch --jobs 2 --db " + shell_quote(db) + " " + shell_quote((tmp.path / "in").string());
  CHECK(run_apkvet(args).err.find("batch: 3 inputs, 3 distinct APKs (0 duplicates); 3 analysed") != std::string::npos);
  CHECK(run_apkvet(args).err.find("batch: 3 inputs (3 unchanged since an earlier run, not hashed again), 3 distinct APKs "
                                  "(0 duplicates); 0 analysed, 3 already current") != std::string::npos);
  auto sha256sum = [](const fs::path& p) { return run_command("sha256sum " + shell_quote(p.string())).substr(0, 64); };
  {
    catalogue::Store store(db);
    auto known = store.known_digests();
    REQUIRE(known.size() == 3);
    for (const auto& [path, k] : known) CHECK(k.sha256 == sha256sum(path));  // the files' own digests
  }
  // One file changes in place to another content of the same size, its modification time put back:
  // the change time still moves, so it is read again and analysed as what it now is.
  const fs::path changed = tmp.path / "in" / apks[0].filename();
  const auto modified = fs::last_write_time(changed);
  {
    std::fstream f(changed, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  fs::last_write_time(changed, modified);
  CHECK(run_apkvet(args).err.find("batch: 3 inputs (2 unchanged since an earlier run, not hashed again), 3 distinct APKs "
                                  "(0 duplicates); 1 analysed, 2 already current") != std::string::npos);
  CHECK(paths_of(db)[changed.string()] == sha256sum(changed));
  // Under another name, alone in its batch (no other input of its size), a current APK is still
  // hashed before it runs, because the store holds current results, and it is skipped.
  fs::create_directories(tmp.path / "elsewhere");
  fs::create_symlink(tmp.path / "in" / apks[1].filename(), tmp.path / "elsewhere" / "same.apk");
  CHECK(run_apkvet("batch --jobs 2 --db " + shell_quote(db) + " " + shell_quote((tmp.path / "elsewhere").string()))
            .err.find("batch: 1 inputs, 1 distinct APKs (0 duplicates); 0 analysed, 1 already current") != std::string::npos);
  // Device and inode numbers are this machine's: a merged store does not take them in.
  const std::string merged = tmp / "merged.db";
  CHECK(run_apkvet("catalogue merge " + shell_quote(merged) + " " + shell_quote(db)).exit_code == 0);
  CHECK(catalogue::Store(merged).known_digests().empty());
  CHECK(catalogue::Store(merged).results().size() == 4);
}

TEST_CASE("each stored row's columns are what its whole stored report says (the batch reads only the worker's summary line)") {
  TempDir tmp("summary");
  auto apks = corpus_subset({{"test", 6}, {"benign", 3}, {"malware", 3}});
  link_all(apks, tmp.path / "in");
  std::string db = tmp / "store.db";
  run_apkvet("batch --jobs 2 --policy government-device --db " + shell_quote(db) + " " + shell_quote((tmp.path / "in").string()));
  auto rows = results_by_sha(db);
  REQUIRE(rows.size() == apks.size());
  size_t signed_rows = 0, judged_rows = 0;
  for (const auto& [sha, row] : rows) {
    CAPTURE(sha);
    Json report = Json::parse(row.report_json, nullptr, false);
    REQUIRE(report.is_object());
    CHECK(report.value("status", "") == row.status);
    catalogue::ResultRow expect;
    catalogue::fill_from_report(expect, report);
    CHECK(row.package == expect.package);
    CHECK(row.version_code == expect.version_code);
    CHECK(row.version_name == expect.version_name);
    CHECK(row.signer_sha256 == expect.signer_sha256);
    CHECK(row.verdict == expect.verdict);
    CHECK(row.policy == expect.policy);
    CHECK(row.scores == expect.scores);
    signed_rows += !row.signer_sha256.empty();
    judged_rows += !row.verdict.empty() && row.scores[0] >= 0;
  }
  CHECK(signed_rows >= 10);  // the columns compared are not all empty
  CHECK(judged_rows >= 10);
}

TEST_CASE("a shipped policy named by its id is keyed by its file's contents") {
  JudgeContext ctx = load_judge_context("", "", "", "2026-01-01");
  const std::string file = resolve_policy_path("government-device");
  REQUIRE(fs::exists(file));
  auto by_name = catalogue::current_key(ctx, "government-device", "").rules_version;
  CHECK(by_name == catalogue::current_key(ctx, file, "").rules_version);
  CHECK(by_name.find("unreadable") == std::string::npos);
  CHECK(by_name != catalogue::current_key(ctx, "baseline", "").rules_version);
}

TEST_CASE("the IP-country database is part of the result key") {
  JudgeContext ctx = load_judge_context("", "", "", "2026-01-01");
  const GeoIpInfo& geo = GeoIp::get().info();
  std::string key = catalogue::current_key(ctx, "", "").rules_version;
  CHECK(key.find("+geoip:" + geo.kind) != std::string::npos);
  if (geo.kind != "none") CHECK(key.find(":" + geo.date) != std::string::npos);
  // Batch over the same store with --geoip-db of a missing file: it falls back to the same database
  // (with the reason in each report), so the results stay current.
  TempDir tmp("geoip-key");
  auto apks = corpus_subset({{"test", 1}});
  link_all(apks, tmp.path / "in");
  std::string db = tmp / "store.db", in = shell_quote((tmp.path / "in").string());
  CHECK(run_apkvet("batch --db " + shell_quote(db) + " " + in).err.find(" 1 analysed, 0 already current") != std::string::npos);
  auto rows = results_by_sha(db);
  REQUIRE(rows.size() == 1);
  CHECK(rows.begin()->second.key.rules_version.find("+geoip:" + geo.kind) != std::string::npos);
  CHECK(run_apkvet("batch --db " + shell_quote(db) + " --geoip-db /nonexistent/countries.mmdb " + in)
            .err.find(" 0 analysed, 1 already current") != std::string::npos);
}

TEST_CASE("the time a batch still needs is estimated from the bytes done, as the largest APKs go first") {
  CHECK(!catalogue::remaining_seconds(5, 0, 100));  // nothing finished: no estimate
  CHECK(*catalogue::remaining_seconds(10, 50, 100) == doctest::Approx(10));
  CHECK(*catalogue::remaining_seconds(10, 100, 100) == doctest::Approx(0));
  // The corpus, largest first: once its largest tenth is done, most of its bytes are. Counting APKs
  // would say nine times the time taken is left; by bytes it is less than the time taken.
  std::vector<uint64_t> sizes;
  for (const auto& e : fs::directory_iterator(corpus_dir() + "/apks")) sizes.push_back(e.file_size());
  REQUIRE(sizes.size() >= 100);
  std::sort(sizes.rbegin(), sizes.rend());
  uint64_t total = 0, largest_tenth = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    total += sizes[i];
    if (i < sizes.size() / 10) largest_tenth += sizes[i];
  }
  std::optional<double> left = catalogue::remaining_seconds(60, largest_tenth, total);
  REQUIRE(left);
  CHECK(*left < 60);
  CHECK(*left == doctest::Approx(60.0 * double(total - largest_tenth) / double(largest_tenth)));
}

TEST_CASE("progress is a redrawn bar on a terminal and plain lines otherwise") {
  TempDir tmp("progress");
  auto apks = corpus_subset({{"test", 3}});
  link_all(apks, tmp.path / "in");
  std::string args = "batch --jobs 2 --db " + shell_quote(tmp / "plain.db") + " " + shell_quote((tmp.path / "in").string());
  CommandResult plain = run_apkvet(args);
  CHECK(plain.err.find("\r") == std::string::npos);
  CHECK(plain.err.find("batch: 3/3 analysed, ") != std::string::npos);
  if (std::system("command -v script >/dev/null 2>&1") != 0) {
    WARN_MESSAGE(false, "SKIPPED terminal check: script(1) not installed (bsdutils)");
    return;
  }
  // script(1) gives the batch a pseudo-terminal as stderr.
  std::string log = tmp / "tty.txt";
  std::string cmd = "script -qec " +
                    shell_quote(shell_quote(APKVET_BINARY) + " batch --jobs 2 --db " + shell_quote(tmp / "tty.db") + " " +
                                shell_quote((tmp.path / "in").string())) +
                    " /dev/null >" + shell_quote(log) + " 2>&1";
  std::system(cmd.c_str());
  std::stringstream s;
  s << std::ifstream(log).rdbuf();
  CHECK(s.str().find("\r\033[K[##############################] 3/3  ") != std::string::npos);
  CHECK(s.str().find("failed 0") != std::string::npos);
  CHECK(s.str().find("batch: 3 inputs, 3 distinct APKs") != std::string::npos);
}
