// The ELF reader (analyzer/elf: our validation, LIEF and Capstone) is a module, libapkvet-elf.so,
// loaded on first use instead of linked into apkvet: LIEF's static initialisers (its PE ordinal
// tables: ~5 million instructions at start-up and again at exit) and the dynamic linking of LIEF
// and Capstone cost every apkvet process ~3 ms, though only an APK with native libraries needs
// them. A process loads the module before it forks its parser workers (analyze_native, and a batch
// once before its first worker), so no worker pays for it.
#pragma once
#include <cstdint>
#include <vector>

#include "elf/elf_scan.h"

namespace apkvet {

// Loads the module once per process (thread-safe) and returns its scan_elf. It is looked for at
// $APKVET_ELF_MODULE when set, else beside the running executable, then where this build put it.
// Throws std::runtime_error naming the file and the reason when it cannot be loaded or comes from
// another build.
ScanElfFunction elf_module_scanner();

// The worker wire format (CBOR) and back.
std::vector<uint8_t> serialize_elf_scan(const ElfScan& scan);
ElfScan deserialize_elf_scan(Bytes bytes);  // throws std::exception on malformed input

}  // namespace apkvet
