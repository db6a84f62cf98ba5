// This process's memory as the kernel counts it (/proc/self): what the batch records per APK, and the
// base a forked worker's address-space limit is added to.
#pragma once
#include <cstdint>

namespace apkvet {

// Resets this process's peak resident set (VmHWM) to its current resident set (/proc/self/clear_refs).
void reset_peak_rss();
// The peak resident set in KiB since reset_peak_rss() (where it cannot be reset, since the process
// started), or 0 if it cannot be read.
uint64_t peak_rss_kb();
// The address space mapped now, in bytes (/proc/self/statm), or 0 if it cannot be read.
uint64_t current_address_space();

}  // namespace apkvet
