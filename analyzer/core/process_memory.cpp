#include "core/process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace apkvet {

void reset_peak_rss() {
  int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  [[maybe_unused]] ssize_t w = ::write(fd, "5", 1);  // 5: reset the peak to the current resident set
  ::close(fd);
}

uint64_t peak_rss_kb() {
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char* hwm = std::strstr(buf, "VmHWM:");
  return hwm ? std::strtoull(hwm + 6, nullptr, 10) : 0;
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

}  // namespace apkvet
