// Runs a JNI library's initialisers and JNI_OnLoad under Unicorn (arm64, and ARM/Thumb), as Android's
// loader and the runtime would, with a fake JavaVM and JNIEnv, and records what reading cannot see: the
// natives it registers, the classes and members it looks up, what it asks libc, strings it decodes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "elf/code_scan.h"
#include "elf/elf_layout.h"
#include "elf/elf_scan.h"

namespace apkvet {

// One dynamic relocation as the loader applies it.
struct EmulationReloc {
  uint64_t address = 0;
  uint32_t type = 0;
  std::string symbol;        // "" for RELATIVE
  uint64_t symbol_value = 0;  // when the library defines the symbol itself, else 0
  int64_t addend = 0;
  bool rela = false;          // REL keeps the addend in place
};

struct EmulationInput {
  Bytes file;
  const ElfLayout* layout = nullptr;
  std::vector<EmulationReloc> relocs;
  // .dynsym in table order (name, value; value 0 when undefined): packed relocations name symbols by index.
  std::vector<std::pair<std::string, uint64_t>> dynamic_symbols;
  const std::vector<CodeRange>* functions = nullptr;  // to name registered natives
  uint64_t jni_onload = 0;  // JNI_OnLoad's symbol value (ARM: Thumb bit set), 0 when not exported
};

// Whether emulate_library loads and runs this library: an arm64 or ARM library with a JNI_OnLoad
// (symbol value, 0 when none) or initialisers, and emulation on. What EmulationInput needs beyond the
// layout is only worth gathering then.
bool emulation_runs(const ElfLayout& layout, const ElfScanLimits& limits, uint64_t jni_onload);

// Loads the library at a fixed base, applies its relocations, runs DT_INIT, DT_INIT_ARRAY and
// JNI_OnLoad each within the instruction limit, and fills out.emulation. Never throws; a library
// the emulator cannot run gets status "skipped" with the reason, a fault "stopped" with where.
void emulate_library(const EmulationInput& in, const ElfScanLimits& limits, ElfScan& out);

}  // namespace apkvet
