// Facts about the app's native libraries (ELF) of every ABI: identity, symbols, JNI surface,
// hardening, capabilities from imports and from code, syscalls, strings, frameworks and packers.
// Each library is read in an isolated worker process (isolation.h, IsolatedServer), so a parser crash
// is an anomaly, not an exit.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "facts/evidence.h"
#include "elf/elf_scan.h"
#include "native/isolation.h"

namespace apkvet {

struct NativeJniMethod {
  std::string symbol;
  std::string java_class;  // dotted
  std::string method;
  std::string signature;   // "(II)" for an overloaded export, else ""
};

struct NativeJni {
  bool onload = false, onunload = false;
  bool register_natives = false;                   // code calls JNIEnv->RegisterNatives
  std::vector<std::string> register_natives_in;    // functions that do
  std::vector<NativeJniMethod> methods;            // Java_* exports
};

struct NativeHardening {
  bool nx = false;               // PT_GNU_STACK present and not executable
  std::string relro = "none";    // none, partial, full (GNU_RELRO + BIND_NOW / DF_BIND_NOW / DF_1_NOW)
  bool bind_now = false;
  bool canary = false;           // imports __stack_chk_fail
  bool fortify = false;          // imports __*_chk
  std::vector<std::string> fortified;
  bool position_independent = false;  // ET_DYN
  bool pie = false;              // DF_1_PIE
  bool textrel = false;
  std::vector<std::string> rpath, runpath;
  bool stripped = false;         // no .symtab
  bool debug_info = false;
  std::optional<bool> bti, pac;  // arm64 only: GNU property note
  bool android_packed_relocs = false, relr = false;
};

struct NativeCapability {
  std::string name;                   // network, file, proc_access, exec, dynamic_loading, anti_debug, crypto, ...
  std::vector<std::string> via;       // "import socket", "syscall socket", "string /proc/self/status"
  std::vector<std::string> functions; // functions where code shows it
};

struct NativeFunction {
  std::string name;
  uint64_t address = 0;
  std::vector<std::string> capabilities;  // shown by its own code
  std::vector<std::string> reaches;       // network/exec reached directly or through local calls
  std::vector<std::string> calls;         // imports and syscalls called
  std::vector<std::string> strings;       // strings it references (bounded)
};

struct NativeSyscall {
  int64_t number = -1;
  std::string name;      // from the ABI's syscall table, "" when unknown
  std::string function;
  uint64_t address = 0;
};

struct NativeLibrary {
  std::string file;        // evidence path, e.g. "lib/arm64-v8a/libfoo.so"
  std::string abi;         // the lib/<abi>/ folder, "" for an ELF hidden elsewhere
  bool hidden = false;     // not under lib/<abi>/*.so
  std::string status;      // analyzed, not_elf, invalid_elf, parse_failed, worker_crashed, worker_timeout,
                           // worker_out_of_memory, unreadable, too_large, reader_unavailable
  std::string error;
  uint64_t size = 0;
  std::string arch;        // arm64, arm, x86, x86_64, mips, ...
  int bits = 0;
  std::string soname;
  std::vector<std::string> needed;
  std::vector<std::string> imports, exports;  // deduplicated, sorted, bounded
  size_t imports_total = 0, exports_total = 0;
  NativeJni jni;
  NativeHardening hardening;
  std::vector<NativeCapability> capabilities;
  std::vector<NativeSyscall> syscalls;
  std::vector<NativeFunction> functions;   // functions with capabilities, or reaching network/exec
  std::vector<std::string> dlopen_names, dlsym_names;
  std::vector<std::string> frameworks, packers;
  uint64_t instructions = 0;
  bool code_truncated = false;
  size_t strings_count = 0;
  // The initialisers and JNI_OnLoad run under the emulator (elf/jni_emulation.h); status "" when not run.
  ElfEmulation emulation;
  std::string emulated_copy;  // an armeabi(-v7a) library: its arm64-v8a copy, emulated in its place
};

// A string seen in native code, for the app's string pool (endpoints, secrets).
struct NativeString {
  std::string value;
  Evidence evidence;  // location "function X", "function X (stack)" or "offset 0x..."
};

struct NativeIdentification {
  std::string name;
  Evidence evidence;
};

// A Java API native code looked up through JNI that the sensitive-API or permission maps know
// (filled by scan/native_java_apis.h once both analyses ran).
struct NativeJavaApi {
  std::string library;     // evidence path of the library
  std::string call;        // GetMethodID, GetStaticMethodID, GetFieldID, GetStaticFieldID
  std::string descriptor;  // "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
  std::vector<std::string> categories;   // data categories (sensitive_apis.json)
  std::vector<std::string> permissions;  // permissions the API needs (api_permissions.json)
};

// A native method the DEX declares and what implements it (filled by scan/jni_bindings.h).
struct JavaNativeImplementation {
  std::string library;   // evidence path
  std::string function;  // the export's symbol, or the registered function's name
  std::string how;       // "export" (Java_ name) or "RegisterNatives" (seen under the emulator)
};
struct JavaNativeMethod {
  std::string method;  // "Lcom/a/B;->m(I)V"
  std::string status;  // bound; unbound (no library implements it); unknown (a JNI_OnLoad was not seen to its end)
  std::vector<JavaNativeImplementation> implemented_by;
  Evidence evidence;   // the DEX file declaring it
};

struct NativeFacts {
  bool analyzed = false;
  std::vector<NativeLibrary> libraries;  // sorted by file
  std::vector<std::string> abis;
  std::vector<NativeIdentification> frameworks, packers;
  std::vector<std::string> capabilities;  // union over libraries
  std::vector<NativeString> strings;      // bounded: see NativeOptions::max_strings
  bool strings_truncated = false;
  std::vector<NativeJavaApi> java_apis;   // sorted by library, descriptor
  std::vector<JavaNativeMethod> java_natives;  // sorted by method
  size_t java_natives_unbound = 0;
};
void to_json(Json& j, const NativeFacts& f);
void to_json(Json& j, const NativeLibrary& l);

struct NativeOptions {
  bool isolate = true;            // parse the libraries in a forked worker (start_native_worker)
  IsolationLimits isolation;
  ElfScanLimits scan;
  uint64_t max_library_size = 512ull << 20;
  size_t max_libraries = 1024;
  size_t max_strings = 100'000;  // app-wide string pool
  size_t max_functions_reported = 300;  // per library
  // The ELF reader; nullptr: the module (native/elf_module.h). Tests and fuzzing that link
  // analyzer/elf pass apkvet::scan_elf to read in their own process.
  ScanElfFunction scan_elf = nullptr;
};

NativeFacts analyze_native(const AppPackage& app, AnomalySink& anomalies);
NativeFacts analyze_native(const AppPackage& app, AnomalySink& anomalies, const NativeOptions& options);

// Forks the worker that reads the libraries now, while this process is small (a batch worker, before
// its first APK), if it is not running yet. Otherwise the first library to read forks it. The worker
// lives as long as this process, at most 2000 libraries (isolation.h, IsolatedServer).
void start_native_worker();

// Ends and reaps that worker, if this process started one: its CPU time then counts in this process's
// children's (what a batch's CPU figures and time(1) report). Run at exit(); a process that ends with
// _exit (a batch worker) calls it first.
void stop_native_worker();

// One library's bytes through the same path (validation, worker, classification): for tests and fuzzing.
NativeLibrary analyze_native_library(Bytes bytes, const std::string& file, const std::string& abi,
                                     AnomalySink& anomalies, const NativeOptions& options,
                                     std::vector<NativeString>* strings = nullptr);

}  // namespace apkvet
