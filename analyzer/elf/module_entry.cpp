// The entry point of the module build of this folder (libapkvet-elf.so, loaded by
// native/elf_module.cpp). Only this symbol is exported; LIEF and Capstone stay inside the module.
#include <cstddef>
#include <cstring>

#include "elf/elf_scan.h"
#include "version.h"

// Returns scan_elf when the caller was built from the same version with the same layout of the
// structures that cross the boundary, else nullptr (a module from another build must not be used).
extern "C" __attribute__((visibility("default"))) apkvet::ScanElfFunction apkvet_elf_module_scanner(
    const char* version, size_t scan_size, size_t limits_size) {
  if (std::strcmp(version, APKVET_VERSION) != 0 || scan_size != sizeof(apkvet::ElfScan) ||
      limits_size != sizeof(apkvet::ElfScanLimits))
    return nullptr;
  return &apkvet::scan_elf;
}
