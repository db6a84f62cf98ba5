// Runs a parse in a forked worker process with CPU-time and memory limits, so that a crash, hang or
// memory blow-up of a third-party parser (LIEF 0.9 segfaults on some input) ends only that worker.
#pragma once
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace apkvet {

struct IsolationLimits {
  int cpu_seconds = 20;               // RLIMIT_CPU in the worker (SIGXCPU, then SIGKILL)
  int wall_seconds = 40;              // the parent kills the worker after this
  // Address space the worker may add (RLIMIT_AS; none under ASan): 1 GiB for parsing, plus the 1.25 GiB
  // the emulator reserves but barely touches (Unicorn's translation buffer, elf/jni_emulation.cpp).
  uint64_t memory_bytes = (1ull << 30) + (5ull << 28);
  uint64_t max_payload = 256ull << 20;
};

enum class WorkerOutcome { ok, crashed, timed_out, out_of_memory, failed };
const char* to_string(WorkerOutcome o);

struct WorkerResult {
  WorkerOutcome outcome = WorkerOutcome::failed;
  int signal = 0;       // the signal that ended the worker, if any
  int exit_code = 0;
  std::string detail;   // one line for the anomaly
  std::vector<uint8_t> payload;
};

// Forks; the child runs `job` and sends its bytes back over a pipe, then _exits. `job` may throw:
// std::bad_alloc becomes out_of_memory, anything else `failed`. When fork itself fails, the result
// is `failed` with the reason (the caller decides whether to fall back to in-process).
WorkerResult run_in_worker(const std::function<std::vector<uint8_t>()>& job, const IsolationLimits& limits = {});

// Runs job(0..count-1) in one forked worker, one item after the other, with the CPU and wall-clock
// limits applied per item and the memory limit to the worker. When an item crashes, hangs or blows up,
// that item gets the outcome and a fresh worker goes on with the next one: the fork cost is paid once
// per batch (plus once per failed item), not once per item.
std::vector<WorkerResult> run_batch_in_worker(size_t count, const std::function<std::vector<uint8_t>(size_t)>& job,
                                              const IsolationLimits& limits = {});

// A worker that stays: forked once, it answers requests one after the other until it is retired,
// fails, or the process that forked it ends. For parses that run for every APK of a batch: forking a
// worker per APK had cost more than the parse of a small library (the fork copies this process's page
// tables, and afterwards every page either process writes first takes a copy-on-write fault: half of a
// corpus batch's page faults), and a worker forked while this process is small costs little.
//
// Requests and answers are bytes (the worker is a fork, not a closure over the caller's data):
// `handle` is a plain function, the same code in the fork. Limits as run_batch_in_worker's, per
// request: CPU time and the address space the request may add. A request that crashes, hangs or
// blows up gets that outcome, and the next one starts a new worker.
class IsolatedServer {
 public:
  using Handler = std::vector<uint8_t> (*)(std::span<const uint8_t> request);
  // A worker serves at most `max_requests`, then a new one takes over (whatever a parser leaks or
  // fragments does not pile up).
  explicit IsolatedServer(Handler handle, size_t max_requests = 2000) : handle_(handle), max_requests_(max_requests) {}
  ~IsolatedServer() { stop(); }
  IsolatedServer(const IsolatedServer&) = delete;
  IsolatedServer& operator=(const IsolatedServer&) = delete;

  // Forks the worker now, if none runs: a batch worker starts it before its first APK, while small.
  bool start();
  std::vector<WorkerResult> run(const std::vector<std::vector<uint8_t>>& requests, const IsolationLimits& limits = {});
  void stop();  // kills and reaps the worker, if one runs
  pid_t pid() const { return pid_; }

 private:
  void finish(WorkerResult& r, bool killed, bool too_big, const IsolationLimits& limits);
  int reap();  // closes the socket, waits for the worker, notes its peak; its wait status
  // A worker forked by another process (this one's parent, before it forked this one) is not ours:
  // forgotten, not used (its socket is shared with that process) nor killed.
  bool ours() const { return pid_ > 0 && owner_ == ::getpid(); }
  void forget_inherited();

  Handler handle_;
  size_t max_requests_;
  pid_t pid_ = -1;
  pid_t owner_ = -1;  // the process that forked the worker
  int fd_ = -1;
  size_t served_ = 0;
};

// The largest peak resident set (KiB) of any worker the functions above reaped since the last call,
// and resets it to 0 (an IsolatedServer's worker: its peak over each request, as it reports it). A
// batch worker that analyses many APKs in turn asks after each one: its own peak (VmHWM, reset per
// APK) does not include the parse workers it forks.
uint64_t take_reaped_workers_peak_rss_kb();

// True in an AddressSanitizer build, where RLIMIT_AS cannot be used (ASan reserves terabytes).
bool built_with_asan();

}  // namespace apkvet
