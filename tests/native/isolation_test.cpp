// The forked worker turns a crash, a hang, a memory blow-up of the parser into an outcome, and a
// damaged ELF never stops the analysis. Also measures the cost of forking per library.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <span>
#include <stdexcept>
#include <fstream>
#include <functional>
#include <new>
#include <thread>

#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elf/elf_layout.h"
#include "native_support.h"

using namespace apkvet;
using namespace apkvet::test;

TEST_CASE("isolation: a worker's result comes back") {
  WorkerResult r = run_in_worker([] { return std::vector<uint8_t>{1, 2, 3}; });
  CHECK(r.outcome == WorkerOutcome::ok);
  CHECK(r.payload == std::vector<uint8_t>{1, 2, 3});
}

TEST_CASE("isolation: a batch goes on after an item crashes or spins") {
  IsolationLimits limits;
  limits.cpu_seconds = 1;
  limits.wall_seconds = 300;
  auto r = run_batch_in_worker(5, [](size_t i) -> std::vector<uint8_t> {
    if (i == 1) std::raise(SIGSEGV);
    if (i == 3) {
      volatile uint64_t x = 0;
      for (;;) x = x + 1;
    }
    return {uint8_t(i)};
  }, limits);
  REQUIRE(r.size() == 5);
  CHECK(r[0].outcome == WorkerOutcome::ok);
  CHECK(r[0].payload == std::vector<uint8_t>{0});
  CHECK(r[1].outcome == WorkerOutcome::crashed);
  CHECK(r[2].outcome == WorkerOutcome::ok);
  CHECK(r[2].payload == std::vector<uint8_t>{2});
  CHECK(r[3].outcome == WorkerOutcome::timed_out);
  CHECK(r[4].outcome == WorkerOutcome::ok);
}

TEST_CASE("isolation: the peak memory of the workers reaped is kept until asked for, then reset") {
  take_reaped_workers_peak_rss_kb();
  WorkerResult r = run_in_worker([]() -> std::vector<uint8_t> {
    std::vector<uint8_t> touched(96 << 20, 1);  // 96 MiB resident in the worker, none in this process
    return {touched[touched.size() / 2]};
  });
  REQUIRE(r.outcome == WorkerOutcome::ok);
  uint64_t peak = take_reaped_workers_peak_rss_kb();
  CHECK(peak >= 96 * 1024);
  CHECK(take_reaped_workers_peak_rss_kb() == 0);
}

TEST_CASE("isolation: a segfault in the worker is a crash, not ours") {
  WorkerResult r = run_in_worker([]() -> std::vector<uint8_t> {
    std::raise(SIGSEGV);
    return {};
  });
  CHECK(r.outcome == WorkerOutcome::crashed);
  CHECK(r.signal == SIGSEGV);
}

TEST_CASE("isolation: a spinning worker hits the CPU limit") {
  IsolationLimits limits;
  limits.cpu_seconds = 1;
  limits.wall_seconds = 300;  // on a loaded machine one CPU second can take many wall seconds
  WorkerResult r = run_in_worker([]() -> std::vector<uint8_t> {
    volatile uint64_t x = 0;
    for (;;) x = x + 1;
  }, limits);
  CHECK(r.outcome == WorkerOutcome::timed_out);
  CHECK(r.detail.find("CPU") != std::string::npos);
}

TEST_CASE("isolation: a sleeping worker hits the wall-clock limit") {
  IsolationLimits limits;
  limits.wall_seconds = 1;
  WorkerResult r = run_in_worker([]() -> std::vector<uint8_t> {
    std::this_thread::sleep_for(std::chrono::seconds(30));
    return {};
  }, limits);
  CHECK(r.outcome == WorkerOutcome::timed_out);
}

// The fields of /proc/<pid>/stat after the command name (state, ppid, ...); "" if there is no such process.
std::string stat_fields(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return "";
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() ? line.substr(close + 2) : "";
}

// True while `pid` runs (a zombie waiting for its reaper counts as gone).
bool process_alive(pid_t pid) {
  std::string fields = stat_fields(pid);
  return !fields.empty() && fields[0] != 'Z';
}

// Forks a process standing for a batch worker, in which `start_worker` forks a worker and writes its
// pid to the descriptor given; then kills that middle process (as the batch does a worker on its time
// limit). True if the worker, running before, ended with it within 5 s (it is killed if not).
bool worker_dies_with_its_forker(const std::function<void(int)>& start_worker) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t middle = ::fork();
  REQUIRE(middle >= 0);
  if (middle == 0) {
    ::close(fds[0]);
    start_worker(fds[1]);
    std::this_thread::sleep_for(std::chrono::seconds(60));
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t worker = 0;
  REQUIRE(::read(fds[0], &worker, sizeof worker) == sizeof worker);
  ::close(fds[0]);
  CHECK(process_alive(worker));
  ::kill(middle, SIGKILL);
  int status = 0;
  ::waitpid(middle, &status, 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = !process_alive(worker);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!gone) ::kill(worker, SIGKILL);
  return gone;
}

TEST_CASE("isolation: the worker dies with the process that forked it (a batch worker killed on its time limit)") {
  CHECK(worker_dies_with_its_forker([](int fd) {
    IsolationLimits limits;
    limits.cpu_seconds = 60;
    limits.wall_seconds = 60;
    run_in_worker([&]() -> std::vector<uint8_t> {
      pid_t me = ::getpid();
      (void)!::write(fd, &me, sizeof me);
      std::this_thread::sleep_for(std::chrono::seconds(60));
      return {};
    }, limits);
  }));
}

// A request's first byte says what the server's worker does with it; the answer is the request with
// the worker's pid in front.
std::vector<uint8_t> test_request(std::span<const uint8_t> q) {
  switch (q.empty() ? 0 : q[0]) {
    case 'S': std::raise(SIGSEGV); break;
    case 'C': for (volatile uint64_t x = 0;;) x = x + 1;
    case 'W': std::this_thread::sleep_for(std::chrono::seconds(30)); break;
    case 'T': throw std::runtime_error("thrown");
    case 'O': throw std::bad_alloc();
    case 'M': {  // 96 MiB resident, then given back (mapped by hand: no allocator keeps it)
      size_t size = 96u << 20;
      void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      std::memset(p, 1, size);
      uint8_t middle = static_cast<uint8_t*>(p)[size / 2];
      ::munmap(p, size);
      return {middle};
    }
    case 'H': {  // more than the request's address-space budget
      std::vector<std::vector<uint8_t>> hog;
      for (int i = 0; i < 1000; ++i) hog.emplace_back(16u << 20, uint8_t(i));
      return {};
    }
  }
  pid_t me = ::getpid();
  std::vector<uint8_t> out(sizeof me + q.size());
  std::memcpy(out.data(), &me, sizeof me);
  if (!q.empty()) std::memcpy(out.data() + sizeof me, q.data(), q.size());
  return out;
}
pid_t answer_pid(const WorkerResult& r) {
  pid_t p = 0;
  if (r.payload.size() >= sizeof p) std::memcpy(&p, r.payload.data(), sizeof p);
  return p;
}
std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

TEST_CASE("isolation: a server's one worker answers request after request, run after run") {
  IsolatedServer server(test_request);
  auto first = server.run({bytes_of("a"), bytes_of("bc")});
  REQUIRE(first.size() == 2);
  REQUIRE(first[0].outcome == WorkerOutcome::ok);
  REQUIRE(first[1].outcome == WorkerOutcome::ok);
  pid_t worker = answer_pid(first[0]);
  CHECK(worker == server.pid());
  CHECK(worker != ::getpid());
  CHECK(answer_pid(first[1]) == worker);
  CHECK(std::string(first[1].payload.begin() + sizeof(pid_t), first[1].payload.end()) == "bc");
  auto second = server.run({{}, std::vector<uint8_t>(3 << 20, 'x')});  // empty, and larger than a socket buffer
  CHECK(answer_pid(second[0]) == worker);
  REQUIRE(second[1].outcome == WorkerOutcome::ok);
  CHECK(second[1].payload.size() == sizeof(pid_t) + (3u << 20));
  CHECK(answer_pid(second[1]) == worker);
}

TEST_CASE("isolation: a server goes on in a new worker after a request crashes, spins, hangs or throws") {
  IsolatedServer server(test_request);
  IsolationLimits limits;
  limits.cpu_seconds = 1;
  limits.wall_seconds = 300;  // the spin must meet the CPU limit, not this one
  auto r = server.run({bytes_of("a"), bytes_of("S"), bytes_of("b"), bytes_of("C"), bytes_of("T"), bytes_of("O"), bytes_of("c")},
                      limits);
  REQUIRE(r.size() == 7);
  CHECK(r[0].outcome == WorkerOutcome::ok);
  CHECK(r[1].outcome == WorkerOutcome::crashed);
  CHECK(r[1].signal == SIGSEGV);
  CHECK(r[2].outcome == WorkerOutcome::ok);
  CHECK(answer_pid(r[2]) != answer_pid(r[0]));  // a new worker after the crash
  CHECK(r[3].outcome == WorkerOutcome::timed_out);
  CHECK(r[3].detail.find("CPU") != std::string::npos);
  CHECK(r[4].outcome == WorkerOutcome::failed);  // a throw or a bad_alloc leaves the worker running
  CHECK(r[5].outcome == WorkerOutcome::out_of_memory);
  REQUIRE(r[6].outcome == WorkerOutcome::ok);
  CHECK(answer_pid(r[6]) != answer_pid(r[2]));
  CHECK(answer_pid(r[6]) == server.pid());

  limits.wall_seconds = 1;
  auto hung = server.run({bytes_of("W"), bytes_of("d")}, limits);
  CHECK(hung[0].outcome == WorkerOutcome::timed_out);
  CHECK(hung[0].detail.find("wall-clock") != std::string::npos);
  CHECK(hung[1].outcome == WorkerOutcome::ok);
}

TEST_CASE("isolation: a server's worker is replaced after its share of requests, and stop() ends it") {
  IsolatedServer server(test_request, 2);
  auto r = server.run({bytes_of("a"), bytes_of("b"), bytes_of("c")});
  CHECK(answer_pid(r[0]) == answer_pid(r[1]));
  CHECK(answer_pid(r[2]) != answer_pid(r[1]));
  pid_t worker = server.pid();
  server.stop();
  CHECK(server.pid() == -1);
  CHECK(::kill(worker, 0) != 0);  // reaped: no such process
}

TEST_CASE("isolation: a process forked from a server's owner starts a worker of its own, and leaves the owner's alone") {
  // As a batch worker forked from a process whose server had started: the inherited socket leads to
  // a worker that is not its child.
  IsolatedServer server(test_request);
  auto before = server.run({bytes_of("a")});
  REQUIRE(before[0].outcome == WorkerOutcome::ok);
  pid_t owners = answer_pid(before[0]);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    auto r = server.run({bytes_of("b")});
    pid_t answered = r[0].outcome == WorkerOutcome::ok ? answer_pid(r[0]) : -1;
    pid_t parent_of_it = -1;
    std::sscanf(stat_fields(answered).c_str(), "%*c %d", &parent_of_it);
    pid_t out[2] = {answered, parent_of_it == ::getpid() ? 1 : 0};
    (void)!::write(fds[1], out, sizeof out);
    server.stop();
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t got[2] = {0, 0};
  REQUIRE(::read(fds[0], got, sizeof got) == sizeof got);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(got[0] > 0);
  CHECK(got[0] != owners);
  CHECK(got[1] == 1);  // the child's own worker
  auto after = server.run({bytes_of("c")});
  REQUIRE(after[0].outcome == WorkerOutcome::ok);
  CHECK(answer_pid(after[0]) == owners);  // the owner's worker still serves it
}

TEST_CASE("isolation: a server's worker holds no descriptor of the process that forked it") {
  // A batch worker's socket to the batch must close when the batch worker exits: the server's worker,
  // forked from it, must not keep it open.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  IsolatedServer server(test_request);
  REQUIRE(server.start());
  ::close(fds[1]);
  struct pollfd p = {fds[0], POLLIN, 0};
  REQUIRE(::poll(&p, 1, 10'000) == 1);  // not blocked: no other holder of the write end
  char c;
  CHECK(::read(fds[0], &c, 1) == 0);
  ::close(fds[0]);
  CHECK(server.run({bytes_of("a")})[0].outcome == WorkerOutcome::ok);
}

TEST_CASE("isolation: a server's worker reports its peak memory per request, and has an address-space budget per request") {
  IsolatedServer server(test_request);
  take_reaped_workers_peak_rss_kb();
  auto r = server.run({bytes_of("M")});
  REQUIRE(r[0].outcome == WorkerOutcome::ok);
  CHECK(take_reaped_workers_peak_rss_kb() >= 96 * 1024);
  auto small = server.run({bytes_of("a")});
  CHECK(take_reaped_workers_peak_rss_kb() < 96 * 1024);  // reset per request, in the same worker
  CHECK(answer_pid(small[0]) == server.pid());
  if (built_with_asan()) return;
  IsolationLimits limits;
  limits.memory_bytes = 64ull << 20;
  auto hog = server.run({bytes_of("H"), bytes_of("H"), bytes_of("a")}, limits);
  CHECK(hog[0].outcome == WorkerOutcome::out_of_memory);
  CHECK(hog[1].outcome == WorkerOutcome::out_of_memory);  // the budget is on top of what is used now
  CHECK(hog[2].outcome == WorkerOutcome::ok);
}

TEST_CASE("isolation: a server's worker dies with the process that forked it, even in the middle of a request") {
  CHECK(worker_dies_with_its_forker([](int fd) {
    static IsolatedServer server(test_request);
    server.start();
    pid_t worker = server.pid();
    // Busy when its forker is killed (it would not see the socket close until the request ended): the
    // pid is handed over, and the forker killed, only once the request has had time to arrive.
    std::thread([fd, worker] {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      (void)!::write(fd, &worker, sizeof worker);
    }).detach();
    IsolationLimits limits;
    limits.wall_seconds = 60;
    server.run({bytes_of("W")}, limits);
  }));
}

TEST_CASE("isolation: a memory blow-up is out_of_memory (RLIMIT_AS, skipped under ASan)") {
  if (built_with_asan()) return;
  IsolationLimits limits;
  limits.memory_bytes = 64ull << 20;
  WorkerResult r = run_in_worker([]() -> std::vector<uint8_t> {
    std::vector<std::vector<uint8_t>> hog;
    for (int i = 0; i < 1000; ++i) hog.emplace_back(16u << 20, uint8_t(i));
    return {};
  }, limits);
  CHECK(r.outcome == WorkerOutcome::out_of_memory);
}

TEST_CASE("isolation: damaged ELF variants never stop the analysis") {
  std::ifstream in(fixture("native/so/vet/lib/arm64-v8a/libvet.so"), std::ios::binary);
  std::vector<uint8_t> good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(good.size() > 4096);
  std::vector<std::vector<uint8_t>> variants;
  variants.push_back({0x7f, 'E', 'L', 'F'});
  variants.push_back(std::vector<uint8_t>(good.begin(), good.begin() + 64));
  auto v = good;
  v[4] = 9;  // bad class
  variants.push_back(v);
  v = good;
  v[0x3c] = 0xff, v[0x3d] = 0x7f;  // e_shnum huge
  variants.push_back(v);
  v = good;
  for (size_t i = 0x28; i < 0x30; ++i) v[i] = 0xee;  // e_shoff far away
  variants.push_back(v);
  v = good;
  v[0x38] = 0xff;  // e_phnum 255: table runs past the end
  variants.push_back(v);
  v = good;
  for (size_t i = 0; i < 512; ++i) v[good.size() / 2 + i] ^= uint8_t(i * 37);  // scrambled middle
  variants.push_back(v);
  for (const auto& bytes : variants) {
    AnomalySink sink;
    NativeLibrary l = analyze_native_library(bytes, "lib/arm64-v8a/libdamaged.so", "arm64-v8a", sink, NativeOptions{});
    CHECK(!l.status.empty());
    CHECK((l.status == "analyzed" || !sink.all().empty()));
  }
}

TEST_CASE("isolation: stop_native_worker reaps the worker, so its CPU time counts in this process's children") {
  // A batch's CPU figures (time(1), tools/bench-batch.sh) see a worker's time only once it is reaped.
  std::ifstream in(fixture("native/so/vet/lib/arm64-v8a/libvet.so"), std::ios::binary);
  std::vector<uint8_t> lib((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto analyze = [&] {
    AnomalySink sink;
    REQUIRE(analyze_native_library(lib, "lib/arm64-v8a/libvet.so", "arm64-v8a", sink, NativeOptions{}).status == "analyzed");
  };
  analyze();  // the worker for the module's reader runs (a worker for another reader was reaped here)
  auto children_cpu = [] {
    struct rusage u = {};
    ::getrusage(RUSAGE_CHILDREN, &u);
    return u.ru_utime.tv_sec * 1000000L + u.ru_utime.tv_usec + u.ru_stime.tv_sec * 1000000L + u.ru_stime.tv_usec;
  };
  long before = children_cpu();
  for (int i = 0; i < 20; ++i) analyze();
  CHECK(children_cpu() == before);  // still running: not counted yet
  stop_native_worker();
  CHECK(children_cpu() > before);
  analyze();  // a new worker starts on demand
}

TEST_CASE("isolation: section headers damaged on purpose are dropped, the dynamic view still read") {
  std::ifstream in(fixture("native/so/vet/lib/arm64-v8a/libvet.so"), std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t i = 0x28; i < 0x30; ++i) bytes[i] = 0xee;  // e_shoff past the end
  AnomalySink sink;
  NativeLibrary l = analyze_native_library(bytes, "lib/arm64-v8a/libvet.so", "arm64-v8a", sink, NativeOptions{});
  CHECK(l.status == "analyzed");
  CHECK(sink.has("native.elf_bad_section_table"));
  CHECK(contains(l.needed, "libc.so"));
  CHECK(contains(l.imports, "socket"));
  CHECK(l.jni.onload);
}

TEST_CASE("isolation: fork cost per library versus in-process") {
  // Not an assertion on speed: prints both so the closing note can quote them.
  std::vector<std::vector<uint8_t>> libs;
  for (const char* so : {"native/so/vet/lib/arm64-v8a/libvet.so", "native/so/vet/lib/armeabi-v7a/libvet.so",
                         "native/so/packed/lib/x86_64/libvetpacked.so", "native/so/packed/lib/x86/libvetpacked.so"}) {
    std::ifstream in(fixture(so), std::ios::binary);
    libs.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  auto time = [&](bool isolate) {
    NativeOptions opt;
    opt.isolate = isolate;
    const int rounds = 20;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i)
      for (const auto& b : libs) {
        AnomalySink sink;
        NativeLibrary l = analyze_native_library(b, "lib/x/lib.so", "", sink, opt);
        REQUIRE(l.status == "analyzed");
      }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
           double(rounds * libs.size());
  };
  double in_process = time(false), forked = time(true);
  MESSAGE("per library: in-process " << in_process << " ms, in the isolated worker " << forked
                                     << " ms, isolation overhead " << forked - in_process << " ms");
  // The app path: all libraries of an APK in one worker (native-packed.apk: 4 ABIs).
  auto app_time = [&](bool isolate) {
    NativeOptions opt;
    opt.isolate = isolate;
    AppPackage app(fixture("native/native-packed.apk"));
    const int rounds = 20;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i) {
      AnomalySink sink;
      NativeFacts f = analyze_native(app, sink, opt);
      REQUIRE(f.libraries.size() == 4);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / rounds;
  };
  double app_in = app_time(false), app_forked = app_time(true);
  MESSAGE("per APK (4 libraries): in-process " << app_in << " ms, in the isolated worker " << app_forked << " ms");
  CHECK(forked > 0);
}

TEST_CASE("isolation: names that are not UTF-8 come out as valid JSON") {
  std::ifstream in(fixture("native/so/vet/lib/arm64-v8a/libvet.so"), std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string text(bytes.begin(), bytes.end());
  size_t patched = 0;
  for (std::string name : {"beacon_rodata", "libcrypto.so", "https://c2.rodata-endpoint.test"}) {
    for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
      bytes[at + 1] = 0xff;  // never valid in UTF-8
      bytes[at + 2] = 0x01;  // a control character
      ++patched;
    }
  }
  REQUIRE(patched >= 3);
  for (bool isolate : {true, false}) {
    AnomalySink sink;
    NativeOptions opt;
    opt.isolate = isolate;
    std::vector<NativeString> strings;
    NativeLibrary l = analyze_native_library(bytes, "lib/arm64-v8a/libvet.so", "arm64-v8a", sink, opt, &strings);
    CHECK(l.status == "analyzed");
    Json j = l;
    CHECK_NOTHROW((void)j.dump());
    for (const auto& s : strings) CHECK_NOTHROW((void)Json(s.value).dump());
    bool cleaned = false;
    for (const auto& e : l.exports)
      if (e.find("\xef\xbf\xbd") != std::string::npos) cleaned = true;
    CHECK(cleaned);
  }
}
