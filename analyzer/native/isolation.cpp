#include "native/isolation.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <new>

#include "core/fd_io.h"
#include "core/process_memory.h"

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

double cpu_seconds_used() {
  struct rusage u = {};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The first steps of a forked worker.
void become_worker(pid_t parent) {
  // Die with the process that forked us: a batch worker killed on its time limit must not leave
  // this worker parsing on until its own CPU limit. (The parent may already be gone: check after.)
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(kExitOrphan);
  // The host's handlers (a test framework's, a crash reporter's) must not run in the worker: a fault
  // here has to end the worker with its signal so the parent can tell what happened.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGXCPU, SIGTRAP, SIGSYS}) ::signal(sig, SIG_DFL);
  struct rlimit core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &core);
}

// CPU time is cumulative per process: each item gets its own budget on top of what was used.
void give_cpu_budget(const struct rlimit& hard, uint64_t seconds) {
  struct rlimit cpu = hard;
  cpu.rlim_cur = rlim_t(std::ceil(cpu_seconds_used())) + rlim_t(seconds);
  if (hard.rlim_max != RLIM_INFINITY && cpu.rlim_cur > hard.rlim_max) cpu.rlim_cur = hard.rlim_max;
  ::setrlimit(RLIMIT_CPU, &cpu);
}

// Runs one item: its bytes into `payload`, and the frame status (a throw is the item's outcome).
template <typename Job>
uint8_t run_item(Job&& job, std::vector<uint8_t>& payload) {
  try {
    payload = job();
    return kFrameOk;
  } catch (const std::bad_alloc&) {
    payload.clear();
    payload.shrink_to_fit();
    return kFrameOom;
  } catch (...) {
    payload.clear();
    return kFrameThrew;
  }
}

[[noreturn]] void child_main(int fd, pid_t parent, size_t first, size_t count,
                             const std::function<std::vector<uint8_t>(size_t)>& job, const IsolationLimits& limits) {
  become_worker(parent);
  if (!built_with_asan() && limits.memory_bytes) {
    uint64_t base = current_address_space();
    struct rlimit as = {rlim_t(base + limits.memory_bytes), rlim_t(base + limits.memory_bytes)};
    ::setrlimit(RLIMIT_AS, &as);
  }
  struct rlimit cpu_hard = {};
  ::getrlimit(RLIMIT_CPU, &cpu_hard);
  for (size_t i = first; i < count; ++i) {
    give_cpu_budget(cpu_hard, uint64_t(limits.cpu_seconds));
    std::vector<uint8_t> payload;
    uint8_t status = run_item([&] { return job(i); }, payload);
    uint64_t index = i, size = payload.size();
    if (!write_all(fd, &index, 8) || !write_all(fd, &status, 1) || !write_all(fd, &size, 8) ||
        !write_all(fd, payload.data(), payload.size()))
      ::_exit(kExitWrite);
  }
  ::close(fd);
  ::_exit(0);
}

// What IsolatedServer sends its worker per request, then `size` bytes; the worker answers with a
// ServerAnswer, then `size` bytes.
struct ServerRequest {
  uint64_t size;
  uint64_t cpu_seconds;
  uint64_t memory_bytes;
};
struct ServerAnswer {
  uint8_t status;         // kFrameOk, kFrameOom, kFrameThrew
  uint8_t unused[7];      // the padding, named so that every byte sent is set
  uint64_t peak_rss_kb;   // the worker's peak over this request
  uint64_t size;
};

[[noreturn]] void server_main(int fd, pid_t parent, IsolatedServer::Handler handle) {
  become_worker(parent);
  // Only its own socket: a descriptor the forking process holds, such as a batch worker's socket to
  // the batch, must close when that process exits, not when this worker does.
  if (fd > 3) ::syscall(SYS_close_range, 3u, unsigned(fd - 1), 0u);
  ::syscall(SYS_close_range, unsigned(fd + 1), ~0u, 0u);
  struct rlimit cpu_hard = {}, as_hard = {};
  ::getrlimit(RLIMIT_CPU, &cpu_hard);
  ::getrlimit(RLIMIT_AS, &as_hard);
  for (ServerRequest q; read_all(fd, &q, sizeof q);) {
    // Back to the ceiling the process started with before taking the request in, then the request's
    // own budgets on top of what is used now.
    ::setrlimit(RLIMIT_AS, &as_hard);
    std::vector<uint8_t> request(q.size);
    if (!read_all(fd, request.data(), request.size())) break;
    give_cpu_budget(cpu_hard, q.cpu_seconds);
    if (!built_with_asan() && q.memory_bytes) {
      struct rlimit as = as_hard;
      as.rlim_cur = rlim_t(current_address_space() + q.memory_bytes);
      if (as_hard.rlim_max != RLIM_INFINITY && as.rlim_cur > as_hard.rlim_max) as.rlim_cur = as_hard.rlim_max;
      ::setrlimit(RLIMIT_AS, &as);
    }
    reset_peak_rss();
    std::vector<uint8_t> payload;
    uint8_t status = run_item([&] { return handle(request); }, payload);
    ServerAnswer a{status, {}, peak_rss_kb(), payload.size()};
    if (!write_all(fd, &a, sizeof a) || !write_all(fd, payload.data(), payload.size())) ::_exit(kExitWrite);
  }
  ::_exit(0);  // retired: the socket was closed
}

// All of `n` bytes, or false (the worker is gone). MSG_NOSIGNAL: a worker that died must not take
// this process down with SIGPIPE.
bool send_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

std::atomic<uint64_t> reaped_peak_rss_kb{0};  // see take_reaped_workers_peak_rss_kb()

std::string describe_signal(int sig) { return std::to_string(sig) + " (" + ::strsignal(sig) + ")"; }

// Why a worker ended before it answered: the outcome of the item it was on.
void blame(WorkerResult& r, int status, bool killed, bool too_big, const IsolationLimits& limits) {
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
}

// The outcome of an item its worker answered: its bytes, or what the status frame says went wrong.
void take_answer(WorkerResult& r, uint8_t status, std::vector<uint8_t> payload, const IsolationLimits& limits) {
  if (status == kFrameOk) {
    r.outcome = WorkerOutcome::ok;
    r.payload = std::move(payload);
  } else if (status == kFrameOom) {
    r.outcome = WorkerOutcome::out_of_memory;
    r.detail = "worker ran out of memory (limit " + std::to_string(limits.memory_bytes >> 20) + " MiB)";
  } else {
    r.outcome = WorkerOutcome::failed;
    r.detail = "worker job threw";
  }
}

void note_peak_rss_kb(uint64_t kb) {
  for (uint64_t seen = reaped_peak_rss_kb; seen < kb;)
    if (reaped_peak_rss_kb.compare_exchange_weak(seen, kb)) break;
}

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
          const uint8_t* p = buf.data() + consumed + kFrameHeader;
          take_answer(results[index], status, status == kFrameOk ? std::vector<uint8_t>(p, p + size) : std::vector<uint8_t>{},
                      limits);
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
    note_peak_rss_kb(uint64_t(usage.ru_maxrss));
    if (next >= count) break;
    // The worker stopped before finishing item `next`: that item gets the blame.
    blame(results[next], status, killed, too_big, limits);
    ++next;
  }
  return results;
}

void IsolatedServer::forget_inherited() {
  if (pid_ <= 0 || ours()) return;
  ::close(fd_);
  pid_ = -1;
  fd_ = -1;
}

bool IsolatedServer::start() {
  forget_inherited();
  if (ours()) return true;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
  pid_t self = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::close(fds[0]);
    server_main(fds[1], self, handle_);
  }
  ::close(fds[1]);
  pid_ = pid;
  owner_ = self;
  fd_ = fds[0];
  served_ = 0;
  return true;
}

int IsolatedServer::reap() {
  ::close(fd_);
  int status = 0;
  struct rusage usage = {};
  while (::wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  note_peak_rss_kb(uint64_t(usage.ru_maxrss));
  pid_ = -1;
  fd_ = -1;
  return status;
}

void IsolatedServer::stop() {
  forget_inherited();
  if (!ours()) return;
  ::kill(pid_, SIGKILL);
  reap();
}

// The worker ended (or is ended here) before it answered: reaped, and the request it was on gets the blame.
void IsolatedServer::finish(WorkerResult& r, bool killed, bool too_big, const IsolationLimits& limits) {
  if (killed || too_big) ::kill(pid_, SIGKILL);
  blame(r, reap(), killed, too_big, limits);
}

std::vector<WorkerResult> IsolatedServer::run(const std::vector<std::vector<uint8_t>>& requests,
                                              const IsolationLimits& limits) {
  using clock = std::chrono::steady_clock;
  std::vector<WorkerResult> results(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    WorkerResult& r = results[i];
    if (ours() && served_ >= max_requests_) stop();
    if (!start()) {
      r.outcome = WorkerOutcome::failed;
      r.detail = std::string("cannot start the worker: ") + std::strerror(errno);
      continue;
    }
    ++served_;
    ServerRequest q{requests[i].size(), uint64_t(limits.cpu_seconds), limits.memory_bytes};
    if (!send_all(fd_, &q, sizeof q) || !send_all(fd_, requests[i].data(), requests[i].size())) {
      finish(r, false, false, limits);  // it died before taking the request in
      continue;
    }
    ServerAnswer a{};
    std::vector<uint8_t> answer;
    size_t have = 0;  // bytes of the answer header, then of the payload
    bool header = false, killed = false, too_big = false, ended = false;
    auto deadline = clock::now() + std::chrono::seconds(limits.wall_seconds);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (left <= 0) {
        killed = true;
        break;
      }
      struct pollfd p = {fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, int(std::min<long long>(left, 1000)));
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0) continue;
      uint8_t* into = header ? answer.data() + have : reinterpret_cast<uint8_t*>(&a) + have;
      size_t want = header ? answer.size() - have : sizeof a - have;
      ssize_t n = want ? ::read(fd_, into, want) : 0;
      if (n < 0 && errno == EINTR) continue;
      if (want && n <= 0) {
        ended = true;
        break;
      }
      have += size_t(n);
      if (!header && have == sizeof a) {
        if (a.size > limits.max_payload) {
          too_big = true;
          break;
        }
        header = true;
        have = 0;
        answer.resize(a.size);
      }
      if (header && have == answer.size()) break;
    }
    if (killed || too_big || ended) {
      finish(r, killed, too_big, limits);
      continue;
    }
    note_peak_rss_kb(a.peak_rss_kb);
    take_answer(r, a.status, std::move(answer), limits);
  }
  return results;
}

uint64_t take_reaped_workers_peak_rss_kb() { return reaped_peak_rss_kb.exchange(0); }

WorkerResult run_in_worker(const std::function<std::vector<uint8_t>()>& job, const IsolationLimits& limits) {
  return std::move(run_batch_in_worker(1, [&](size_t) { return job(); }, limits)[0]);
}

}  // namespace apkvet
