#include "native/isolation.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <new>

#include "core/fd_io.h"

namespace apkvet {

#if defined(__SANITIZE_ADDRESS__)
#define APKVET_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define APKVET_ASAN 1
#endif
#endif

bool built_with_asan() {
#ifdef APKVET_ASAN
  return true;
#else
  return false;
#endif
}

const char* to_string(WorkerOutcome o) {
  switch (o) {
    case WorkerOutcome::ok: return "ok";
    case WorkerOutcome::crashed: return "crashed";
    case WorkerOutcome::timed_out: return "timed_out";
    case WorkerOutcome::out_of_memory: return "out_of_memory";
    case WorkerOutcome::failed: return "failed";
  }
  return "failed";
}

namespace {

// One frame per item from the worker: index (u64), status (u8), payload size (u64), payload.
constexpr uint8_t kFrameOk = 'O', kFrameOom = 'M', kFrameThrew = 'T';
constexpr size_t kFrameHeader = 8 + 1 + 8;
constexpr int kExitWrite = 88;
constexpr int kExitOrphan = 89;

uint64_t current_address_space() {
  int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  return std::strtoull(buf, nullptr, 10) * uint64_t(::sysconf(_SC_PAGESIZE));
}

double cpu_seconds_used() {
  struct rusage u = {};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

[[noreturn]] void child_main(int fd, pid_t parent, size_t first, size_t count,
                             const std::function<std::vector<uint8_t>(size_t)>& job, const IsolationLimits& limits) {
  // Die with the process that forked us: a batch worker killed on its time limit must not leave
  // this worker parsing on until its own CPU limit. (The parent may already be gone: check after.)
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(kExitOrphan);
  // The host's handlers (a test framework's, a crash reporter's) must not run in the worker: a fault
  // here has to end the worker with its signal so the parent can tell what happened.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGXCPU, SIGTRAP, SIGSYS}) ::signal(sig, SIG_DFL);
  struct rlimit core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &core);
  if (!built_with_asan() && limits.memory_bytes) {
    uint64_t base = current_address_space();
    struct rlimit as = {rlim_t(base + limits.memory_bytes), rlim_t(base + limits.memory_bytes)};
    ::setrlimit(RLIMIT_AS, &as);
  }
  struct rlimit cpu_hard = {};
  ::getrlimit(RLIMIT_CPU, &cpu_hard);
  for (size_t i = first; i < count; ++i) {
    // CPU time is cumulative per process: each item gets its own budget on top of what was used.
    struct rlimit cpu = cpu_hard;
    cpu.rlim_cur = rlim_t(std::ceil(cpu_seconds_used())) + rlim_t(limits.cpu_seconds);
    if (cpu_hard.rlim_max != RLIM_INFINITY && cpu.rlim_cur > cpu_hard.rlim_max) cpu.rlim_cur = cpu_hard.rlim_max;
    ::setrlimit(RLIMIT_CPU, &cpu);
    std::vector<uint8_t> payload;
    uint8_t status = kFrameOk;
    try {
      payload = job(i);
    } catch (const std::bad_alloc&) {
      status = kFrameOom;
      payload.clear();
      payload.shrink_to_fit();
    } catch (...) {
      status = kFrameThrew;
      payload.clear();
    }
    uint64_t index = i, size = payload.size();
    if (!write_all(fd, &index, 8) || !write_all(fd, &status, 1) || !write_all(fd, &size, 8) ||
        !write_all(fd, payload.data(), payload.size()))
      ::_exit(kExitWrite);
  }
  ::close(fd);
  ::_exit(0);
}

std::atomic<uint64_t> reaped_peak_rss_kb{0};  // see take_reaped_workers_peak_rss_kb()

std::string describe_signal(int sig) { return std::to_string(sig) + " (" + ::strsignal(sig) + ")"; }

}  // namespace

std::vector<WorkerResult> run_batch_in_worker(size_t count, const std::function<std::vector<uint8_t>(size_t)>& job,
                                              const IsolationLimits& limits) {
  std::vector<WorkerResult> results(count);
  using clock = std::chrono::steady_clock;
  size_t next = 0;
  while (next < count) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      for (; next < count; ++next) results[next].detail = std::string("pipe: ") + std::strerror(errno);
      break;
    }
    pid_t self = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
      std::string why = std::string("fork: ") + std::strerror(errno);
      ::close(fds[0]);
      ::close(fds[1]);
      for (; next < count; ++next) results[next].detail = why;
      break;
    }
    if (pid == 0) {
      ::close(fds[0]);
      child_main(fds[1], self, next, count, job, limits);
    }
    ::close(fds[1]);

    std::vector<uint8_t> buf;
    size_t consumed = 0;
    bool killed = false, too_big = false;
    auto deadline = clock::now() + std::chrono::seconds(limits.wall_seconds);
    uint8_t chunk[65536];
    for (;;) {
      // Complete frames first: each one finishes an item and restarts the wall clock.
      while (buf.size() - consumed >= kFrameHeader) {
        uint64_t index, size;
        uint8_t status;
        std::memcpy(&index, buf.data() + consumed, 8);
        status = buf[consumed + 8];
        std::memcpy(&size, buf.data() + consumed + 9, 8);
        if (buf.size() - consumed - kFrameHeader < size) break;
        if (index == next && index < count) {
          WorkerResult& r = results[index];
          const uint8_t* p = buf.data() + consumed + kFrameHeader;
          if (status == kFrameOk) {
            r.outcome = WorkerOutcome::ok;
            r.payload.assign(p, p + size);
          } else if (status == kFrameOom) {
            r.outcome = WorkerOutcome::out_of_memory;
            r.detail = "worker ran out of memory (limit " + std::to_string(limits.memory_bytes >> 20) + " MiB)";
          } else {
            r.outcome = WorkerOutcome::failed;
            r.detail = "worker job threw";
          }
          ++next;
        }
        consumed += kFrameHeader + size;
        deadline = clock::now() + std::chrono::seconds(limits.wall_seconds);
      }
      if (consumed > (1u << 20) && consumed * 2 > buf.size()) {
        buf.erase(buf.begin(), buf.begin() + long(consumed));
        consumed = 0;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (left <= 0) {
        ::kill(pid, SIGKILL);
        killed = true;
        break;
      }
      struct pollfd p = {fds[0], POLLIN, 0};
      int rc = ::poll(&p, 1, int(std::min<long long>(left, 1000)));
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0) continue;
      ssize_t n = ::read(fds[0], chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EOF: the worker is done or dead
      if (buf.size() - consumed + size_t(n) > limits.max_payload + kFrameHeader) {
        ::kill(pid, SIGKILL);
        too_big = true;
        break;
      }
      buf.insert(buf.end(), chunk, chunk + n);
    }
    ::close(fds[0]);
    int status = 0;
    struct rusage usage = {};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    for (uint64_t seen = reaped_peak_rss_kb; seen < uint64_t(usage.ru_maxrss);)
      if (reaped_peak_rss_kb.compare_exchange_weak(seen, uint64_t(usage.ru_maxrss))) break;
    if (next >= count) break;
    // The worker stopped before finishing item `next`: that item gets the blame.
    WorkerResult& r = results[next];
    if (killed) {
      r.outcome = WorkerOutcome::timed_out;
      r.detail = "worker exceeded " + std::to_string(limits.wall_seconds) + " s wall-clock time";
    } else if (too_big) {
      r.outcome = WorkerOutcome::failed;
      r.detail = "worker result larger than the limit";
    } else if (WIFSIGNALED(status)) {
      r.signal = WTERMSIG(status);
      if (r.signal == SIGXCPU || r.signal == SIGKILL) {
        r.outcome = WorkerOutcome::timed_out;
        r.detail = "worker exceeded its CPU-time limit (" + std::to_string(limits.cpu_seconds) + " s)";
      } else {
        r.outcome = WorkerOutcome::crashed;
        r.detail = "worker killed by signal " + describe_signal(r.signal);
      }
    } else {
      // Under ASan a segfault is reported by the sanitizer and the worker exits non-zero.
      r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      r.outcome = WorkerOutcome::crashed;
      r.detail = "worker exited with code " + std::to_string(r.exit_code) + " before finishing";
    }
    ++next;
  }
  return results;
}

uint64_t take_reaped_workers_peak_rss_kb() { return reaped_peak_rss_kb.exchange(0); }

WorkerResult run_in_worker(const std::function<std::vector<uint8_t>()>& job, const IsolationLimits& limits) {
  return std::move(run_batch_in_worker(1, [&](size_t) { return job(); }, limits)[0]);
}

}  // namespace apkvet
