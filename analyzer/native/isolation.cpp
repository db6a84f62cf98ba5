#include "native/isolation.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <new>

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

constexpr int kExitOom = 86, kExitThrew = 87, kExitWrite = 88;

bool write_all(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n) {
    ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w, n -= size_t(w);
  }
  return true;
}

uint64_t current_address_space() {
  int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  return std::strtoull(buf, nullptr, 10) * uint64_t(::sysconf(_SC_PAGESIZE));
}

[[noreturn]] void child_main(int fd, const std::function<std::vector<uint8_t>()>& job, const IsolationLimits& limits) {
  // The host's handlers (a test framework's, a crash reporter's) must not run in the worker: a fault
  // here has to end the worker with its signal so the parent can tell what happened.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGXCPU, SIGTRAP, SIGSYS}) ::signal(sig, SIG_DFL);
  struct rlimit core = {0, 0};
  ::setrlimit(RLIMIT_CORE, &core);
  struct rlimit cpu = {rlim_t(limits.cpu_seconds), rlim_t(limits.cpu_seconds + 1)};
  ::setrlimit(RLIMIT_CPU, &cpu);
  if (!built_with_asan() && limits.memory_bytes) {
    uint64_t base = current_address_space();
    struct rlimit as = {rlim_t(base + limits.memory_bytes), rlim_t(base + limits.memory_bytes)};
    ::setrlimit(RLIMIT_AS, &as);
  }
  std::vector<uint8_t> payload;
  try {
    payload = job();
  } catch (const std::bad_alloc&) {
    ::_exit(kExitOom);
  } catch (...) {
    ::_exit(kExitThrew);
  }
  uint64_t size = payload.size();
  if (!write_all(fd, &size, sizeof size) || !write_all(fd, payload.data(), payload.size())) ::_exit(kExitWrite);
  ::close(fd);
  ::_exit(0);
}

}  // namespace

WorkerResult run_in_worker(const std::function<std::vector<uint8_t>()>& job, const IsolationLimits& limits) {
  WorkerResult r;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    r.detail = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    r.detail = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return r;
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_main(fds[1], job, limits);
  }
  ::close(fds[1]);

  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(limits.wall_seconds);
  std::vector<uint8_t> buf;
  bool killed = false, too_big = false;
  uint8_t chunk[65536];
  for (;;) {
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
    if (buf.size() + size_t(n) > limits.max_payload + sizeof(uint64_t)) {
      ::kill(pid, SIGKILL);
      too_big = true;
      break;
    }
    buf.insert(buf.end(), chunk, chunk + n);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  if (killed) {
    r.outcome = WorkerOutcome::timed_out;
    r.detail = "worker exceeded " + std::to_string(limits.wall_seconds) + " s wall-clock time";
    return r;
  }
  if (too_big) {
    r.outcome = WorkerOutcome::failed;
    r.detail = "worker result larger than the limit";
    return r;
  }
  if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
    if (r.signal == SIGXCPU || r.signal == SIGKILL) {
      r.outcome = WorkerOutcome::timed_out;
      r.detail = "worker exceeded its CPU-time limit (" + std::to_string(limits.cpu_seconds) + " s)";
    } else {
      r.outcome = WorkerOutcome::crashed;
      r.detail = std::string("worker killed by signal ") + std::to_string(r.signal) + " (" + ::strsignal(r.signal) + ")";
    }
    return r;
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (r.exit_code == kExitOom) {
    r.outcome = WorkerOutcome::out_of_memory;
    r.detail = "worker ran out of memory (limit " + std::to_string(limits.memory_bytes >> 20) + " MiB)";
    return r;
  }
  if (r.exit_code != 0) {
    // Under ASan a segfault is reported by the sanitizer and the worker exits non-zero.
    r.outcome = r.exit_code == kExitThrew ? WorkerOutcome::failed : WorkerOutcome::crashed;
    r.detail = "worker exited with code " + std::to_string(r.exit_code);
    return r;
  }
  uint64_t size = 0;
  if (buf.size() < sizeof size) {
    r.detail = "worker sent no result";
    return r;
  }
  std::memcpy(&size, buf.data(), sizeof size);
  if (size != buf.size() - sizeof size) {
    r.detail = "worker result truncated";
    return r;
  }
  r.payload.assign(buf.begin() + sizeof size, buf.end());
  r.outcome = WorkerOutcome::ok;
  return r;
}

}  // namespace apkvet
