// What one ELF file yields when read with our own validation, LIEF and Capstone: the raw result
// that a (forked) worker sends back, before any classification. Plain data, serializable to CBOR
// (native/elf_module.h). This folder is built as the module the analyzer loads on first use.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_reader.h"

namespace apkvet {

// Bounds for one library, so a hostile file cannot make the analysis unbounded.
struct ElfScanLimits {
  uint64_t max_instructions = 6'000'000;  // over all functions of one library
  size_t max_functions = 50'000;           // functions kept in the result (those with any finding)
  size_t max_strings_per_function = 48;
  size_t max_calls_per_function = 64;
  size_t max_rodata_strings = 20'000;
  size_t max_rodata_bytes = 2u << 20;
  size_t max_symbols = 200'000;            // per import/export list
  size_t min_string_length = 5;
  // Emulation of the initialisers and JNI_OnLoad (jni_emulation.h), arm64 and ARM only.
  bool emulate = true;
  uint64_t max_emulated_instructions = 2'000'000;  // per entry point run
  uint64_t max_emulation_micros = 2'000'000;        // wall clock over all entry points of one library
  size_t max_emulation_records = 2'000;             // per list in ElfEmulation
};

struct ElfStringRef {
  std::string value;
  uint64_t address = 0;  // the instruction that referenced it (or the string's own address)
  bool on_stack = false;  // assembled from immediate stores to the stack
};

struct ElfCall {
  std::string callee;                // imported symbol name, or "syscall:<nr>" for svc/syscall
  std::vector<std::string> args;     // string-literal arguments seen in argument registers
  uint64_t address = 0;
};

struct ElfFunction {
  std::string name;  // symbol name or "sub_<hex address>"
  uint64_t address = 0;
  uint64_t size = 0;
  std::vector<ElfCall> calls;          // imports called (deduplicated by callee) and direct syscalls
  std::vector<ElfStringRef> strings;   // strings referenced by code, in order of first reference
  std::vector<uint64_t> local_calls;   // direct calls to other functions of this library
  bool register_natives = false;       // an indirect call through JNIEnv slot 215 (RegisterNatives)
};

struct ElfSyscall {
  int64_t number = -1;  // -1 when not a constant
  uint64_t address = 0;
  std::string function;
};

struct ElfRodataString {
  std::string value;
  uint64_t offset = 0;  // file offset
};

// What running the library's initialisers and JNI_OnLoad under an emulator showed (jni_emulation.h).
struct ElfJniRegistration {  // one JNINativeMethod given to RegisterNatives
  std::string java_class;    // as given to FindClass ("a/b/C"), "" when the class handle is unknown
  std::string name, signature;
  uint64_t address = 0;      // the native function (Thumb bit cleared)
  std::string function;      // its symbol, or "sub_<hex>"
};

struct ElfJniLookup {        // FindClass, Get[Static]MethodID, Get[Static]FieldID
  std::string call;
  std::string java_class, name, signature;
};

struct ElfDecodedString {
  std::string value;
  uint64_t address = 0;  // virtual address in the library's image; 0 on the heap (heap true)
  bool heap = false;
};

struct ElfEmulation {
  std::string status;        // "" not run; completed, stopped, skipped
  std::string detail;        // why stopped or skipped: the fault, the limit, the unsupported case
  std::vector<std::string> ran;  // entry points run, in order ("init_array[0]", "JNI_OnLoad")
  uint64_t instructions = 0;
  std::vector<ElfJniRegistration> registered;
  std::vector<ElfJniLookup> lookups;
  std::vector<ElfCall> calls;          // imports called, with their string arguments (address: the caller)
  std::vector<std::string> java_strings;  // NewStringUTF arguments
  std::vector<ElfDecodedString> decoded_strings;  // text in memory after the run that the file does not contain
  bool truncated = false;              // a list reached max_emulation_records
};

struct ElfScan {
  // Outcome of our own validation and of the parse.
  bool valid = false;           // passed pre-validation
  bool parsed = false;          // LIEF parse succeeded
  std::string error;            // why not (empty when parsed)
  std::vector<std::string> warnings;  // "id|message" pairs of tolerated damage (become anomalies)

  // Header.
  int elf_class = 0;  // 32 or 64
  uint16_t machine = 0;
  std::string arch;   // arm64, arm, x86, x86_64, mips, mips64, riscv64, other
  uint16_t type = 0;  // ET_*
  uint64_t entry = 0;

  // Dynamic section.
  std::string soname;
  std::vector<std::string> needed;
  std::vector<std::string> rpath, runpath;
  uint64_t dt_flags = 0, dt_flags_1 = 0;
  bool dt_bind_now = false, dt_textrel = false;
  bool android_packed_relocs = false, relr = false;

  // Segments and sections.
  bool has_gnu_stack = false, stack_exec = false, has_relro = false, has_interp = false;
  bool has_symtab = false;  // not stripped
  bool has_debug_info = false;
  bool bti = false, pac = false;  // GNU property note (AArch64 feature 1 and)
  std::vector<std::string> sections;

  // Symbols (deduplicated, sorted).
  std::vector<std::string> imports, exports;
  size_t imports_total = 0, exports_total = 0;  // before truncation to the limits

  // Code.
  std::vector<ElfFunction> functions;  // only those with calls, strings, syscalls or JNI slots
  std::vector<ElfSyscall> syscalls;
  uint64_t instructions = 0;
  bool code_truncated = false;
  std::vector<ElfRodataString> rodata_strings;
  bool rodata_truncated = false;

  ElfEmulation emulation;
};

// Reads one ELF in this process: validation, then LIEF, then Capstone. Never throws; a failure
// is in `error`. Must only see bytes that may crash LIEF inside an isolated worker (see isolation.h).
ElfScan scan_elf(Bytes data, const ElfScanLimits& limits = {});
using ScanElfFunction = ElfScan (*)(Bytes data, const ElfScanLimits& limits);

}  // namespace apkvet
