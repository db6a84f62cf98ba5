#include "native/native_facts.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <unordered_map>

#include "native/elf_module.h"
#include "native/jni_names.h"
#include "native/native_rules.h"

namespace apkvet {
namespace {

constexpr size_t kMaxFunctionStrings = 16;
constexpr size_t kMaxVia = 24;

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void push_unique(std::vector<std::string>& v, const std::string& s, size_t cap = 64) {
  if (v.size() < cap && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string basename(const std::string& path) {
  auto slash = path.find_last_of("/!");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// lib/<abi>/... -> <abi>; "" otherwise.
std::string abi_of(std::string_view entry) {
  if (entry.substr(0, 4) != "lib/") return "";
  auto slash = entry.find('/', 4);
  return slash == std::string_view::npos ? "" : std::string(entry.substr(4, slash - 4));
}

// The ELF machine each Android ABI folder must hold.
std::string expected_arch(const std::string& abi) {
  if (abi == "arm64-v8a") return "arm64";
  if (abi == "armeabi-v7a" || abi == "armeabi") return "arm";
  if (abi == "x86") return "x86";
  if (abi == "x86_64") return "x86_64";
  if (abi == "mips") return "mips";
  if (abi == "mips64") return "mips64";
  if (abi == "riscv64") return "riscv64";
  return "";
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

const NativeRules* rules_or_null(AnomalySink& anomalies) {
  try {
    return &NativeRules::builtin();
  } catch (const std::exception& e) {
    anomalies.add("native.rules_unavailable", Severity::medium,
                  std::string("Native signatures could not be loaded; capabilities are not classified: ") + e.what(),
                  {"rules/native/native_signatures.json", "", ""});
    return nullptr;
  }
}

// Classifies a worker's raw scan into library facts.
// Names a library loads or looks up by hand, from a call seen in its code or made when it ran.
void note_loaded_names(const ElfCall& call, NativeLibrary& lib) {
  if (call.callee == "dlopen" || call.callee == "android_dlopen_ext")
    for (const auto& a : call.args) push_unique(lib.dlopen_names, a);
  if (call.callee == "dlsym" || call.callee == "dlvsym")
    for (const auto& a : call.args) push_unique(lib.dlsym_names, a);
}

void classify(const ElfScan& s, const NativeRules* rules, const NativeOptions& opt, NativeLibrary& lib,
              std::vector<NativeString>* pool) {
  lib.arch = s.arch;
  lib.bits = s.elf_class;
  lib.soname = s.soname;
  lib.needed = s.needed;
  lib.imports = s.imports;
  lib.exports = s.exports;
  lib.imports_total = s.imports_total;
  lib.exports_total = s.exports_total;
  lib.instructions = s.instructions;
  lib.code_truncated = s.code_truncated;

  // Hardening.
  NativeHardening& h = lib.hardening;
  h.nx = s.has_gnu_stack && !s.stack_exec;
  h.bind_now = s.dt_bind_now || (s.dt_flags & 0x8) || (s.dt_flags_1 & 0x1);
  h.relro = !s.has_relro ? "none" : h.bind_now ? "full" : "partial";
  for (const auto& imp : s.imports) {
    if (imp == "__stack_chk_fail") h.canary = true;
    if (imp.size() > 6 && imp.rfind("__", 0) == 0 && imp.compare(imp.size() - 4, 4, "_chk") == 0 &&
        imp != "__stack_chk_fail") {
      h.fortify = true;
      push_unique(h.fortified, imp, 32);
    }
  }
  h.position_independent = s.type == 3;
  h.pie = s.dt_flags_1 & 0x08000000;
  h.textrel = s.dt_textrel || (s.dt_flags & 0x4);
  h.rpath = s.rpath;
  h.runpath = s.runpath;
  h.stripped = !s.has_symtab;
  h.debug_info = s.has_debug_info;
  if (s.arch == "arm64") h.bti = s.bti, h.pac = s.pac;
  h.android_packed_relocs = s.android_packed_relocs;
  h.relr = s.relr;

  // JNI surface.
  for (const auto& e : s.exports) {
    if (e == "JNI_OnLoad") lib.jni.onload = true;
    if (e == "JNI_OnUnload") lib.jni.onunload = true;
    if (auto j = demangle_jni(e)) lib.jni.methods.push_back({e, j->java_class, j->method, j->signature});
  }

  // Capabilities: imports, direct syscalls, strings; per function, then transitively for network/exec.
  std::map<std::string, NativeCapability> caps;
  auto add_cap = [&](const std::string& cap, const std::string& via, const std::string& fn) {
    auto& c = caps[cap];
    c.name = cap;
    push_unique(c.via, via, kMaxVia);
    if (!fn.empty()) push_unique(c.functions, fn, 32);
  };
  if (rules)
    for (const auto& imp : s.imports)
      for (const auto& c : rules->for_import(imp)) add_cap(c, "import " + imp, "");
  for (const auto& sc : s.syscalls) {
    NativeSyscall out{sc.number, sc.number >= 0 ? syscall_name(s.arch, sc.number) : "", sc.function, sc.address};
    if (lib.syscalls.size() < 256) lib.syscalls.push_back(out);
  }

  std::unordered_map<uint64_t, size_t> by_addr;
  std::vector<std::set<std::string>> direct(s.functions.size());
  for (size_t i = 0; i < s.functions.size(); ++i) {
    const ElfFunction& f = s.functions[i];
    by_addr[f.address] = i;
    for (const auto& call : f.calls) {
      std::vector<std::string> cs;
      std::string via;
      if (call.callee.rfind("syscall:", 0) == 0) {
        std::string nr = call.callee.substr(8);
        std::string name = nr == "?" ? "" : syscall_name(s.arch, std::stoll(nr));
        via = "syscall " + (name.empty() ? nr : name);
        if (rules && !name.empty()) cs = rules->for_syscall(name);
      } else {
        via = "import " + call.callee;
        if (rules) cs = rules->for_import(call.callee);
        note_loaded_names(call, lib);
        if (call.callee == "syscall") via = "import syscall";
      }
      for (const auto& c : cs) {
        direct[i].insert(c);
        add_cap(c, via, f.name);
      }
    }
    if (rules)
      for (const auto& str : f.strings)
        for (const auto& c : rules->for_string(str.value)) {
          direct[i].insert(c);
          add_cap(c, "string " + Evidence::truncate(str.value), f.name);
        }
    if (f.register_natives) {
      lib.jni.register_natives = true;
      push_unique(lib.jni.register_natives_in, f.name);
      add_cap("jni_register_natives", "JNIEnv->RegisterNatives", f.name);
      direct[i].insert("jni_register_natives");
    }
  }
  // Syscalls made through libc's syscall() with a constant number.
  for (const auto& sc : s.syscalls) {
    if (sc.number < 0 || !rules) continue;
    std::string name = syscall_name(s.arch, sc.number);
    if (name.empty()) continue;
    for (const auto& c : rules->for_syscall(name)) add_cap(c, "syscall " + name, sc.function);
  }

  // Reachability of network/exec through direct local calls (bounded fixpoint).
  std::vector<std::set<std::string>> reach(s.functions.size());
  for (size_t i = 0; i < s.functions.size(); ++i)
    for (const auto& c : direct[i])
      if (c == "network" || c == "exec") reach[i].insert(c);
  for (int round = 0; round < 16; ++round) {
    bool changed = false;
    for (size_t i = 0; i < s.functions.size(); ++i)
      for (uint64_t callee : s.functions[i].local_calls) {
        auto it = by_addr.find(callee);
        if (it == by_addr.end()) continue;
        for (const auto& c : reach[it->second]) changed |= reach[i].insert(c).second;
      }
    if (!changed) break;
  }
  for (size_t i = 0; i < s.functions.size(); ++i) {
    if (direct[i].empty() && reach[i].empty()) continue;
    if (lib.functions.size() >= opt.max_functions_reported) break;
    const ElfFunction& f = s.functions[i];
    NativeFunction nf;
    nf.name = f.name;
    nf.address = f.address;
    nf.capabilities.assign(direct[i].begin(), direct[i].end());
    nf.reaches.assign(reach[i].begin(), reach[i].end());
    for (const auto& c : f.calls) push_unique(nf.calls, c.callee, 64);
    for (const auto& str : f.strings)
      if (nf.strings.size() < kMaxFunctionStrings) nf.strings.push_back(Evidence::truncate(str.value));
    lib.functions.push_back(std::move(nf));
  }
  for (auto& [name, c] : caps) {
    sort_unique(c.via);
    sort_unique(c.functions);
    lib.capabilities.push_back(c);
  }
  // The run under the emulator: syscalls made without libc, by name where the ABI's table has it
  // ("syscall:117" -> "syscall ptrace"), and what it loaded by hand.
  lib.emulation = s.emulation;
  for (auto& call : lib.emulation.calls) {
    if (call.callee.rfind("syscall:", 0) == 0)
      if (std::string name = syscall_name(s.arch, std::stoll(call.callee.substr(8))); !name.empty())
        call.callee = "syscall " + name;
    note_loaded_names(call, lib);
  }
  sort_unique(lib.dlopen_names);
  sort_unique(lib.dlsym_names);

  // Frameworks and packers by file name or export.
  if (rules) {
    std::string base = basename(lib.file);
    auto match = [&](const LibraryNameRule& r) {
      for (const auto& g : r.libraries)
        if (glob_match(g, base)) return true;
      for (const auto& sym : r.symbols)
        if (std::binary_search(s.exports.begin(), s.exports.end(), sym)) return true;
      return false;
    };
    for (const auto& r : rules->frameworks)
      if (match(r)) lib.frameworks.push_back(r.name);
    for (const auto& r : rules->packers)
      if (match(r)) lib.packers.push_back(r.name);
  }

  // Strings for the app's pool: referenced ones with their function, then .rodata by offset.
  std::set<std::string> seen;
  size_t count = 0;
  auto add = [&](const std::string& v, std::string location) {
    if (!seen.insert(v).second) return;
    ++count;
    if (pool) pool->push_back({v, Evidence{lib.file, std::move(location), Evidence::truncate(v)}});
  };
  for (const auto& f : s.functions)
    for (const auto& str : f.strings) add(str.value, "function " + f.name + (str.on_stack ? " (stack)" : ""));
  for (const auto& r : s.rodata_strings) add(r.value, Evidence::offset(r.offset));
  // What the emulated run produced: text it decoded in memory, strings it handed to Java.
  for (const auto& d : s.emulation.decoded_strings)
    add(d.value, d.heap ? "emulated: decoded on the heap" : "emulated: decoded at " + hex(d.address));
  for (const auto& v : s.emulation.java_strings) add(v, "emulated: NewStringUTF");
  lib.strings_count = count;
}

}  // namespace

namespace {

// Checks that need no parser. False when the library is not to be scanned (status set).
bool precheck(Bytes bytes, NativeLibrary& lib, AnomalySink& anomalies, const NativeOptions& opt) {
  lib.size = bytes.size();
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0) {
    lib.status = "not_elf";
    anomalies.add("native.not_elf", Severity::low, "A file in the native library folder is not an ELF library",
                  {lib.file, "", ""});
    return false;
  }
  if (bytes.size() > opt.max_library_size) {
    lib.status = "too_large";
    anomalies.add("native.library_too_large", Severity::medium,
                  "Native library larger than the analysis limit; not analyzed", {lib.file, "", ""});
    return false;
  }
  return true;
}

// Turns a worker's outcome (or an in-process scan) into the library's facts and anomalies.
void finish(NativeLibrary& lib, const WorkerResult* worker, ElfScan scan, const NativeRules* rules,
            AnomalySink& anomalies, const NativeOptions& opt, std::vector<NativeString>* pool) {
  const std::string& file = lib.file;
  auto anomaly = [&](const char* id, Severity sev, const std::string& msg, std::string location = "") {
    anomalies.add(id, sev, msg, Evidence{file, std::move(location), ""});
  };
  if (worker) {
    if (worker->outcome == WorkerOutcome::ok) {
      try {
        scan = deserialize_elf_scan(worker->payload);
      } catch (const std::exception& e) {
        lib.status = "parse_failed";
        lib.error = std::string("worker result unreadable: ") + e.what();
        anomaly("native.worker_failed", Severity::medium, lib.error);
        return;
      }
    } else {
      static const std::map<WorkerOutcome, std::pair<const char*, const char*>> ids = {
          {WorkerOutcome::crashed, {"worker_crashed", "native.parser_crashed"}},
          {WorkerOutcome::timed_out, {"worker_timeout", "native.parser_timeout"}},
          {WorkerOutcome::out_of_memory, {"worker_out_of_memory", "native.parser_out_of_memory"}},
          {WorkerOutcome::failed, {"parse_failed", "native.worker_failed"}},
      };
      auto [status, id] = ids.at(worker->outcome);
      lib.status = status;
      lib.error = worker->detail;
      const char* what = worker->outcome == WorkerOutcome::crashed     ? "crashed the parser (malformed or hostile ELF)"
                         : worker->outcome == WorkerOutcome::timed_out ? "exceeded the time limit"
                         : worker->outcome == WorkerOutcome::out_of_memory ? "exceeded the memory limit"
                                                                          : "failed";
      anomaly(id, Severity::high, std::string("Parsing this native library ") + what + ": " + worker->detail);
      return;
    }
  }
  for (const auto& w : scan.warnings) {
    auto bar = w.find('|');
    std::string id = w.substr(0, bar);
    anomalies.add(id, Severity::medium, bar == std::string::npos ? w : w.substr(bar + 1), Evidence{file, "", ""});
  }
  lib.arch = scan.arch;
  lib.bits = scan.elf_class;
  if (!scan.valid) {
    lib.status = "invalid_elf";
    lib.error = scan.error;
    anomaly("native.invalid_elf", Severity::medium, "Malformed ELF not analyzed: " + scan.error);
    return;
  }
  std::string expect = expected_arch(lib.abi);
  if (!lib.abi.empty() && !expect.empty() && expect != scan.arch)
    anomaly("native.abi_mismatch", Severity::medium,
            "Library in lib/" + lib.abi + "/ is built for " + scan.arch + ", not " + expect, "e_machine");
  if (!scan.parsed) {
    lib.status = "parse_failed";
    lib.error = scan.error;
    anomaly("native.parse_failed", Severity::medium, "LIEF could not read this ELF: " + scan.error);
    classify(scan, rules, opt, lib, pool);
    return;
  }
  if (scan.code_truncated) anomaly("native.code_truncated", Severity::low, "Disassembly stopped at the instruction limit");
  lib.status = "analyzed";
  classify(scan, rules, opt, lib, pool);
}

// The ELF reader: the caller's, else the module, loaded here in the parent before any worker is
// forked. nullptr when the module cannot be loaded: the libraries in `libs` are marked unanalyzed
// and one anomaly says why (an incomplete analysis must not look like a clean one).
ScanElfFunction elf_reader(const NativeOptions& opt, std::vector<NativeLibrary*> libs, AnomalySink& anomalies) {
  if (opt.scan_elf) return opt.scan_elf;
  try {
    return elf_module_scanner();
  } catch (const std::exception& e) {
    for (NativeLibrary* lib : libs) {
      lib->status = "reader_unavailable";
      lib->error = e.what();
    }
    anomalies.add("native.reader_unavailable", Severity::high,
                  std::string("Native libraries were not analyzed: ") + e.what(), {"lib/", "", ""});
    return nullptr;
  }
}


// The libraries are read in one IsolatedServer per process: its worker is forked once (a batch
// worker starts it before its first APK) and reads the libraries of APK after APK. A request is the
// limits, then the library's bytes; the ELF reader is the one the worker was forked with.
static_assert(std::is_trivially_copyable_v<ElfScanLimits>);
ScanElfFunction server_reader = nullptr;  // set before the worker is forked, so the fork has it

std::vector<uint8_t> read_elf_request(std::span<const uint8_t> request) {
  ElfScanLimits limits;
  if (request.size() < sizeof limits) throw std::runtime_error("short request");
  std::memcpy(&limits, request.data(), sizeof limits);
  return serialize_elf_scan(server_reader(request.subspan(sizeof limits), limits));
}

std::mutex server_mutex;
IsolatedServer& elf_server() {
  // Never destroyed (the process may still read a library while static objects go); reaped at exit.
  static IsolatedServer* server = [] {
    std::atexit(stop_native_worker);
    return new IsolatedServer(read_elf_request);
  }();
  return *server;
}

// The process's server, for `read_elf`: its worker is replaced if it was forked with another reader
// (a test's). The caller holds server_mutex.
IsolatedServer& elf_server_for(ScanElfFunction read_elf) {
  IsolatedServer& server = elf_server();
  if (server_reader != read_elf) {
    server.stop();
    server_reader = read_elf;
  }
  return server;
}

// Each library through `read_elf` in the process's server.
std::vector<WorkerResult> read_elfs_isolated(ScanElfFunction read_elf, const std::vector<std::pair<Bytes, ElfScanLimits>>& libs,
                                             const IsolationLimits& isolation) {
  std::vector<std::vector<uint8_t>> requests;
  for (const auto& [bytes, limits] : libs) {
    std::vector<uint8_t> q(sizeof limits + bytes.size());
    std::memcpy(q.data(), &limits, sizeof limits);
    if (!bytes.empty()) std::memcpy(q.data() + sizeof limits, bytes.data(), bytes.size());
    requests.push_back(std::move(q));
  }
  std::lock_guard lock(server_mutex);
  return elf_server_for(read_elf).run(requests, isolation);
}

}  // namespace

void stop_native_worker() {
  std::lock_guard lock(server_mutex);
  elf_server().stop();
}

void start_native_worker() {
  std::lock_guard lock(server_mutex);
  ScanElfFunction read_elf = nullptr;
  try {
    read_elf = elf_module_scanner();
  } catch (const std::exception&) {
    return;  // the analysis meets the same problem and says so per APK
  }
  elf_server_for(read_elf).start();
}

NativeLibrary analyze_native_library(Bytes bytes, const std::string& file, const std::string& abi,
                                     AnomalySink& anomalies, const NativeOptions& opt, std::vector<NativeString>* pool) {
  NativeLibrary lib;
  lib.file = file;
  lib.abi = abi;
  if (!precheck(bytes, lib, anomalies, opt)) return lib;
  ScanElfFunction read_elf = elf_reader(opt, {&lib}, anomalies);
  if (!read_elf) return lib;
  const NativeRules* rules = rules_or_null(anomalies);
  if (opt.isolate) {
    WorkerResult w = std::move(read_elfs_isolated(read_elf, {{bytes, opt.scan}}, opt.isolation)[0]);
    finish(lib, &w, {}, rules, anomalies, opt, pool);
  } else {
    finish(lib, nullptr, read_elf(bytes, opt.scan), rules, anomalies, opt, pool);
  }
  return lib;
}

NativeFacts analyze_native(const AppPackage& app, AnomalySink& anomalies) { return analyze_native(app, anomalies, {}); }

NativeFacts analyze_native(const AppPackage& app, AnomalySink& anomalies, const NativeOptions& options) {
  NativeFacts facts;
  struct Job {
    std::string file, abi;
    const ApkPart* part;
    const ZipEntry* entry;
    bool hidden;
  };
  std::vector<Job> jobs;
  for (const auto& part : app.parts()) {
    if (!part.zip) continue;
    for (const auto& e : part.zip->entries()) {
      if (e.is_directory() || e.name.rfind("lib/", 0) != 0 || e.name.size() < 4 ||
          e.name.compare(e.name.size() - 3, 3, ".so") != 0)
        continue;
      if (part.zip->find(e.name) != &e) continue;  // duplicates: the copy Android reads
      jobs.push_back({part.evidence_path(e.name), abi_of(e.name), &part, &e, false});
    }
  }
  for (const auto& n : app.nested_elf()) jobs.push_back({n.path, abi_of(n.entry->name), n.part, n.entry, true});
  if (jobs.size() > options.max_libraries) {
    anomalies.add("native.too_many_libraries", Severity::medium,
                  "More native libraries than the analysis limit; the rest were not analyzed",
                  {"lib/", "", std::to_string(jobs.size())});
    jobs.resize(options.max_libraries);
  }

  // Read every library, then parse them all in the isolated worker (a fresh one after any failure).
  std::vector<NativeLibrary> libs(jobs.size());
  std::vector<Bytes> bytes(jobs.size());
  std::vector<size_t> to_scan;
  for (size_t i = 0; i < jobs.size(); ++i) {
    libs[i].file = jobs[i].file;
    libs[i].abi = jobs[i].abi;
    libs[i].hidden = jobs[i].hidden;
    auto b = jobs[i].part->zip->read(*jobs[i].entry);
    if (!b) {
      libs[i].status = "unreadable";
      libs[i].error = "entry could not be read";
      continue;
    }
    bytes[i] = *b;
    if (precheck(bytes[i], libs[i], anomalies, options)) to_scan.push_back(i);
  }
  ScanElfFunction read_elf = nullptr;
  if (!to_scan.empty()) {
    std::vector<NativeLibrary*> scanned;
    for (size_t i : to_scan) scanned.push_back(&libs[i]);
    read_elf = elf_reader(options, scanned, anomalies);
    if (!read_elf) to_scan.clear();
  }
  const NativeRules* rules = to_scan.empty() ? nullptr : rules_or_null(anomalies);
  // A library shipped for arm64-v8a and for armeabi(-v7a) is one source built twice: its arm64 copy,
  // what a 64-bit phone loads, is the one emulated (the emulator's cost is per library).
  std::vector<std::string> arm64_copy(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].hidden || (jobs[i].abi != "armeabi-v7a" && jobs[i].abi != "armeabi")) continue;
    for (size_t j = 0; j < jobs.size(); ++j)
      if (!jobs[j].hidden && jobs[j].abi == "arm64-v8a" && jobs[j].part == jobs[i].part &&
          basename(jobs[j].file) == basename(jobs[i].file))
        arm64_copy[i] = jobs[j].file;
  }
  auto limits_for = [&](size_t i) {
    ElfScanLimits l = options.scan;
    if (!arm64_copy[i].empty()) l.emulate = false;
    return l;
  };
  std::vector<WorkerResult> results;
  if (options.isolate && !to_scan.empty()) {
    std::vector<std::pair<Bytes, ElfScanLimits>> requests;
    for (size_t i : to_scan) requests.emplace_back(bytes[i], limits_for(i));
    results = read_elfs_isolated(read_elf, requests, options.isolation);
  }
  std::vector<std::vector<NativeString>> strings(jobs.size());
  for (size_t k = 0; k < to_scan.size(); ++k) {
    size_t i = to_scan[k];
    if (options.isolate) {
      finish(libs[i], &results[k], {}, rules, anomalies, options, &strings[i]);
    } else {
      finish(libs[i], nullptr, read_elf(bytes[i], limits_for(i)), rules, anomalies, options, &strings[i]);
    }
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (arm64_copy[i].empty() || libs[i].status != "analyzed") continue;
    const NativeLibrary* copy = nullptr;
    for (const auto& l : libs)
      if (l.file == arm64_copy[i]) copy = &l;
    if (!copy || copy->status != "analyzed") continue;
    libs[i].emulated_copy = arm64_copy[i];
    if (!copy->emulation.status.empty()) {
      libs[i].emulation.status = "skipped";
      libs[i].emulation.detail = "its arm64-v8a copy is emulated: " + arm64_copy[i];
    }
  }

  std::set<std::string> abis, caps;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto& job = jobs[i];
    NativeLibrary& lib = libs[i];
    if (job.hidden && lib.status != "not_elf")
      anomalies.add("native.hidden_elf", Severity::medium, "ELF file outside lib/<abi>/*.so (loaded by hand at run time?)",
                    {job.file, "", lib.arch});
    if (!job.abi.empty() && !job.hidden) abis.insert(job.abi);
    for (const auto& c : lib.capabilities) caps.insert(c.name);
    for (const auto& f : lib.frameworks) facts.frameworks.push_back({f, {lib.file, "library", basename(lib.file)}});
    for (const auto& p : lib.packers) facts.packers.push_back({p, {lib.file, "library", basename(lib.file)}});
    for (auto& s : strings[i]) {
      if (facts.strings.size() >= options.max_strings) {
        facts.strings_truncated = true;
        break;
      }
      facts.strings.push_back(std::move(s));
    }
    facts.libraries.push_back(std::move(lib));
  }
  std::sort(facts.libraries.begin(), facts.libraries.end(),
            [](const NativeLibrary& a, const NativeLibrary& b) { return a.file < b.file; });
  auto by_name = [](const NativeIdentification& a, const NativeIdentification& b) {
    return std::tie(a.name, a.evidence.file) < std::tie(b.name, b.evidence.file);
  };
  std::sort(facts.frameworks.begin(), facts.frameworks.end(), by_name);
  std::sort(facts.packers.begin(), facts.packers.end(), by_name);
  facts.abis.assign(abis.begin(), abis.end());
  facts.capabilities.assign(caps.begin(), caps.end());
  facts.analyzed = true;
  return facts;
}

// ---------------- JSON ----------------

void to_json(Json& j, const NativeLibrary& l) {
  j = Json{{"file", l.file}, {"abi", l.abi}, {"hidden", l.hidden}, {"status", l.status}, {"size", l.size}};
  if (!l.error.empty()) j["error"] = l.error;
  if (l.status == "not_elf" || l.status == "unreadable" || l.status == "too_large") return;
  j["arch"] = l.arch;
  j["bits"] = l.bits;
  if (l.status != "analyzed" && l.status != "parse_failed") return;
  j["soname"] = l.soname;
  j["needed"] = l.needed;
  j["imports"] = l.imports;
  j["exports"] = l.exports;
  j["imports_total"] = l.imports_total;
  j["exports_total"] = l.exports_total;
  Json methods = Json::array();
  for (const auto& m : l.jni.methods)
    methods.push_back({{"symbol", m.symbol}, {"class", m.java_class}, {"method", m.method}, {"signature", m.signature}});
  j["jni"] = {{"onload", l.jni.onload}, {"onunload", l.jni.onunload}, {"register_natives", l.jni.register_natives},
              {"register_natives_in", l.jni.register_natives_in}, {"methods", methods}};
  const auto& h = l.hardening;
  Json hj = {{"nx", h.nx}, {"relro", h.relro}, {"bind_now", h.bind_now}, {"canary", h.canary}, {"fortify", h.fortify},
             {"fortified", h.fortified}, {"position_independent", h.position_independent}, {"pie", h.pie},
             {"textrel", h.textrel}, {"rpath", h.rpath}, {"runpath", h.runpath}, {"stripped", h.stripped},
             {"debug_info", h.debug_info}, {"android_packed_relocs", h.android_packed_relocs}, {"relr", h.relr}};
  if (h.bti) hj["bti"] = *h.bti;
  if (h.pac) hj["pac"] = *h.pac;
  j["hardening"] = std::move(hj);
  Json caps = Json::array();
  for (const auto& c : l.capabilities) caps.push_back({{"name", c.name}, {"via", c.via}, {"functions", c.functions}});
  j["capabilities"] = std::move(caps);
  Json sys = Json::array();
  for (const auto& s : l.syscalls)
    sys.push_back({{"number", s.number}, {"name", s.name}, {"function", s.function}, {"address", hex(s.address)}});
  j["syscalls"] = std::move(sys);
  Json fns = Json::array();
  for (const auto& f : l.functions)
    fns.push_back({{"name", f.name}, {"address", hex(f.address)}, {"capabilities", f.capabilities},
                   {"reaches", f.reaches}, {"calls", f.calls}, {"strings", f.strings}});
  j["functions"] = std::move(fns);
  j["dlopen"] = l.dlopen_names;
  j["dlsym"] = l.dlsym_names;
  j["frameworks"] = l.frameworks;
  j["packers"] = l.packers;
  j["instructions"] = l.instructions;
  j["code_truncated"] = l.code_truncated;
  j["strings_count"] = l.strings_count;
  if (!l.emulation.status.empty()) {
    const auto& e = l.emulation;
    Json reg = Json::array(), look = Json::array(), calls = Json::array(), decoded = Json::array();
    for (const auto& r : e.registered)
      reg.push_back({{"class", dotted_class_name(r.java_class)}, {"method", r.name}, {"signature", r.signature},
                     {"function", r.function}, {"address", hex(r.address)}});
    for (const auto& x : e.lookups)
      look.push_back({{"call", x.call}, {"class", dotted_class_name(x.java_class)}, {"name", x.name}, {"signature", x.signature}});
    for (const auto& c : e.calls) calls.push_back({{"callee", c.callee}, {"args", c.args}, {"from", hex(c.address)}});
    for (const auto& d : e.decoded_strings)
      decoded.push_back({{"value", Evidence::truncate(d.value)}, {"where", d.heap ? "heap" : hex(d.address)}});
    j["emulation"] = {{"status", e.status}, {"detail", e.detail}, {"ran", e.ran}, {"instructions", e.instructions},
                      {"registered_natives", reg}, {"lookups", look}, {"calls", calls},
                      {"java_strings", e.java_strings}, {"decoded_strings", decoded}, {"truncated", e.truncated}};
  }
}

void to_json(Json& j, const NativeFacts& f) {
  j = Json{{"analyzed", f.analyzed}, {"abis", f.abis}, {"capabilities", f.capabilities},
           {"strings_count", f.strings.size()}, {"strings_truncated", f.strings_truncated}};
  j["libraries"] = f.libraries;
  auto ids = [](const std::vector<NativeIdentification>& v) {
    Json a = Json::array();
    for (const auto& i : v) a.push_back({{"name", i.name}, {"evidence", i.evidence}});
    return a;
  };
  j["frameworks"] = ids(f.frameworks);
  j["packers"] = ids(f.packers);
  Json apis = Json::array();
  for (const auto& a : f.java_apis)
    apis.push_back({{"library", a.library}, {"call", a.call}, {"descriptor", a.descriptor},
                    {"categories", a.categories}, {"permissions", a.permissions}});
  j["java_apis"] = std::move(apis);
  Json natives = Json::array();
  for (const auto& m : f.java_natives) {
    Json impl = Json::array();
    for (const auto& i : m.implemented_by) impl.push_back({{"library", i.library}, {"function", i.function}, {"how", i.how}});
    natives.push_back({{"method", m.method}, {"status", m.status}, {"implemented_by", std::move(impl)}, {"evidence", m.evidence}});
  }
  j["java_natives"] = std::move(natives);
  j["java_natives_unbound"] = f.java_natives_unbound;
}

}  // namespace apkvet
