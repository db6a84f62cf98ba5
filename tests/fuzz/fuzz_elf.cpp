// libFuzzer target for native libraries: our ELF pre-validation, then (when it passes) LIEF, the
// Capstone code scan, the emulated initialisers and JNI_OnLoad, and the classification around them,
// all in-process (the fork is what protects a real scan; here we want every crash in our code and
// every LIEF crash our validation should stop).
// Reproducers go to tests/fuzz/regressions/elf/ and are replayed by tests/native/regressions_test.cpp.
#include <cstddef>
#include <cstdint>

#include "elf/elf_layout.h"
#include "elf/elf_scan.h"
#include "native/native_facts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  apkvet::Bytes bytes(data, size);
  apkvet::ElfLayout layout = apkvet::read_elf_layout(bytes);
  if (layout.ok) {
    (void)apkvet::read_gnu_properties(bytes, layout);
    for (const auto& s : layout.segments) (void)layout.c_string(bytes, s.vaddr, 64);
  }
  apkvet::NativeOptions options;
  options.isolate = false;
  options.scan_elf = &apkvet::scan_elf;  // linked in, not the module: coverage of LIEF and Capstone
  options.scan.max_instructions = 200'000;
  options.scan.max_emulated_instructions = 20'000;  // the emulator runs too (elf/jni_emulation.cpp), briefly
  apkvet::AnomalySink sink;
  std::vector<apkvet::NativeString> strings;
  apkvet::NativeLibrary lib = apkvet::analyze_native_library(bytes, "lib/arm64-v8a/libfuzz.so", "arm64-v8a", sink,
                                                             options, &strings);
  apkvet::Json j = lib;
  (void)j.dump();
  return 0;
}
