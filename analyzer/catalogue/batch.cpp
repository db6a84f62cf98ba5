#include "catalogue/batch.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <new>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "archive/libzip_library.h"
#include "catalogue/inputs.h"
#include "catalogue/worker_heap.h"
#include "code/code_rules.h"
#include "core/fd_io.h"
#include "core/file_identity.h"
#include "core/process_memory.h"
#include "manifest/manifest_facts.h"
#include "native/elf_module.h"
#include "native/isolation.h"
#include "native/native_facts.h"
#include "native/native_rules.h"
#include "report/json_report.h"
#include "signing/warm_up.h"
#include "strings/domain.h"
#include "strings/endpoints.h"
#include "strings/geoip.h"
#include "strings/owners.h"
#include "strings/pattern_scan.h"
#include "version.h"

namespace apkvet::catalogue {

namespace {

using Clock = std::chrono::steady_clock;

// The input errors of a file that went away, or became another file, between the batch's look at it
// and its analysis (the tests and docs/catalogue.md quote them).
constexpr const char* kVanishedDuringRun = "vanished during the run";
constexpr const char* kChangedDuringRun = "changed during the run (analyse it again)";

// Worker exit codes that carry a reason (anything else is "worker failed: exit code N").
constexpr int kExitOom = 86, kExitThrew = 87, kExitWrite = 88, kExitOrphan = 89, kExitProtocol = 90;

struct Job {
  std::string sha256;  // "" when the batch left the digest to the worker (`deferred`)
  std::optional<FileIdentity> identity;  // of the first path while it was hashed, if it held still
  uint64_t size = 0;
  std::vector<std::string> paths;  // every name this content was found under; the first is analysed
  // Not read by the batch: its worker takes the digest as it reads the file, and the batch keys the
  // result by it if the file still has `identity` (settled) when the result comes in.
  bool deferred = false;
};

// A worker process, forked from the batch once the analyzer's data is loaded. It analyses the APKs
// the batch sends it one after the other, up to BatchOptions::apks_per_worker, then exits and a new
// one takes over. A worker that crashes, hangs or runs out of memory ends there: the APK it was on
// is recorded with the reason and the next APK goes to a new worker.
//
// The batch keeps one APK queued ahead of the one a worker is on (its number waits in the socket),
// so that a worker need not wait for the batch: while the batch stores a result, and above all while
// SQLite checkpoints its log (fdatasync of the log and the store, ~10 ms), a worker that finished
// used to sit idle (perf, 20 ms buckets of a two-worker run: up to half of one lost at a
// checkpoint). The gain is small (1 worker ~2% of wall time, 2 workers within noise), and it is kept
// because the parent's pauses then cost a worker nothing. A queued APK is not started, so when its
// worker ends it goes to another worker and is not blamed. The last `--jobs` APKs are sent only to
// idle workers, so that none waits at the end queued behind a long APK while another is idle.
//
// Why not a process per APK: forking one, its first writes to the parent's pages (copy-on-write)
// and its exit were a fifth of a corpus batch's CPU (perf: a third of the batch's time was in the
// kernel, an eighth in one process), and the analysis is the same either way.
struct Worker {
  pid_t pid = -1;
  int fd = -1;     // socket: job numbers in, result frames out (non-blocking on the batch's side)
  int pidfd = -1;  // readable once the worker has exited (-1 where the kernel has no pidfd_open)
  std::string output;             // received bytes not yet taken as frames
  std::optional<size_t> job;      // the APK it is analysing (index in the batch's jobs)
  std::optional<size_t> queued;   // the APK it takes next, sent but not started
  Clock::time_point started;      // when `job` was sent, or when the batch saw the one before it end
  size_t served = 0;              // APKs sent to it
  std::optional<size_t> killed_for;  // the APK whose timeout the batch killed it for
  bool retired = false;           // told there is no more work for it (its socket shut for writing)
  bool output_closed = false;     // EOF read: nothing more will come, only the exit status
};

// What a worker sends back per APK: this header, then `size` bytes (a summary line, the report).
struct FrameHeader {
  uint64_t job;
  uint64_t peak_rss_kb;
  uint64_t duration_ms;  // measured by the worker: the batch may see the APK start late (queued)
  uint64_t size;
};

// The worker: analyse the APKs the batch sends (their index in `jobs`), send each one's app report
// JSON, exit when the batch shuts the socket. Never returns.
[[noreturn]] void worker_main(int fd, pid_t parent, const std::vector<Job>& jobs, const BatchOptions& o,
                              const JudgeContext& ctx) {
  // Die with the batch: a killed batch must not leave workers behind that outlive it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(kExitOrphan);
  // A crash must end the worker with its signal, not run a handler inherited from the parent.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGPIPE, SIGTERM, SIGINT}) ::signal(sig, SIG_DFL);
  struct rlimit core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &core);  // a crashing parser must not litter the disk with cores
  if (o.memory_mb && !built_with_asan()) {
    // Soft limit only: the native analysis forks its own worker and sets that one's limit itself.
    struct rlimit as{};
    ::getrlimit(RLIMIT_AS, &as);
    as.rlim_cur = rlim_t(o.memory_mb) << 20;
    if (as.rlim_max != RLIM_INFINITY && as.rlim_cur > as.rlim_max) as.rlim_cur = as.rlim_max;
    ::setrlimit(RLIMIT_AS, &as);
  }
  use_worker_heap();  // fewer, larger page faults (worker_heap.h); as before if it cannot
  start_native_worker();  // forked now, while this process is small: it reads the libraries of every APK
  for (uint64_t index; read_all(fd, &index, sizeof index);) {
    if (index >= jobs.size()) ::_exit(kExitProtocol);
    const Job& job = jobs[index];
    const auto started = Clock::now();
    reset_peak_rss();
    take_reaped_workers_peak_rss_kb();
    std::string out;
    // Any failure ends the worker (by its exit code): the batch records it against this APK, and
    // the next APK starts in a new process, not in one whose heap an exception ran through.
    try {
      if (o.before_scan) o.before_scan(job.paths.front());
      // The file's digest is the one just taken to key it, unless the file is no longer that file.
      ScanOptions scan = o.scan;
      if (job.identity && !job.deferred) scan.known_digest = ScanOptions::KnownDigest{*job.identity, job.sha256};
      if (job.deferred) scan.expected_file = job.identity;
      scan.threads = 1;
      Json report = app_report_json(make_app_report(scan_file(job.paths.front(), scan), ctx));
      // One line of summary (a JSON dump without indent has no raw newline), then the report.
      out = dump_json(result_summary(report), -1) + "\n" + dump_json(report, -1);
    } catch (const std::bad_alloc&) {
      ::_exit(kExitOom);
    } catch (...) {
      ::_exit(kExitThrew);
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    FrameHeader h{index, std::max(peak_rss_kb(), take_reaped_workers_peak_rss_kb()), uint64_t(ms), out.size()};
    if (!write_all(fd, reinterpret_cast<const char*>(&h), sizeof h) || !write_all(fd, out.data(), out.size()))
      ::_exit(kExitWrite);
  }
  stop_native_worker();  // reaped, so that its CPU time counts in this worker's and the batch's
  ::_exit(0);             // the batch shut the socket: no more work
}

std::string signal_text(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return "signal " + std::to_string(sig) + (abbrev ? std::string(" (SIG") + abbrev + ")" : std::string());
}

std::string format_duration(double seconds) {
  long s = long(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

class Progress {
 public:
  Progress(std::ostream& out, const ProgressStyle& style, size_t total, uint64_t total_bytes)
      : out_(out), style_(style), total_(total), total_bytes_(total_bytes), start_(Clock::now()), last_(start_) {}

  void update(size_t done, uint64_t done_bytes, size_t failed, bool force = false) {
    auto now = Clock::now();
    double since_last = std::chrono::duration<double>(now - last_).count();
    if (!force && since_last < (style_.tty ? 0.2 : style_.interval_seconds)) return;
    last_ = now;
    double elapsed = std::chrono::duration<double>(now - start_).count();
    double rate = elapsed > 0 ? double(done) / elapsed : 0;
    std::optional<double> left = remaining_seconds(elapsed, done_bytes, total_bytes_);
    std::string eta = left && done < total_ ? format_duration(*left) : "-";
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "%.2f", rate);
    if (style_.tty) {
      constexpr int kWidth = 30;
      int filled = total_ ? int(double(kWidth) * double(done) / double(total_)) : kWidth;
      out_ << "\r\033[K[" << std::string(size_t(filled), '#') << std::string(size_t(kWidth - filled), '.') << "] "
           << done << "/" << total_ << "  " << rate_text << " APK/s  ETA " << eta << "  failed " << failed << std::flush;
    } else {
      out_ << "batch: " << done << "/" << total_ << " analysed, " << rate_text << " APK/s, ETA " << eta << ", "
           << failed << " failed\n"
           << std::flush;
    }
  }
  void finish() {
    if (style_.tty) out_ << "\n";
  }

 private:
  std::ostream& out_;
  ProgressStyle style_;
  size_t total_;
  uint64_t total_bytes_;
  Clock::time_point start_, last_;
};

// Loads the analyzer's own data (tracker signatures compiled into a Hyperscan database, the
// permission catalogue, native signatures, owner and false-positive rules, GeoIP, the public suffix
// list, endpoint and secret patterns, the ELF reader module, libzip) once in the parent, so every
// forked worker inherits it instead of spending ~0.6 s rebuilding it per APK (the permission
// catalogue alone was 7% of a batch's CPU). Only our rule files are read here, never an input.
//
// In two halves that may run on two threads: the shared libraries (~10 ms, most of it the ELF
// reader module with Unicorn's relocations) and the rule data (~6 ms). The batch cannot fork its
// first worker before both are loaded, and on a first scan there is little else to do then (the
// workers take the digests), so on one thread this was ~16 ms of a two-worker batch's serial start.
void load_step(void (*step)()) {
  // Each on its own: a worker meets the same problem and records it against its APK.
  try {
    step();
  } catch (const std::exception&) {
  }
}

void warm_up_libraries() {
  load_step([] { elf_module_scanner(); });  // the ELF reader module (LIEF, Capstone, Unicorn)
  load_step([] { libzip_library(); });      // the strict second ZIP reader, with OpenSSL's shared libcrypto
  load_step([] { signing::warm_up_crypto(); });  // OpenSSL's error strings and fetched methods
}

void warm_up_data() {
  load_step([] { code::default_code_rules(); });
  load_step([] { lookup_permission("android.permission.INTERNET"); });  // loads the permission catalogue
  load_step([] { NativeRules::builtin(); });
  load_step([] { OwnerRules::builtin(); });
  load_step([] { FalsePositiveRules::builtin(); });
  load_step([] { GeoIp::get(); });
  load_step([] { psl_source(); });  // libpsl and its list
  load_step([] { scan_text(""); });  // the endpoint and secret patterns (a Hyperscan database, ~750 KB)
  prepare_worker_heap();  // the workers' arena, created once (worker_heap.h)
}

void warm_up() {
  warm_up_libraries();
  warm_up_data();
}

struct Batch {
  const BatchOptions& o;
  const JudgeContext& ctx;
  Store store;
  BatchSummary s;

  Batch(const BatchOptions& options, const JudgeContext& c) : o(options), ctx(c), store(options.db_path) {
    if (o.max_pages) store.set_max_pages(o.max_pages);
  }

  void note(const std::string& path, const std::string& reason) { s.messages.push_back(path + ": " + reason); }

  void unreadable(const std::string& path, const std::string& reason) {
    ++s.unreadable;
    note(path, reason);
    if (std::string why = store.put_input_error(path, reason); !why.empty()) {
      ++s.not_stored;
      note(path, "not stored: " + why);
    }
  }

  void store_result(ResultRow& row, const Job& job) {
    // A deferred job's digest, taken by its worker, is what the next run need not read again.
    std::vector<Store::DigestRow> digests;
    if (job.deferred && job.identity) digests.push_back({job.paths.front(), to_string(*job.identity), row.sha256});
    if (std::string why = store.put_result(row, job.paths, digests); !why.empty()) {
      ++s.not_stored;
      note(job.paths.front(), "result not stored: " + why);
    }
  }

  // Whether a deferred job's file is still the one its worker was given (its identity unchanged since
  // the batch took it); if not, that is recorded as an input error. Any write moves the change time,
  // so an unchanged settled identity means the worker read the content the batch saw.
  bool still_same_file(const Job& job) {
    const std::string& path = job.paths.front();
    std::optional<FileIdentity> now = file_identity(path);
    if (!now) unreadable(path, kVanishedDuringRun);
    else if (now != job.identity) unreadable(path, kChangedDuringRun);
    return now && now == job.identity;
  }

  // The digest of a deferred job whose worker did not send one (it failed, or the file is no APK),
  // taken now; "" with the input error recorded when the file is no longer the one it was given.
  std::string digest_now(const Job& job) {
    const std::string& path = job.paths.front();
    uint64_t size = 0;
    std::string error;
    std::optional<FileIdentity> held;
    std::string sha = file_sha256(path, size, error, &held);
    if (sha.empty()) {
      unreadable(path, ::access(path.c_str(), F_OK) != 0 ? kVanishedDuringRun : error);
      return "";
    }
    if (held != job.identity) {
      unreadable(path, kChangedDuringRun);
      return "";
    }
    return sha;
  }

  // One APK's outcome into a stored result (or an input error when the file went away): `output` is
  // what its worker sent for it, or null when the worker ended first (`status` from waiting for it).
  void finish(const Job& job, int64_t duration_ms, bool timed_out, const std::string* output, int status,
              uint64_t peak_rss_kb) {
    const std::string& path = job.paths.front();
    ResultRow row;
    row.sha256 = job.sha256;
    row.key = o.key;
    row.size = job.size;
    row.analysed_at = utc_now();
    row.duration_ms = duration_ms;
    row.peak_rss_kb = int64_t(peak_rss_kb);
    row.status = "failed";
    if (output) {
      finish_report(row, job, *output);
      return;
    }
    if (job.deferred && (row.sha256 = digest_now(job)).empty()) return;
    if (timed_out) {
      row.reason = "timeout after " + std::to_string(o.timeout_seconds) + " s";
      ++s.timed_out;
    } else if (WIFSIGNALED(status)) {
      row.reason = "crashed: " + signal_text(WTERMSIG(status));
      ++s.crashed;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == kExitOom) {
      row.reason = "out of memory (limit " + std::to_string(o.memory_mb) + " MB)";
      ++s.out_of_memory;
    } else {
      int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      row.reason = code == kExitThrew ? "worker failed: the analysis threw an exception"
                                      : "worker failed: exit code " + std::to_string(code);
      ++s.worker_failed;
    }
    note(path, row.reason);
    store_result(row, job);
  }

  // A report the worker sent: stored, unless it is not one or the file changed or went away.
  void finish_report(ResultRow& row, const Job& job, const std::string& output) {
    const std::string& path = job.paths.front();
    size_t line_end = output.find('\n');
    Json summary = line_end == std::string::npos ? Json(Json::value_t::discarded)
                                                 : Json::parse(std::string_view(output).substr(0, line_end), nullptr, false);
    std::string seen;
    if (summary.is_object())
      if (auto in = summary.find("input"); in != summary.end() && in->is_object()) seen = in->value("sha256", "");
    const bool ok = summary.is_object() && summary.value("status", "") == "ok";
    if (summary.is_discarded() || !summary.is_object() || (ok && job.deferred && seen.size() != 64)) {
      if (job.deferred && (row.sha256 = digest_now(job)).empty()) return;
      row.reason = summary.is_object() ? "worker failed: its report has no digest" : "worker failed: its report was not JSON";
      ++s.worker_failed;
    } else if (ok) {
      if (job.deferred) {
        // Keyed by the digest its worker took, if the file it read is still the one it was given.
        if (!still_same_file(job)) return;
        row.sha256 = seen;
      } else if (seen != job.sha256) {
        // Replaced between hashing and analysis: the report is not of the content we keyed it by.
        unreadable(path, kChangedDuringRun);
        return;
      }
      row.status = "ok";
      row.report_json = output.substr(line_end + 1);
      fill_from_report(row, summary);
      ++s.analysed;
    } else {
      struct stat st{};
      if (::stat(path.c_str(), &st) != 0) {
        unreadable(path, kVanishedDuringRun);
        return;
      }
      const std::string error = summary.value("error", "");
      if (job.deferred && error.ends_with(ScanOptions::kChangedSinceListed)) {
        // Its worker opened another file than the batch saw (switched and perhaps switched back).
        unreadable(path, kChangedDuringRun);
        return;
      }
      if (job.deferred && (row.sha256 = digest_now(job)).empty()) return;
      row.status = "error";
      row.reason = summary.value("error", "unreadable");
      row.report_json = output.substr(line_end + 1);
      ++s.errors;
    }
    if (row.status != "ok") note(path, row.reason);
    store_result(row, job);
  }

  // Forks a worker. It closes its copies of the other workers' sockets, so that only the batch holds
  // them (a socket's EOF must mean its worker is gone).
  Worker spawn(const std::vector<Job>& jobs, const std::vector<Worker>& workers) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
      throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::close(fds[0]);
      for (const Worker& other : workers) {
        ::close(other.fd);
        if (other.pidfd >= 0) ::close(other.pidfd);
      }
      worker_main(fds[1], parent, jobs, o, ctx);
    }
    ::close(fds[1]);
    ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    ++s.workers;
    Worker w;
    w.pid = pid;
    w.fd = fds[0];
    // By syscall: Debian 12's <sys/pidfd.h> declares pidfd_open without C linkage.
    w.pidfd = int(::syscall(SYS_pidfd_open, pid, 0));
    return w;
  }

  // Sends APK `index` to a worker: to start now if it is idle, else queued behind its APK. False if
  // the worker is gone (it then gets no more work).
  bool send(Worker& w, size_t index) {
    uint64_t i = index;
    // MSG_NOSIGNAL: a worker that has died must not take the batch down with SIGPIPE.
    if (::send(w.fd, &i, sizeof i, MSG_NOSIGNAL) != ssize_t(sizeof i)) {
      retire(w);
      return false;
    }
    if (w.job) {
      w.queued = index;
    } else {
      w.job = index;
      w.started = Clock::now();
    }
    ++w.served;
    return true;
  }

  static void retire(Worker& w) {
    if (w.retired) return;
    ::shutdown(w.fd, SHUT_WR);  // the worker reads EOF and exits
    w.retired = true;
  }

  static void drain(Worker& w) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(w.fd, buf, sizeof buf);
      if (n > 0) w.output.append(buf, size_t(n));
      else if (n < 0 && errno == EINTR) continue;
      else {
        if (n == 0) w.output_closed = true;
        break;  // EOF, EAGAIN (a lingering grandchild holds the socket) or an error
      }
    }
  }

  // A result a worker sent in full, for the APK it was on.
  struct Taken {
    size_t job;
    int64_t duration_ms;
    uint64_t peak_rss_kb;
    std::string report;
  };
  static int64_t since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
  }

  // The next result the worker has sent in full, if any; the worker then goes on with its queued APK,
  // if it has one. With an APK queued, the worker may have sent two results by the time the batch
  // reads: every one read must be taken before the next poll, which only wakes for new bytes.
  static std::optional<Taken> take_frame(Worker& w) {
    if (w.output.size() < sizeof(FrameHeader)) return std::nullopt;
    FrameHeader h;
    std::memcpy(&h, w.output.data(), sizeof h);
    if (w.output.size() - sizeof h < h.size) return std::nullopt;
    if (!w.job || *w.job != h.job) {  // never sent by a worker of ours: end it
      ::kill(w.pid, SIGKILL);
      w.output.clear();
      return std::nullopt;
    }
    Taken t{*w.job, int64_t(h.duration_ms), h.peak_rss_kb, w.output.substr(sizeof h, h.size)};
    w.output.erase(0, sizeof h + h.size);
    w.job = std::exchange(w.queued, std::nullopt);
    w.started = Clock::now();
    return t;
  }

  void run(std::vector<Job> jobs, std::ostream& progress_out, const ProgressStyle& style) {
    unsigned parallel = o.jobs;
    if (parallel == 0) parallel = unsigned(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    size_t per_worker = std::max<size_t>(1, o.apks_per_worker);
    size_t total = jobs.size(), next = 0, done = 0;
    std::vector<size_t> returned;  // APKs queued at a worker that ended before starting them
    auto unsent = [&] { return returned.size() + (total - next); };
    // Sends the next APK to `w`: false when there is none for it or it is gone.
    auto give = [&](Worker& w) {
      if (unsent() == 0 || w.served >= per_worker) return false;
      if (!send(w, returned.empty() ? next : returned.back())) return false;
      if (returned.empty()) ++next;
      else returned.pop_back();
      return true;
    };
    // Keeps `w` busy: an APK to start if it is idle, and one queued behind it unless those left are
    // the last `parallel` (see Worker). False when it is idle and gets nothing.
    auto feed = [&](Worker& w) {
      if (w.retired || w.output_closed || w.killed_for) return w.job.has_value();
      if (!w.job && !give(w)) return false;
      if (!w.queued && unsent() > parallel) give(w);
      return true;
    };
    uint64_t total_bytes = 0, done_bytes = 0;
    for (const Job& j : jobs) total_bytes += j.size;
    // One APK's outcome, stored and counted.
    auto finished = [&](size_t job, int64_t duration_ms, bool timed_out, const std::string* report, int status,
                        uint64_t peak_rss_kb) {
      finish(jobs[job], duration_ms, timed_out, report, status, peak_rss_kb);
      ++done;
      done_bytes += jobs[job].size;
    };
    Progress progress(progress_out, style, total, total_bytes);
    std::vector<Worker> workers;
    while (done < total || !workers.empty()) {
      // Work for idle workers; those that have served their share, or that nothing is left for, exit.
      size_t taking = 0;  // workers that have or can take an APK
      for (Worker& w : workers) {
        if (feed(w)) ++taking;
        else retire(w);
      }
      for (; taking < parallel && unsent() > 0; ++taking) {
        workers.push_back(spawn(jobs, workers));
        if (!feed(workers.back())) break;  // gone at once: the next round starts another
      }
      // Every APK is sent, or under way, or finished: one neither would leave this loop polling forever.
      if (workers.empty() && unsent() == 0 && done < total)
        throw std::logic_error("batch: " + std::to_string(total - done) + " APKs lost between the batch and its workers");
      // A socket at EOF stays readable: polling it again would spin until its worker is reaped, so a
      // worker whose output has ended is waited for on its pidfd, which wakes the batch the moment it
      // exits (the socket closes a little before the process can be reaped). Without a pidfd, by
      // polling every millisecond.
      std::vector<pollfd> fds;
      bool exiting = false;
      for (const Worker& w : workers) {
        if (!w.output_closed) fds.push_back({w.fd, POLLIN, 0});
        else if (w.pidfd >= 0) fds.push_back({w.pidfd, POLLIN, 0});
        else exiting = true;
      }
      ::poll(fds.data(), fds.size(), exiting ? 1 : 100);
      auto now = Clock::now();
      for (size_t i = 0; i < workers.size();) {
        Worker& w = workers[i];
        drain(w);
        size_t before = done;
        while (auto t = take_frame(w)) {
          // Its queued APK is under way; the one queued next is sent before this result is stored.
          feed(w);
          finished(t->job, t->duration_ms, false, &t->report, 0, t->peak_rss_kb);
        }
        if (w.job && !w.killed_for && now - w.started > std::chrono::seconds(o.timeout_seconds)) {
          ::kill(w.pid, SIGKILL);
          w.killed_for = w.job;
        }
        int status = 0;
        struct rusage ru{};
        pid_t ended = w.output_closed || w.killed_for ? ::wait4(w.pid, &status, WNOHANG, &ru) : 0;
        if (ended == w.pid) {
          drain(w);  // what the worker wrote before it exited is still in the socket
          while (auto t = take_frame(w)) finished(t->job, t->duration_ms, false, &t->report, 0, t->peak_rss_kb);
          if (w.job && w.killed_for && w.killed_for != w.job) {
            // Killed for the APK before, whose result came in meanwhile: this one is not to blame.
            returned.push_back(*w.job);
          } else if (w.job) {  // it ended on this APK: the APK gets the blame
            finished(*w.job, since(w.started), w.killed_for.has_value(), nullptr, status, uint64_t(ru.ru_maxrss));
          }
          if (w.queued) returned.push_back(*w.queued);  // never started: another worker takes it
          ::close(w.fd);
          if (w.pidfd >= 0) ::close(w.pidfd);
          workers.erase(workers.begin() + long(i));
        } else {
          ++i;
        }
        if (done != before) progress.update(done, done_bytes, s.failures(), done == total);
      }
      progress.update(done, done_bytes, s.failures());
    }
    progress.finish();
  }
};

std::string file_hash_or_empty(const std::string& path) {
  if (path.empty()) return "";
  uint64_t size = 0;
  std::string error;
  std::string h = file_sha256(path, size, error);
  return h.empty() ? "unreadable" : h.substr(0, 16);
}

// What an earlier run recorded for `path` (its digest, or its shard key), if the file still has the
// settled identity it had then: any write since has moved its change time (core/file_identity.h).
// A value that is no SHA-256 (hex) is a damaged entry, not trusted: the file is read again.
const std::string* known_for(const std::unordered_map<std::string, Store::KnownDigest>& known, const std::string& path,
                             const FileIdentity& now) {
  auto k = known.find(path);
  if (k == known.end() || !settled(now) || to_string(now) != k->second.identity) return nullptr;
  const std::string& value = k->second.sha256;
  bool hex = value.size() == 64 && std::all_of(value.begin(), value.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
             });
  return hex ? &value : nullptr;
}

}  // namespace

std::optional<double> remaining_seconds(double elapsed, uint64_t done_bytes, uint64_t total_bytes) {
  if (done_bytes == 0 || elapsed <= 0) return std::nullopt;
  return elapsed * double(total_bytes - std::min(done_bytes, total_bytes)) / double(done_bytes);
}

Shard parse_shard(const std::string& s) {
  size_t slash = s.find('/');
  Shard sh;
  try {
    if (slash == std::string::npos) throw std::invalid_argument("");
    size_t used = 0;
    sh.index = unsigned(std::stoul(s.substr(0, slash), &used));
    if (used != slash) throw std::invalid_argument("");
    sh.count = unsigned(std::stoul(s.substr(slash + 1), &used));
    if (used != s.size() - slash - 1) throw std::invalid_argument("");
  } catch (const std::exception&) {
    throw std::invalid_argument("--shard wants K/N with 0 <= K < N, got '" + s + "'");
  }
  if (sh.count == 0 || sh.index >= sh.count)
    throw std::invalid_argument("--shard wants K/N with 0 <= K < N, got '" + s + "'");
  return sh;
}

ResultKey current_key(const JudgeContext& ctx, const std::string& policy_path, const std::string& waivers_path) {
  ResultKey k;
  k.analyzer_version = APKVET_VERSION;
  k.rules_version = ctx.rules.version;
  // A shipped policy given by name is keyed by its file's contents too, so editing it makes results stale.
  if (!policy_path.empty()) k.rules_version += "+policy:" + file_hash_or_empty(resolve_policy_path(policy_path));
  if (!waivers_path.empty()) k.rules_version += "+waivers:" + file_hash_or_empty(waivers_path);
  // The IP-country database changes endpoint jurisdictions, hence findings: a store scanned with one
  // database is stale under another. Named by what the file states (kind, type, build date).
  const GeoIpInfo& geo = GeoIp::get().info();
  k.rules_version += "+geoip:" + geo.kind;
  if (!geo.type.empty() || !geo.date.empty()) k.rules_version += ":" + geo.type + ":" + geo.date;
  return k;
}

BatchSummary run_batch(const BatchOptions& o, const JudgeContext& ctx, std::ostream& progress,
                       const ProgressStyle& style) {
  auto t0 = Clock::now();
  Batch b(o, ctx);
  BatchSummary& s = b.s;
  auto mine_by_path = [&](const std::string& p) { return shard_of(string_sha256(p), o.shard.count) == o.shard.index; };
  for (const auto& e : o.input_errors) {
    if (!mine_by_path(e.path)) continue;
    ++s.inputs;
    b.unreadable(e.path, e.reason);
  }
  // Every input's digest is known before anything runs, or left to its worker: duplicates are found,
  // current results skipped, and the total is known up front. This is the batch's serial part, done
  // on as many threads as workers while the analyzer's data is loaded.
  // - An input whose file still has the identity it had when an earlier run hashed it is not read
  //   again: a daily re-run of a catalogue reads only what changed (device, inode, size and both
  //   times unchanged; core/file_identity.h says why that is enough, and why only a settled file
  //   counts).
  // - With --shard, an input's share comes first, from a key of 8 KiB of it (file_shard_key): a task
  //   reads whole only its own inputs.
  // - The others are read whole here only when their digest decides something before they run: the
  //   store already holds results under the current key (one may be this input's), another input
  //   has the same size (a duplicate), or the file is not settled (its identity could not show that
  //   the worker read the same bytes). Otherwise, as in a first scan of a catalogue, the worker takes
  //   the digest as it reads the file: each APK is read once, where a catalogue larger than memory
  //   was read from disk twice, and no worker waits for the whole catalogue to be hashed.
  struct Hashed {
    std::string sha, error;
    uint64_t size = 0;
    std::optional<FileIdentity> identity;
    bool known = false;  // digest from the store's input_digests, not read this run
    bool mine = true;    // in this shard (by its key; by its path when not even the key could be read)
    bool readable = false;  // opened, a regular file; `identity` then is its identity, settled or not
    bool deferred = false;  // its digest left to its worker (decided once, before any is hashed)
    std::optional<FileIdentity> key_identity;  // with --shard: settled while its key was read this run
    std::string key;
    bool key_known = false;  // the key from the store's input_shard_keys, not read this run
  };
  std::vector<Hashed> hashed(o.files.size());
  auto on_threads = [&](const std::function<void(size_t)>& each, bool with_warm_up) {
    std::atomic<size_t> next{0};
    auto some = [&] {
      for (size_t i; (i = next++) < hashed.size();) {
        try {
          each(i);
        } catch (const std::exception& e) {
          hashed[i].sha.clear();
          hashed[i].error = std::string("unreadable: ") + e.what();
        }
      }
    };
    // As many threads as workers (--jobs 1 keeps to one core). With the data to load, this thread
    // loads the rule data first and the next the libraries (on one thread, this one loads both).
    unsigned cores = o.jobs ? o.jobs : unsigned(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < std::min<size_t>(cores, o.files.size()); ++t) {
      bool libraries = with_warm_up && t == 1;
      threads.emplace_back([&some, libraries] {
        if (libraries) warm_up_libraries();
        some();
      });
    }
    if (with_warm_up) {
      if (threads.empty()) warm_up_libraries();
      warm_up_data();
    }
    some();
    for (auto& t : threads) t.join();  // no thread may be left when workers are forked
  };
  const std::unordered_map<std::string, Store::KnownDigest> known = b.store.known_digests();
  // With --shard, the key of an input unchanged since an earlier task on this machine read it is not
  // read again (the same rule as for digests): a re-run on a cluster opens only its own inputs.
  const std::unordered_map<std::string, Store::KnownDigest> known_keys =
      o.shard.count > 1 ? b.store.known_digests(Store::Known::shard_key) : decltype(known_keys){};
  // With no digest known (a first scan), every readable input is analysed or hashed: the data is
  // loaded at once, beside this first look at the inputs. Otherwise only once that look shows some
  // input's digest unknown, as below.
  const bool warm_now = known.empty() && !o.files.empty();
  on_threads(
      [&](size_t i) {
        Hashed& h = hashed[i];
        if (o.shard.count > 1) {
          if (known_keys.contains(o.files[i]))  // then only is the file's identity needed
            if (auto now = file_identity(o.files[i]))
              if (const std::string* key = known_for(known_keys, o.files[i], *now)) h.key = *key;
          h.key_known = !h.key.empty();
          if (!h.key_known) h.key = file_shard_key(o.files[i], h.error, &h.key_identity);
          h.mine = !h.key.empty() ? shard_of(h.key, o.shard.count) == o.shard.index : mine_by_path(o.files[i]);
          if (h.key.empty() || !h.mine) return;
        }
        std::optional<FileIdentity> now = readable_file_identity(o.files[i], h.error);
        if (!now) return;
        h.readable = true;
        h.size = now->size;
        h.identity = now;
        if (const std::string* sha = known_for(known, o.files[i], *now)) {
          h.sha = *sha;
          h.known = true;
        }
      },
      warm_now);
  // Only a result under the current key can make an input's analysis unnecessary (after a rule
  // change, none does), and none can with --rescan.
  const bool store_has_results = !o.rescan && b.store.has_results(o.key);
  std::unordered_map<uint64_t, size_t> inputs_of_size;
  for (const Hashed& h : hashed)
    if (h.mine && h.readable) ++inputs_of_size[h.size];
  // Decided here, from what phase one saw: hashing below changes `size` and `identity` (a file that
  // grew, or is not settled), so the decision must not be taken again from them.
  for (Hashed& h : hashed)
    h.deferred = h.mine && h.readable && !h.known && !store_has_results && inputs_of_size[h.size] == 1 &&
                 settled(*h.identity);
  // The analyzer's data (~16 ms) is loaded while the inputs are hashed, unless every input's digest
  // is known: then it is loaded only if one of them turns out stale.
  const bool may_analyse =
      std::any_of(hashed.begin(), hashed.end(), [](const Hashed& h) { return h.mine && h.readable && !h.known; });
  on_threads(
      [&](size_t i) {
        Hashed& h = hashed[i];
        if (!h.mine || !h.readable || h.known || h.deferred) return;
        h.identity.reset();  // file_sha256 sets it again if the file held still and is settled
        h.sha = file_sha256(o.files[i], h.size, h.error, &h.identity);
      },
      may_analyse && !warm_now);
  {
    // What this run read, for the next: a cache, so a store that refuses it (full disk) only costs a
    // re-read next time; the results' own writes report that failure. (Deferred inputs' digests are
    // stored with their results.)
    std::vector<Store::DigestRow> keys;
    for (size_t i = 0; i < hashed.size(); ++i) {
      if (hashed[i].key_identity) keys.push_back({o.files[i], to_string(*hashed[i].key_identity), hashed[i].key});
      if (hashed[i].key_known) ++s.shard_keys_known;
    }
    if (!keys.empty()) b.store.put_known_digests(keys, Store::Known::shard_key);
    std::vector<Store::DigestRow> learned;
    for (size_t i = 0; i < hashed.size(); ++i) {
      if (!hashed[i].known && hashed[i].identity && !hashed[i].sha.empty())
        learned.push_back({o.files[i], to_string(*hashed[i].identity), hashed[i].sha});
    }
    if (!learned.empty()) b.store.put_known_digests(learned);
  }
  std::vector<Job> deferred;
  std::map<std::string, Job> by_sha;
  std::vector<std::string> order;
  for (size_t i = 0; i < o.files.size(); ++i) {
    const std::string& f = o.files[i];
    uint64_t size = hashed[i].size;
    std::string& error = hashed[i].error;
    if (!hashed[i].mine) continue;
    if (hashed[i].deferred) {
      ++s.inputs;
      Job job;
      job.identity = hashed[i].identity;
      job.size = size;
      job.paths.push_back(f);
      job.deferred = true;
      deferred.push_back(std::move(job));
      continue;
    }
    std::string sha = std::move(hashed[i].sha);
    if (sha.empty()) {
      // Unreadable inputs are recorded by the shard that owns them: by their key when it could be read
      // (the whole file then failed, in this task), else by their path's hash.
      ++s.inputs;
      b.unreadable(f, error);
      continue;
    }
    ++s.inputs;
    if (hashed[i].known) ++s.inputs_known;
    auto [it, fresh] = by_sha.try_emplace(sha);
    if (fresh) {
      order.push_back(sha);
      it->second.sha256 = sha;
      it->second.identity = hashed[i].identity;
      it->second.size = size;
    } else {
      ++s.duplicates;
    }
    it->second.paths.push_back(f);
  }
  s.apks = order.size() + deferred.size();  // a deferred input's size is unique: its content too
  std::vector<Job> todo = std::move(deferred);
  for (const auto& sha : order) {
    Job& job = by_sha[sha];
    auto cur = b.store.current(sha);
    bool current = cur && cur->key == o.key && !o.rescan && !(o.retry_failed && cur->status == "failed");
    if (!current) {
      todo.push_back(std::move(job));
      continue;
    }
    ++s.skipped;
    if (cur->status != "ok") {
      ++(cur->status == "error" ? s.errors : s.worker_failed);
      b.note(job.paths.front(), "failed in an earlier run (--retry-failed to analyse it again)");
    }
    if (std::string why = b.store.add_paths(sha, job.paths); !why.empty()) {
      ++s.not_stored;
      b.note(job.paths.front(), "paths not stored: " + why);
    }
  }
  // Largest first: the APKs that take longest start early, and the batch ends on small ones instead of
  // one worker finishing a large APK while the others have nothing left (size is a fair proxy for time).
  std::stable_sort(todo.begin(), todo.end(), [](const Job& a, const Job& b) { return a.size > b.size; });
  if (!todo.empty() && !may_analyse && !warm_now) warm_up();  // before the workers are forked: they inherit it
  b.run(std::move(todo), progress, style);
  s.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return s;
}

void write_summary(std::ostream& out, const BatchSummary& s, const std::string& db_path) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", s.seconds);
  out << "batch: " << s.inputs << " inputs";
  if (s.inputs_known) out << " (" << s.inputs_known << " unchanged since an earlier run, not hashed again)";
  out << ", " << s.apks << " distinct APKs (" << s.duplicates << " duplicates); "
      << s.analysed << " analysed, " << s.skipped << " already current; " << s.failures() << " failed";
  if (s.failures()) {
    std::vector<std::string> parts;
    auto add = [&](size_t n, const char* what) {
      if (n) parts.push_back(std::to_string(n) + " " + what);
    };
    add(s.errors, "not readable as an app");
    add(s.crashed, "crashed");
    add(s.timed_out, "timed out");
    add(s.out_of_memory, "out of memory");
    add(s.worker_failed, "worker failed");
    add(s.unreadable, "unreadable input");
    add(s.not_stored, "not stored");
    out << " (";
    for (size_t i = 0; i < parts.size(); ++i) out << (i ? ", " : "") << parts[i];
    out << ")";
  }
  if (s.shard_keys_known) out << "; " << s.shard_keys_known << " shard keys unchanged since an earlier run, not read again";
  out << "; " << secs << " s; store " << db_path << "\n";
}

}  // namespace apkvet::catalogue
