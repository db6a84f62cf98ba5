// The forked worker turns a crash, a hang, a memory blow-up of the parser into an outcome, and a
// damaged ELF never stops the analysis. Also measures the cost of forking per library.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <new>
#include <thread>

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

// True while `pid` runs (a zombie waiting for its reaper counts as gone).
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

TEST_CASE("isolation: the worker dies with the process that forked it (a batch worker killed on its time limit)") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t middle = ::fork();
  REQUIRE(middle >= 0);
  if (middle == 0) {  // stands for a batch worker: it runs the native analysis in its own worker
    ::close(fds[0]);
    IsolationLimits limits;
    limits.cpu_seconds = 60;
    limits.wall_seconds = 60;
    run_in_worker([&]() -> std::vector<uint8_t> {
      pid_t me = ::getpid();
      (void)!::write(fds[1], &me, sizeof me);
      std::this_thread::sleep_for(std::chrono::seconds(60));
      return {};
    }, limits);
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
  CHECK(gone);
  if (!gone) ::kill(worker, SIGKILL);
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
  MESSAGE("per library: in-process " << in_process << " ms, one forked worker per library " << forked
                                     << " ms, fork overhead " << forked - in_process << " ms");
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
  MESSAGE("per APK (4 libraries): in-process " << app_in << " ms, batched forked worker " << app_forked << " ms");
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
