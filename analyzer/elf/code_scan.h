// Capstone disassembly of one library's functions (arm64, ARM and Thumb, x86, x86_64) with a small
// constant tracker: calls to imports, direct syscalls with constant numbers, strings code refers to.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "elf/elf_layout.h"
#include "elf/elf_scan.h"

namespace apkvet {

// What a relocated word holds at load time: a symbol's address, or a known value (RELATIVE).
struct RelocTarget {
  std::string symbol;  // empty for a RELATIVE relocation
  uint64_t value = 0;  // RELATIVE: the relocated value
  bool has_value = false;
};

struct CodeRange {
  std::string name;
  uint64_t start = 0, end = 0;
  bool thumb = false;
};

struct CodeInput {
  Bytes file;
  const ElfLayout* layout = nullptr;
  std::unordered_map<uint64_t, RelocTarget> relocs;  // by relocated address
  uint64_t pltgot = 0;                               // DT_PLTGOT (x86 PIC stubs address the GOT via ebx)
  std::vector<CodeRange> functions;                  // sorted by start, non-overlapping
};

// Disassembles every range and appends functions with findings, syscalls and the instruction count
// to `out`. Never throws past its caller's guard (Capstone failures skip bytes).
void scan_code(const CodeInput& in, const ElfScanLimits& limits, ElfScan& out);

// Printable text (ASCII, tab/newline, UTF-8 bytes) of at least min_len bytes.
bool looks_like_text(std::string_view s, size_t min_len);


}  // namespace apkvet
