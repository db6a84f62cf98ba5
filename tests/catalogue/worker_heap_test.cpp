// The batch workers' heap (catalogue/worker_heap.h): in a forked worker, memory comes from new
// mappings advised for transparent huge pages, not from the parent's pages.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catalogue/worker_heap.h"

extern "C" int mallctl(const char*, void*, size_t*, void*, size_t) __attribute__((weak));

namespace {

// The VmFlags line of the mapping of /proc/self/smaps that holds `address`, or "" if none does.
std::string vm_flags_of(const void* address) {
  auto a = reinterpret_cast<uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= a && a < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("a batch worker allocates from mappings of its own advised for huge pages") {
  if (!mallctl) {
    MESSAGE("skipped: this build's allocator is not jemalloc (sanitizers), the workers use the parent's heap");
    return;
  }
  apkvet::catalogue::prepare_worker_heap();
  // A block the size of an inflated DEX, allocated before the worker exists: from the parent's heap.
  std::vector<uint8_t> parents(4 << 20, 1);
  CHECK(vm_flags_of(parents.data()).find(" hg") == std::string::npos);

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!apkvet::catalogue::use_worker_heap()) ::_exit(1);
    std::vector<uint8_t> workers(4 << 20, 2);
    std::string flags = vm_flags_of(workers.data());
    if (flags.empty()) ::_exit(2);
    if (flags.find(" hg") == std::string::npos) ::_exit(3);  // not advised MADV_HUGEPAGE
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  // 1: could not bind to the arena; 2: the block is in no mapping; 3: the mapping is not advised.
  CHECK(WEXITSTATUS(status) == 0);
}
