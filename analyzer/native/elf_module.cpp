#include "native/elf_module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/data_dir.h"
#include "facts/evidence.h"
#include "version.h"

namespace apkvet {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfStringRef, value, address, on_stack)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfCall, callee, args, address)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfFunction, name, address, size, calls, strings, local_calls, register_natives)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfSyscall, number, address, function)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfRodataString, value, offset)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfJniRegistration, java_class, name, signature, address, function)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfJniLookup, call, java_class, name, signature)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfDecodedString, value, address, heap)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfEmulation, status, detail, ran, instructions, registered, lookups, calls,
                                   java_strings, decoded_strings, truncated)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ElfScan, valid, parsed, error, warnings, elf_class, machine, arch, type, entry, soname,
                                   needed, rpath, runpath, dt_flags, dt_flags_1, dt_bind_now, dt_textrel,
                                   android_packed_relocs, relr, has_gnu_stack, stack_exec, has_relro, has_interp,
                                   has_symtab, has_debug_info, bti, pac, sections, imports, exports, imports_total,
                                   exports_total, functions, syscalls, instructions, code_truncated, rodata_strings,
                                   rodata_truncated, emulation)

std::vector<uint8_t> serialize_elf_scan(const ElfScan& scan) { return Json::to_cbor(Json(scan)); }

ElfScan deserialize_elf_scan(Bytes bytes) { return Json::from_cbor(bytes.begin(), bytes.end()).get<ElfScan>(); }

namespace {

constexpr const char* kModuleName = "libapkvet-elf.so";

// $APKVET_ELF_MODULE (a packager's own place); else beside the executable (an installed copy), then
// in this build tree (tests run from elsewhere).
std::vector<std::string> module_paths() {
  if (const char* env = std::getenv("APKVET_ELF_MODULE"); env && *env) return {env};
  std::vector<std::string> paths = {executable_dir() + "/" + kModuleName};
  if (paths[0] != APKVET_ELF_MODULE_PATH) paths.push_back(APKVET_ELF_MODULE_PATH);
  return paths;
}

ScanElfFunction load_module() {
  std::string tried;
  for (const std::string& path : module_paths()) {
    if (access(path.c_str(), F_OK) != 0) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // kept open for the life of the process
    if (!handle) throw std::runtime_error("cannot load the ELF reader " + path + ": " + dlerror());
    using Entry = ScanElfFunction (*)(const char*, size_t, size_t);
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "apkvet_elf_module_scanner"));
    if (!entry) throw std::runtime_error("the ELF reader " + path + " has no entry point");
    ScanElfFunction scan = entry(APKVET_VERSION, sizeof(ElfScan), sizeof(ElfScanLimits));
    if (!scan) throw std::runtime_error("the ELF reader " + path + " comes from another build of apkvet");
    return scan;
  }
  throw std::runtime_error(std::string("the ELF reader ") + kModuleName + " is missing (looked at " + tried + ")");
}

}  // namespace

ScanElfFunction elf_module_scanner() {
  static const ScanElfFunction scan = load_module();  // a throw leaves it unset: the next call tries again
  return scan;
}

}  // namespace apkvet
