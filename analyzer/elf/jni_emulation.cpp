// JNI library emulation with Unicorn: loader (segments, relocations, initialisers), a fake JavaVM and
// JNIEnv whose functions are stubs, small libc stand-ins, and the record of what the code did.
//
// Guest memory (the same for every library):
//   kImageBase   the library's PT_LOAD segments, at their virtual addresses plus this base
//   kStubBase    one 16-byte stub per imported symbol, a return instruction each: calling an import
//                lands on its stub, whose hook does the work and sets the return register
//   kJniStubs    the JNIEnv function table's stubs (slot * 16), kVmStubs the JavaVM's
//   kObjects     the JNIEnv and JavaVM objects and their function tables
//   kReturnPage  the return address of each entry point: reaching it ends the run
//   heap, stack, and a TLS block (arm64 reads its stack canary at TPIDR_EL0 + 0x28)
#include "elf/jni_emulation.h"

#include <sys/mman.h>
#include <unicorn/unicorn.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>
#include <tuple>
#include <unordered_map>

namespace apkvet {

namespace {

constexpr uint64_t kImageBase = 0x40000000;
constexpr uint64_t kMaxImageSpan = 256ull << 20;  // below kHeapBase - kImageBase
constexpr uint64_t kHeapBase = 0x60000000, kHeapSize = 16ull << 20;
constexpr uint64_t kStubBase = 0x70000000, kStubSlot = 16, kMaxStubs = 0x10000;
constexpr uint64_t kJniStubs = 0x70100000, kVmStubs = 0x70110000, kJniStubsEnd = 0x70120000;
constexpr uint64_t kObjects = 0x70200000, kObjectsSize = 0x4000;
constexpr uint64_t kEnvObject = kObjects, kVmObject = kObjects + 0x40;
constexpr uint64_t kEnvTable = kObjects + 0x1000, kVmTable = kObjects + 0x2000;
constexpr uint64_t kReturnPage = 0x70300000;
constexpr uint64_t kStackBase = 0x7e000000, kStackSize = 1ull << 20;
constexpr uint64_t kTlsBase = 0x7f000000, kTlsSize = 0x1000;
constexpr uint64_t kPage = 0x1000;
constexpr size_t kJniSlots = 234, kVmSlots = 8;
// Handles the fake JNI gives out: classes, member ids and strings, recognisable and never addresses.
constexpr uint64_t kClassHandle = 0x100000, kMemberHandle = 0x200000, kStringHandle = 0x300000, kDlHandle = 0x400000;
// Unicorn 2.0 reserves a 1 GiB translation buffer per engine and calls exit(1) when it cannot: the
// space is checked first, so a tight address-space limit skips the emulation instead.
constexpr size_t kEngineReserve = (1ull << 30) + (256ull << 20);

// JNINativeInterface and JNIInvokeInterface slots (jni.h).
enum JniSlot : size_t {
  kGetVersion = 4, kFindClass = 6, kExceptionOccurred = 15, kNewGlobalRef = 21, kNewLocalRef = 25,
  kGetObjectClass = 31, kGetMethodID = 33, kGetFieldID = 94, kGetStaticMethodID = 113,
  kGetStaticFieldID = 144, kNewStringUTF = 167, kGetStringUTFLength = 168, kGetStringUTFChars = 169,
  kRegisterNatives = 215, kGetJavaVM = 219, kNewWeakGlobalRef = 226, kExceptionCheck = 228,
};
enum VmSlot : size_t { kAttachCurrentThread = 4, kGetEnv = 6, kAttachCurrentThreadAsDaemon = 7 };
constexpr uint64_t kJniVersion16 = 0x10006;

uint64_t align_down(uint64_t v) { return v & ~(kPage - 1); }
uint64_t align_up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }

bool address_space_available() {
  void* p = ::mmap(nullptr, kEngineReserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  ::munmap(p, kEngineReserve);
  return true;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

int64_t sleb128(const uint8_t*& p, const uint8_t* end, bool& ok) {
  int64_t value = 0;
  unsigned shift = 0;
  uint8_t byte = 0;
  do {
    if (p == end || shift >= 64) {
      ok = false;
      return 0;
    }
    byte = *p++;
    value |= int64_t(byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  if (shift < 64 && (byte & 0x40)) value |= -(int64_t(1) << shift);
  return value;
}

// What a libc (or libdl, liblog, libc++abi) import does here. Everything not listed returns 0.
enum class Libc {
  other, malloc, calloc, realloc, free, memcpy, memmove, memset, aeabi_memset, aeabi_memclr, bzero, memcmp, strlen,
  strcmp, strncmp, strcasecmp, strcpy, strncpy, strcat, strdup, strchr, strrchr, strstr, sprintf, snprintf,
  log_print, log_write, property_get, getenv, dlopen, dlsym, guard_acquire, stop, getpid, quiet,
  path0, path1, lookup_host, thread,
};

Libc libc_kind(std::string_view n) {
  static const std::unordered_map<std::string_view, Libc> kinds = {
      {"malloc", Libc::malloc}, {"_Znwm", Libc::malloc}, {"_Znam", Libc::malloc}, {"_Znwj", Libc::malloc},
      {"_Znaj", Libc::malloc}, {"calloc", Libc::calloc}, {"realloc", Libc::realloc}, {"free", Libc::free},
      {"memcpy", Libc::memcpy}, {"__memcpy_chk", Libc::memcpy}, {"__aeabi_memcpy", Libc::memcpy},
      {"__aeabi_memcpy4", Libc::memcpy}, {"__aeabi_memcpy8", Libc::memcpy}, {"memmove", Libc::memmove},
      {"__memmove_chk", Libc::memmove}, {"__aeabi_memmove", Libc::memmove}, {"__aeabi_memmove4", Libc::memmove},
      {"__aeabi_memmove8", Libc::memmove}, {"memset", Libc::memset}, {"__memset_chk", Libc::memset},
      {"__aeabi_memset", Libc::aeabi_memset}, {"__aeabi_memset4", Libc::aeabi_memset},
      {"__aeabi_memset8", Libc::aeabi_memset}, {"__aeabi_memclr", Libc::aeabi_memclr},
      {"__aeabi_memclr4", Libc::aeabi_memclr}, {"__aeabi_memclr8", Libc::aeabi_memclr}, {"bzero", Libc::bzero},
      {"memcmp", Libc::memcmp}, {"strlen", Libc::strlen}, {"__strlen_chk", Libc::strlen}, {"strcmp", Libc::strcmp},
      {"strncmp", Libc::strncmp}, {"strcasecmp", Libc::strcasecmp}, {"strcpy", Libc::strcpy},
      {"__strcpy_chk", Libc::strcpy}, {"strncpy", Libc::strncpy}, {"__strncpy_chk", Libc::strncpy},
      {"strcat", Libc::strcat}, {"__strcat_chk", Libc::strcat}, {"strdup", Libc::strdup}, {"strchr", Libc::strchr},
      {"__strchr_chk", Libc::strchr}, {"strrchr", Libc::strrchr}, {"__strrchr_chk", Libc::strrchr},
      {"strstr", Libc::strstr}, {"sprintf", Libc::sprintf}, {"__sprintf_chk", Libc::sprintf},
      {"snprintf", Libc::snprintf}, {"__snprintf_chk", Libc::snprintf}, {"__android_log_print", Libc::log_print},
      {"__android_log_write", Libc::log_write}, {"__system_property_get", Libc::property_get},
      {"getenv", Libc::getenv}, {"dlopen", Libc::dlopen}, {"android_dlopen_ext", Libc::dlopen},
      {"dlsym", Libc::dlsym}, {"__cxa_guard_acquire", Libc::guard_acquire}, {"abort", Libc::stop},
      {"exit", Libc::stop}, {"_exit", Libc::stop}, {"__stack_chk_fail", Libc::stop}, {"__assert2", Libc::stop},
      {"__cxa_throw", Libc::stop}, {"raise", Libc::stop}, {"kill", Libc::stop}, {"getpid", Libc::getpid},
      {"gettid", Libc::getpid}, {"getuid", Libc::getpid}, {"getppid", Libc::getpid},
      // A path (or command, or host) as the first or second argument: what the code checks for or
      // opens (su binaries, /proc/self/maps, an emulator's files) is recorded. Nothing exists here:
      // they answer -1 or NULL, as for a file that is not there.
      {"fopen", Libc::path0}, {"open", Libc::path0}, {"__open_2", Libc::path0}, {"access", Libc::path0},
      {"stat", Libc::path0}, {"lstat", Libc::path0}, {"opendir", Libc::path0}, {"readlink", Libc::path0},
      {"realpath", Libc::path0}, {"execve", Libc::path0}, {"execv", Libc::path0}, {"execl", Libc::path0},
      {"execlp", Libc::path0}, {"system", Libc::path0}, {"popen", Libc::path0}, {"unlink", Libc::path0},
      {"remove", Libc::path0}, {"mkdir", Libc::path0}, {"chmod", Libc::path0}, {"openat", Libc::path1},
      {"__openat_2", Libc::path1}, {"faccessat", Libc::path1}, {"fstatat", Libc::path1},
      {"readlinkat", Libc::path1}, {"getaddrinfo", Libc::lookup_host}, {"gethostbyname", Libc::lookup_host},
      {"inet_addr", Libc::lookup_host}, {"inet_pton", Libc::path1}, {"pthread_create", Libc::thread},
      {"__system_property_find", Libc::property_get},
      // Toolchain boilerplate every initialiser calls: returns 0, not worth a line in the report.
      {"__gmon_start__", Libc::quiet}, {"__cxa_atexit", Libc::quiet}, {"__cxa_finalize", Libc::quiet},
      {"__register_frame_info", Libc::quiet}, {"__deregister_frame_info", Libc::quiet},
      {"_ITM_registerTMCloneTable", Libc::quiet}, {"_ITM_deregisterTMCloneTable", Libc::quiet},
      {"__getauxval", Libc::quiet}, {"getauxval", Libc::quiet}, {"__cxa_guard_release", Libc::quiet},
  };
  auto it = kinds.find(n);
  return it == kinds.end() ? Libc::other : it->second;
}

class Emulator {
 public:
  Emulator(const EmulationInput& in, const ElfScanLimits& limits, ElfEmulation& out)
      : in_(in), layout_(*in.layout), limits_(limits), out_(out), a64_(layout_.machine == elf::EM_AARCH64),
        ptr_(a64_ ? 8 : 4) {}
  ~Emulator() {
    if (uc_) uc_close(uc_);
  }

  void run();

 private:
  struct Stub {
    std::string name;
    Libc kind = Libc::other;
  };

  // Loading.
  bool load_image();
  void apply_relocations();
  void apply_packed_relocations();
  void apply_relr();
  void relocate(uint64_t offset, uint32_t type, uint64_t sym_value, const std::string& sym, int64_t addend, bool rela);
  uint64_t stub_for(const std::string& name);
  bool map_fixed_regions();
  std::vector<std::pair<std::string, uint64_t>> entry_points();
  void run_entry(const std::string& label, uint64_t address, bool is_onload);

  // Guest access.
  bool read(uint64_t a, void* p, size_t n) { return uc_mem_read(uc_, a, p, n) == UC_ERR_OK; }
  bool write(uint64_t a, const void* p, size_t n) { return uc_mem_write(uc_, a, p, n) == UC_ERR_OK; }
  uint64_t read_ptr(uint64_t a) {
    uint64_t v = 0;
    read(a, &v, ptr_);
    return v;
  }
  void write_ptr(uint64_t a, uint64_t v) { write(a, &v, ptr_); }
  std::string read_string(uint64_t a, size_t max = 4096);
  int pick(int arm64_reg, int arm_reg) const { return a64_ ? arm64_reg : arm_reg; }
  uint64_t reg(int id) {
    uint64_t v = 0;
    uc_reg_read(uc_, id, &v);
    return a64_ ? v : (v & 0xffffffffu);
  }
  void set_reg(int id, uint64_t v) { uc_reg_write(uc_, id, &v); }
  uint64_t arg(size_t i);
  void set_result(uint64_t v) { set_reg(pick(UC_ARM64_REG_X0, UC_ARM_REG_R0), v); }
  uint64_t caller() { return reg(pick(UC_ARM64_REG_LR, UC_ARM_REG_LR)) & ~1ull; }
  uint64_t pc() { return reg(pick(UC_ARM64_REG_PC, UC_ARM_REG_PC)); }
  uint64_t alloc(uint64_t n);
  // An address as the report gives it: the library's virtual address, or the emulator's own.
  std::string where(uint64_t a) const {
    return a >= kImageBase + image_lo_ && a < kImageBase + image_hi_ ? hex(a - kImageBase) : "emulator address " + hex(a);
  }
  std::string format(const std::string& fmt, size_t first_arg);
  uint64_t copy_string(const std::string& s);

  // Hooks.
  static void on_code(uc_engine*, uint64_t address, uint32_t, void* self);
  static void on_block(uc_engine*, uint64_t address, uint32_t size, void* self);
  static bool on_unmapped(uc_engine*, uc_mem_type type, uint64_t address, int size, int64_t, void* self);
  static void on_interrupt(uc_engine*, uint32_t intno, void* self);
  void call_import(const Stub& stub);
  void call_jni(size_t slot);
  void call_vm(size_t slot);
  void stop(const std::string& why);

  // Records.
  void record_call(const std::string& callee, std::vector<std::string> args);
  void record_lookup(ElfJniLookup lookup);
  void record_decoded_strings();
  std::string class_of(uint64_t handle) const;
  std::string function_name(uint64_t vaddr) const;
  template <class T>
  bool room(const std::vector<T>& v) {
    if (v.size() < limits_.max_emulation_records) return true;
    out_.truncated = true;
    return false;
  }

  const EmulationInput& in_;
  const ElfLayout& layout_;
  const ElfScanLimits& limits_;
  ElfEmulation& out_;
  const bool a64_;
  const unsigned ptr_;
  const uint32_t ret_ = a64_ ? 0xd65f03c0u : 0xe12fff1eu;  // ret / bx lr: each stub's one instruction
  uc_engine* uc_ = nullptr;
  uint64_t image_lo_ = 0, image_hi_ = 0;  // virtual addresses (before the base)
  std::vector<uint8_t> relocated_;  // per image byte (from image_lo_): written by a relocation
  std::vector<Stub> stubs_;
  std::unordered_map<std::string, uint64_t> stub_by_name_;
  uint64_t heap_top_ = kHeapBase;
  std::vector<std::string> classes_, java_strings_;
  std::set<std::pair<std::string, std::vector<std::string>>> seen_calls_;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen_lookups_;
  std::string stop_reason_;
  uint64_t budget_ = 0, used_ = 0;
  std::chrono::steady_clock::time_point deadline_;
};

std::string Emulator::read_string(uint64_t a, size_t max) {
  std::string s;
  char buf[256];
  while (s.size() < max) {
    size_t n = std::min<uint64_t>({sizeof buf, max - s.size(), kPage - (a & (kPage - 1))});
    if (!read(a, buf, n)) break;
    const char* z = static_cast<const char*>(std::memchr(buf, 0, n));
    s.append(buf, z ? size_t(z - buf) : n);
    if (z) break;
    a += n;
  }
  return s;
}

uint64_t Emulator::arg(size_t i) {
  const size_t in_regs = a64_ ? 8 : 4;
  if (i < in_regs) return reg(int(a64_ ? UC_ARM64_REG_X0 + i : UC_ARM_REG_R0 + i));
  uint64_t sp = reg(pick(UC_ARM64_REG_SP, UC_ARM_REG_SP));
  return read_ptr(sp + (i - in_regs) * ptr_);
}

uint64_t Emulator::alloc(uint64_t n) {
  n = (std::max<uint64_t>(n, 1) + 15) & ~uint64_t(15);
  if (n > kHeapSize || heap_top_ + n > kHeapBase + kHeapSize) return 0;  // out of memory: malloc returns NULL
  uint64_t p = heap_top_;
  heap_top_ += n;
  return p;
}

uint64_t Emulator::copy_string(const std::string& s) {
  uint64_t p = alloc(s.size() + 1);
  if (p) write(p, s.c_str(), s.size() + 1);
  return p;
}

// printf's conversions that matter for building names and URLs: s, c, d, i, u, x, X, p, with flags,
// width, precision and length modifiers skipped. A 64-bit value on ARM takes one argument slot here.
std::string Emulator::format(const std::string& fmt, size_t next) {
  std::string r;
  for (size_t i = 0; i < fmt.size() && r.size() < 4096; ++i) {
    if (fmt[i] != '%') {
      r += fmt[i];
      continue;
    }
    size_t j = i + 1;
    while (j < fmt.size() && std::strchr("-+ #0123456789.*lhzjtqL", fmt[j])) {
      if (fmt[j] == '*') ++next;
      ++j;
    }
    if (j >= fmt.size()) break;
    char c = fmt[j];
    char buf[32];
    switch (c) {
      case '%': r += '%'; break;
      case 's': r += read_string(arg(next++), 1024); break;
      case 'c': r += char(arg(next++)); break;
      case 'd': case 'i': {
        uint64_t v = arg(next++);
        int64_t sv = (a64_ && fmt.find('l', i) < j) ? int64_t(v) : int64_t(int32_t(v));
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(sv));
        r += buf;
        break;
      }
      case 'u': case 'x': case 'X': case 'p': {
        uint64_t v = arg(next++);
        if (!(a64_ && (fmt.find('l', i) < j || fmt.find('z', i) < j || c == 'p'))) v &= 0xffffffffu;
        std::snprintf(buf, sizeof buf, c == 'u' ? "%llu" : c == 'X' ? "%llX" : c == 'p' ? "0x%llx" : "%llx",
                      static_cast<unsigned long long>(v));
        r += buf;
        break;
      }
      default: ++next; break;
    }
    i = j;
  }
  return r;
}

uint64_t Emulator::stub_for(const std::string& name) {
  auto it = stub_by_name_.find(name);
  if (it != stub_by_name_.end()) return it->second;
  if (stubs_.size() >= kMaxStubs) return kStubBase;  // the first stub stands in for the rest
  uint64_t a = kStubBase + stubs_.size() * kStubSlot;
  stubs_.push_back({name, libc_kind(name)});
  stub_by_name_.emplace(name, a);
  write(a, &ret_, 4);
  return a;
}

bool Emulator::load_image() {
  image_lo_ = UINT64_MAX;
  for (const auto& s : layout_.segments) {
    if (s.type != elf::PT_LOAD || !s.memsz) continue;
    if (s.vaddr > kMaxImageSpan || s.memsz > kMaxImageSpan) {  // the check below, without overflow
      image_hi_ = UINT64_MAX;
      continue;
    }
    image_lo_ = std::min(image_lo_, align_down(s.vaddr));
    image_hi_ = std::max(image_hi_, align_up(s.vaddr + s.memsz));
  }
  // Segments must sit below kMaxImageSpan (Android's libraries are linked at 0): the image then lies
  // between kImageBase and the heap, and no address computed from a segment can wrap around.
  if (image_lo_ == UINT64_MAX || image_hi_ <= image_lo_ || image_hi_ > kMaxImageSpan) {
    out_.status = "skipped";
    out_.detail = "no loadable segments, or they end above 256 MiB";
    return false;
  }
  if (uc_mem_map(uc_, kImageBase + image_lo_, image_hi_ - image_lo_, UC_PROT_ALL) != UC_ERR_OK) {
    out_.status = "skipped";
    out_.detail = "the segments could not be mapped";
    return false;
  }
  for (const auto& s : layout_.segments) {
    if (s.type != elf::PT_LOAD || !s.filesz || s.offset >= in_.file.size()) continue;
    uint64_t n = std::min<uint64_t>({s.filesz, s.memsz, in_.file.size() - s.offset});
    write(kImageBase + s.vaddr, in_.file.data() + s.offset, n);
  }
  relocated_.assign(image_hi_ - image_lo_, 0);
  return true;
}

void Emulator::relocate(uint64_t offset, uint32_t type, uint64_t sym_value, const std::string& sym, int64_t addend,
                        bool rela) {
  if (offset < image_lo_ || offset >= image_hi_ || image_hi_ - offset < ptr_) return;  // no wrap-around
  const uint64_t where = kImageBase + offset;
  const uint64_t in_place = read_ptr(where);
  std::fill_n(relocated_.begin() + (offset - image_lo_), ptr_, 1);
  const uint64_t a = rela ? uint64_t(addend) : in_place;
  auto symbol = [&]() -> uint64_t {
    if (sym_value) return kImageBase + sym_value;
    return sym.empty() ? 0 : stub_for(sym);
  };
  uint64_t v;
  if (a64_) {
    switch (type) {
      case 1027: v = kImageBase + a; break;                    // R_AARCH64_RELATIVE
      case 257: v = symbol() + a; break;                       // R_AARCH64_ABS64
      case 1025: case 1026: v = symbol() + (rela ? a : 0); break;  // GLOB_DAT, JUMP_SLOT
      default: return;
    }
  } else {
    switch (type) {
      case 23: v = kImageBase + a; break;           // R_ARM_RELATIVE
      case 2: v = symbol() + a; break;              // R_ARM_ABS32
      case 21: case 22: v = symbol(); break;        // GLOB_DAT, JUMP_SLOT
      default: return;
    }
  }
  write_ptr(where, v);
}

void Emulator::apply_relocations() {
  for (const auto& r : in_.relocs) relocate(r.address, r.type, r.symbol_value, r.symbol, r.addend, r.rela);
  apply_packed_relocations();
  apply_relr();
}

// Android's packed relocations (DT_ANDROID_REL[A], "APS2"; bionic linker_reloc_iterators.h), which
// LIEF 0.9 does not read: groups of relocations sharing offset delta, info or addend.
void Emulator::apply_packed_relocations() {
  uint64_t addr = 0, size = 0;
  bool rela = false;
  for (const auto& d : layout_.dynamic) {
    if (d.tag == elf::DT_ANDROID_REL || d.tag == elf::DT_ANDROID_RELA) addr = d.value, rela = d.tag == elf::DT_ANDROID_RELA;
    if (d.tag == elf::DT_ANDROID_RELSZ || d.tag == elf::DT_ANDROID_RELASZ) size = d.value;
  }
  if (!addr || size < 4) return;
  auto bytes = layout_.at(in_.file, addr, size);
  if (!bytes || std::memcmp(bytes->data(), "APS2", 4) != 0) return;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes->data()) + 4;
  const uint8_t* end = reinterpret_cast<const uint8_t*>(bytes->data()) + bytes->size();
  bool ok = true;
  int64_t count = sleb128(p, end, ok);
  uint64_t offset = uint64_t(sleb128(p, end, ok));
  int64_t addend = 0;
  constexpr int64_t kByInfo = 1, kByOffsetDelta = 2, kByAddend = 4, kHasAddend = 8;
  // A group whose offsets and info are shared reads no bytes per relocation: a hostile count would
  // loop without end. The loader applies at most this many (the unpacked tables' bound too).
  constexpr int64_t kMaxPacked = 2'000'000;
  count = std::min(count, kMaxPacked);
  while (ok && count > 0) {
    int64_t group = sleb128(p, end, ok), flags = sleb128(p, end, ok);
    if (!ok || group <= 0 || group > count) break;
    int64_t offset_delta = (flags & kByOffsetDelta) ? sleb128(p, end, ok) : 0;
    uint64_t info = (flags & kByInfo) ? uint64_t(sleb128(p, end, ok)) : 0;
    if ((flags & kHasAddend) && (flags & kByAddend)) addend += sleb128(p, end, ok);
    if (!(flags & kHasAddend)) addend = 0;
    for (int64_t i = 0; ok && i < group; ++i) {
      offset += (flags & kByOffsetDelta) ? offset_delta : sleb128(p, end, ok);
      if (!(flags & kByInfo)) info = uint64_t(sleb128(p, end, ok));
      if ((flags & kHasAddend) && !(flags & kByAddend)) addend += sleb128(p, end, ok);
      uint32_t type = a64_ ? uint32_t(info & 0xffffffff) : uint32_t(info & 0xff);
      uint64_t sym = a64_ ? info >> 32 : info >> 8;
      std::string name;
      uint64_t value = 0;
      if (sym && sym < in_.dynamic_symbols.size()) name = in_.dynamic_symbols[sym].first, value = in_.dynamic_symbols[sym].second;
      if (sym && name.empty()) continue;
      relocate(offset, type, value, name, addend, rela);
    }
    count -= group;
  }
}

// RELR (DT_RELR, or Android's DT_ANDROID_RELR before it was standard): relative relocations as an
// address followed by bitmaps of the words after it.
void Emulator::apply_relr() {
  uint64_t addr = 0, size = 0;
  for (const auto& d : layout_.dynamic) {
    if (d.tag == elf::DT_RELR || d.tag == elf::DT_ANDROID_RELR) addr = d.value;
    if (d.tag == elf::DT_RELRSZ || d.tag == elf::DT_ANDROID_RELRSZ) size = d.value;
  }
  if (!addr || !size) return;
  auto bytes = layout_.at(in_.file, addr, size);
  if (!bytes) return;
  auto add_base = [&](uint64_t offset) {
    if (offset < image_lo_ || offset >= image_hi_ || image_hi_ - offset < ptr_) return;  // no wrap-around
    write_ptr(kImageBase + offset, read_ptr(kImageBase + offset) + kImageBase);
    std::fill_n(relocated_.begin() + (offset - image_lo_), ptr_, 1);
  };
  uint64_t next = 0;
  for (size_t i = 0; i + ptr_ <= bytes->size(); i += ptr_) {
    uint64_t entry = 0;
    std::memcpy(&entry, bytes->data() + i, ptr_);
    if (!(entry & 1)) {
      add_base(entry);
      next = entry + ptr_;
    } else {
      const unsigned bits = ptr_ * 8 - 1;
      for (unsigned b = 0; b < bits; ++b)
        if ((entry >> (b + 1)) & 1) add_base(next + uint64_t(b) * ptr_);
      next += uint64_t(bits) * ptr_;
    }
  }
}

bool Emulator::map_fixed_regions() {
  // Stub regions hold a return instruction only where a stub is (stub_for writes each import's): the
  // rest stays untouched, so neither this process nor Unicorn's RAM pays for 1 MiB of pages per run.
  if (uc_mem_map(uc_, kStubBase, kMaxStubs * kStubSlot, UC_PROT_ALL) ||
      uc_mem_map(uc_, kJniStubs, kJniStubsEnd - kJniStubs, UC_PROT_ALL) || uc_mem_map(uc_, kReturnPage, kPage, UC_PROT_ALL) ||
      uc_mem_map(uc_, kObjects, kObjectsSize, UC_PROT_READ | UC_PROT_WRITE) ||
      uc_mem_map(uc_, kHeapBase, kHeapSize, UC_PROT_READ | UC_PROT_WRITE) ||
      uc_mem_map(uc_, kStackBase, kStackSize, UC_PROT_READ | UC_PROT_WRITE) ||
      uc_mem_map(uc_, kTlsBase, kTlsSize, UC_PROT_READ | UC_PROT_WRITE))
    return false;
  for (size_t i = 0; i < kJniSlots; ++i) write(kJniStubs + i * kStubSlot, &ret_, 4);
  for (size_t i = 0; i < kVmSlots; ++i) write(kVmStubs + i * kStubSlot, &ret_, 4);
  write(kReturnPage, &ret_, 4);
  write_ptr(kEnvObject, kEnvTable);
  write_ptr(kVmObject, kVmTable);
  for (size_t i = 0; i < kJniSlots; ++i) write_ptr(kEnvTable + i * ptr_, kJniStubs + i * kStubSlot);
  for (size_t i = 0; i < kVmSlots; ++i) write_ptr(kVmTable + i * ptr_, kVmStubs + i * kStubSlot);
  const uint64_t canary = a64_ ? 0x5a17c0de5a17c0deull : 0x5a17c0deull;
  write(kTlsBase + 5 * ptr_, &canary, ptr_);  // bionic's TLS_SLOT_STACK_GUARD
  if (a64_) {
    set_reg(UC_ARM64_REG_TPIDR_EL0, kTlsBase);
  } else {
    set_reg(UC_ARM_REG_C13_C0_3, kTlsBase);
    // VFP and NEON on (every armeabi-v7a device has them): coprocessors 10 and 11 accessible, FPEXC.EN.
    set_reg(UC_ARM_REG_C1_C0_2, 0xf00000);
    set_reg(UC_ARM_REG_FPEXC, 0x40000000);
  }
  return true;
}

// What Android runs when it loads a library from System.loadLibrary: DT_INIT, DT_INIT_ARRAY in
// order, then JNI_OnLoad. Addresses are guest addresses (ARM: bit 0 selects Thumb).
std::vector<std::pair<std::string, uint64_t>> Emulator::entry_points() {
  std::vector<std::pair<std::string, uint64_t>> e;
  uint64_t init = 0, array = 0, array_size = 0;
  for (const auto& d : layout_.dynamic) {
    if (d.tag == 12) init = d.value;        // DT_INIT
    if (d.tag == 25) array = d.value;       // DT_INIT_ARRAY
    if (d.tag == 27) array_size = d.value;  // DT_INIT_ARRAYSZ
  }
  if (init) e.push_back({"DT_INIT", kImageBase + init});
  for (uint64_t i = 0; array && i < std::min<uint64_t>(array_size / ptr_, 256); ++i) {
    uint64_t f = read_ptr(kImageBase + array + i * ptr_);  // relocated: a guest address
    uint64_t f_vaddr = f - kImageBase;
    if (f == 0 || f == (a64_ ? UINT64_MAX : 0xffffffffu) || f < kImageBase + image_lo_ || f >= kImageBase + image_hi_)
      continue;
    e.push_back({"init_array[" + std::to_string(i) + "] " + function_name(f_vaddr & ~1ull), f});
  }
  if (in_.jni_onload) e.push_back({"JNI_OnLoad", kImageBase + in_.jni_onload});
  return e;
}

void Emulator::stop(const std::string& why) {
  if (stop_reason_.empty()) stop_reason_ = why;
  uc_emu_stop(uc_);
}

void Emulator::on_code(uc_engine*, uint64_t address, uint32_t, void* self) {
  auto& e = *static_cast<Emulator*>(self);
  if (address >= kStubBase && address < kStubBase + kMaxStubs * kStubSlot) {
    size_t i = (address - kStubBase) / kStubSlot;
    if (i < e.stubs_.size()) e.call_import(e.stubs_[i]);
  } else if (address >= kJniStubs && address < kVmStubs) {
    e.call_jni((address - kJniStubs) / kStubSlot);
  } else if (address >= kVmStubs && address < kJniStubsEnd) {
    e.call_vm((address - kVmStubs) / kStubSlot);
  }
}

void Emulator::on_block(uc_engine*, uint64_t, uint32_t size, void* self) {
  auto& e = *static_cast<Emulator*>(self);
  // Counted per block, cheaper than a hook per instruction: exact for arm64 and ARM, an estimate for
  // Thumb-2 (2- and 4-byte instructions). The wall-clock limit is uc_emu_start's own timeout.
  e.used_ += std::max<uint32_t>(1, size / (e.a64_ ? 4 : 3));
  if (e.used_ > e.budget_) e.stop("instruction limit (" + std::to_string(e.limits_.max_emulated_instructions) + ") reached");
}

bool Emulator::on_unmapped(uc_engine*, uc_mem_type type, uint64_t address, int, int64_t, void* self) {
  auto& e = *static_cast<Emulator*>(self);
  const char* what = type == UC_MEM_FETCH_UNMAPPED ? "fetch from" : type == UC_MEM_WRITE_UNMAPPED ? "write to" : "read of";
  if (e.stop_reason_.empty())
    e.stop_reason_ = std::string(what) + " unmapped address " + hex(address) + " at " + e.where(e.pc());
  return false;
}

// A supervisor call (svc #0): a syscall made without libc, as anti-debugging and anti-hooking code
// does. Recorded as "syscall:<number>" (the native facts name it), answered 0; exit ends the run.
void Emulator::on_interrupt(uc_engine*, uint32_t intno, void* self) {
  auto& e = *static_cast<Emulator*>(self);
  constexpr uint32_t kUndefined = 1, kSupervisorCall = 2;  // QEMU's EXCP_UDEF and EXCP_SWI (ARM and arm64)
  if (intno != kSupervisorCall) {
    e.stop((intno == kUndefined ? std::string("undefined instruction") : "CPU exception " + std::to_string(intno)) +
           " at " + e.where(e.pc()));
    return;
  }
  const uint64_t nr = e.reg(e.pick(UC_ARM64_REG_X8, UC_ARM_REG_R7));
  e.record_call("syscall:" + std::to_string(nr), {});
  const bool exits = e.a64_ ? (nr == 93 || nr == 94) : (nr == 1 || nr == 248);  // exit, exit_group
  if (exits) {
    e.stop("exit syscall at " + e.where(e.pc()));
    return;
  }
  e.set_result(0);
}

void Emulator::record_call(const std::string& callee, std::vector<std::string> args) {
  if (!seen_calls_.insert({callee, args}).second || !room(out_.calls)) return;
  uint64_t from = caller();
  out_.calls.push_back({callee, std::move(args), from >= kImageBase ? from - kImageBase : from});
}

std::string Emulator::class_of(uint64_t handle) const {
  if (handle >= kClassHandle && handle < kClassHandle + classes_.size()) return classes_[handle - kClassHandle];
  return "";
}

std::string Emulator::function_name(uint64_t vaddr) const {
  if (in_.functions)
    for (const auto& f : *in_.functions)
      if (f.start == vaddr && f.name.rfind("sub_", 0) != 0) return f.name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "sub_%llx", static_cast<unsigned long long>(vaddr));
  return buf;
}

void Emulator::record_lookup(ElfJniLookup l) {
  if (!seen_lookups_.insert({l.call, l.java_class, l.name, l.signature}).second || !room(out_.lookups)) return;
  out_.lookups.push_back(std::move(l));
}

void Emulator::call_import(const Stub& s) {
  auto text = [&](size_t i) { return read_string(arg(i)); };
  switch (s.kind) {
    case Libc::malloc: set_result(alloc(arg(0))); return;
    case Libc::calloc: set_result(alloc(arg(0) * arg(1))); return;  // the heap starts zeroed and is never reused
    case Libc::realloc: {
      uint64_t p = alloc(arg(1));
      if (p && arg(0) >= kHeapBase && arg(0) < heap_top_) {
        std::vector<uint8_t> buf(std::min<uint64_t>(arg(1), heap_top_ - arg(0)));
        if (read(arg(0), buf.data(), buf.size())) write(p, buf.data(), buf.size());
      }
      set_result(p);
      return;
    }
    case Libc::memcpy: case Libc::memmove: {
      uint64_t n = std::min<uint64_t>(arg(2), 16ull << 20);
      std::vector<uint8_t> buf(n);
      if (read(arg(1), buf.data(), n)) write(arg(0), buf.data(), n);
      set_result(arg(0));
      return;
    }
    case Libc::memset: case Libc::aeabi_memset: case Libc::aeabi_memclr: case Libc::bzero: {
      uint64_t n = s.kind == Libc::memset ? arg(2) : arg(1);
      uint8_t c = s.kind == Libc::memset ? uint8_t(arg(1)) : s.kind == Libc::aeabi_memset ? uint8_t(arg(2)) : 0;
      std::vector<uint8_t> buf(std::min<uint64_t>(n, 16ull << 20), c);
      write(arg(0), buf.data(), buf.size());
      set_result(arg(0));
      return;
    }
    case Libc::memcmp: {
      uint64_t n = std::min<uint64_t>(arg(2), 1 << 20);
      std::vector<uint8_t> a(n), b(n);
      read(arg(0), a.data(), n), read(arg(1), b.data(), n);
      set_result(uint64_t(int64_t(std::memcmp(a.data(), b.data(), n))));
      return;
    }
    case Libc::strlen: set_result(text(0).size()); return;
    case Libc::strcmp: case Libc::strcasecmp: case Libc::strncmp: {
      std::string a = text(0), b = text(1);
      if (s.kind == Libc::strncmp) a = a.substr(0, arg(2)), b = b.substr(0, arg(2));
      if (s.kind == Libc::strcasecmp)
        for (auto* x : {&a, &b})
          for (auto& c : *x) c = char(std::tolower(static_cast<unsigned char>(c)));
      int r = a.compare(b);
      set_result(uint64_t(int64_t(r < 0 ? -1 : r > 0 ? 1 : 0)));
      return;
    }
    case Libc::strcpy: case Libc::strncpy: case Libc::strcat: {
      std::string src = text(1);
      uint64_t dst = arg(0);
      if (s.kind == Libc::strncpy) src = src.substr(0, arg(2));
      if (s.kind == Libc::strcat) dst += read_string(dst).size();
      write(dst, src.c_str(), src.size() + (s.kind == Libc::strncpy && src.size() == arg(2) ? 0 : 1));
      set_result(arg(0));
      return;
    }
    case Libc::strdup: set_result(copy_string(text(0))); return;
    case Libc::strchr: case Libc::strrchr: {
      std::string h = text(0);
      size_t at = s.kind == Libc::strchr ? h.find(char(arg(1))) : h.rfind(char(arg(1)));
      set_result(at == std::string::npos ? 0 : arg(0) + at);
      return;
    }
    case Libc::strstr: {
      size_t at = text(0).find(text(1));
      set_result(at == std::string::npos ? 0 : arg(0) + at);
      return;
    }
    case Libc::sprintf: case Libc::snprintf: {
      // __sprintf_chk(buf, flag, size, fmt, ...) and __snprintf_chk(buf, n, flag, size, fmt, ...).
      bool chk = s.name.rfind("__", 0) == 0;
      size_t fmt_arg = s.kind == Libc::sprintf ? (chk ? 3 : 1) : (chk ? 4 : 2);
      std::string r = format(text(fmt_arg), fmt_arg + 1);
      if (s.kind == Libc::snprintf) {
        uint64_t n = arg(1);
        if (n) write(arg(0), r.c_str(), std::min<uint64_t>(r.size(), n - 1)), write(arg(0) + std::min<uint64_t>(r.size(), n - 1), "", 1);
      } else {
        write(arg(0), r.c_str(), r.size() + 1);
      }
      set_result(r.size());
      return;
    }
    case Libc::log_print: record_call(s.name, {text(1), format(text(2), 3)}); set_result(1); return;
    case Libc::log_write: record_call(s.name, {text(1), text(2)}); set_result(1); return;
    case Libc::property_get: {  // no such property: value "", length 0 (__system_property_find: NULL)
      record_call(s.name, {text(0)});
      if (s.name == "__system_property_get") write(arg(1), "", 1);
      set_result(0);
      return;
    }
    case Libc::getenv: record_call(s.name, {text(0)}); set_result(0); return;
    case Libc::path0: case Libc::path1: {
      record_call(s.name, {text(s.kind == Libc::path0 ? 0 : 1)});
      const bool returns_pointer = s.name == "fopen" || s.name == "opendir" || s.name == "popen" || s.name == "realpath";
      set_result(returns_pointer || s.name == "inet_pton" ? 0 : (a64_ ? ~uint64_t(0) : 0xffffffffu));  // NULL, -1
      return;
    }
    case Libc::lookup_host:  // no network: getaddrinfo fails (EAI_FAIL), gethostbyname NULL, inet_addr -1
      record_call(s.name, {text(0)});
      set_result(s.name == "getaddrinfo" ? 4 : s.name == "inet_addr" ? 0xffffffffu : 0);
      return;
    case Libc::thread: {
      // The thread is not started (its code often waits or polls forever); the function it would
      // run is named, so the report says what JNI_OnLoad left running.
      uint64_t fn = arg(2);
      bool inside = fn >= kImageBase + image_lo_ && fn < kImageBase + image_hi_;
      record_call(s.name, {inside ? function_name((fn - kImageBase) & ~uint64_t(a64_ ? 0 : 1)) : where(fn)});
      set_result(0);
      return;
    }
    // A library "loads" (a handle that is not NULL), and what it looks up in it is a stub of that
    // name, so calls through the pointer are recorded like imports.
    case Libc::dlopen: record_call(s.name, {text(0)}); set_result(kDlHandle); return;
    case Libc::dlsym: {
      std::string name = text(1);
      record_call(s.name, {name});
      set_result(name.empty() ? 0 : stub_for(name));
      return;
    }
    case Libc::guard_acquire: {
      uint8_t done = 0;
      read(arg(0), &done, 1);
      if (!done) write(arg(0), "\1", 1);  // the guard is released here: nothing runs concurrently
      set_result(done ? 0 : 1);
      return;
    }
    case Libc::stop: record_call(s.name, {}); stop("called " + s.name); return;
    case Libc::getpid: set_result(4242); return;
    case Libc::free: case Libc::quiet: set_result(0); return;
    case Libc::other: record_call(s.name, {}); set_result(0); return;
  }
}

void Emulator::call_jni(size_t slot) {
  auto handle_for = [](std::vector<std::string>& table, uint64_t base, const std::string& value) {
    auto it = std::find(table.begin(), table.end(), value);
    if (it == table.end()) it = table.insert(table.end(), value);
    return base + uint64_t(it - table.begin());
  };
  switch (slot) {
    case kGetVersion: set_result(kJniVersion16); return;
    case kFindClass: {
      std::string name = read_string(arg(1), 1024);
      record_lookup({"FindClass", name, "", ""});
      set_result(handle_for(classes_, kClassHandle, name));
      return;
    }
    case kGetObjectClass: set_result(handle_for(classes_, kClassHandle, "")); return;
    case kGetMethodID: case kGetStaticMethodID: case kGetFieldID: case kGetStaticFieldID: {
      const char* call = slot == kGetMethodID ? "GetMethodID" : slot == kGetStaticMethodID ? "GetStaticMethodID"
                       : slot == kGetFieldID ? "GetFieldID" : "GetStaticFieldID";
      record_lookup({call, class_of(arg(1)), read_string(arg(2), 512), arg(3) ? read_string(arg(3), 512) : ""});
      set_result(kMemberHandle + out_.lookups.size());
      return;
    }
    case kNewStringUTF: {
      std::string v = read_string(arg(1));
      if (room(out_.java_strings) &&
          std::find(out_.java_strings.begin(), out_.java_strings.end(), v) == out_.java_strings.end())
        out_.java_strings.push_back(v);
      set_result(handle_for(java_strings_, kStringHandle, v));
      return;
    }
    case kGetStringUTFChars: case kGetStringUTFLength: {
      uint64_t h = arg(1);
      std::string v = h >= kStringHandle && h < kStringHandle + java_strings_.size() ? java_strings_[h - kStringHandle] : "";
      if (slot == kGetStringUTFLength) set_result(v.size());
      else set_result(copy_string(v));
      return;
    }
    case kRegisterNatives: {
      const std::string cls = class_of(arg(1));
      const uint64_t table = arg(2);
      const uint64_t count = std::min<uint64_t>(arg(3) & 0xffffffffu, 4096);
      for (uint64_t i = 0; i < count && room(out_.registered); ++i) {
        uint64_t e = table + i * 3 * ptr_;
        uint64_t fn = read_ptr(e + 2 * ptr_);
        uint64_t vaddr = fn >= kImageBase ? (fn - kImageBase) & ~uint64_t(a64_ ? 0 : 1) : fn;
        out_.registered.push_back({cls, read_string(read_ptr(e), 512), read_string(read_ptr(e + ptr_), 512), vaddr,
                                   fn >= kImageBase + image_lo_ && fn < kImageBase + image_hi_ ? function_name(vaddr) : ""});
      }
      set_result(0);
      return;
    }
    case kGetJavaVM: write_ptr(arg(1), kVmObject); set_result(0); return;
    case kNewGlobalRef: case kNewLocalRef: case kNewWeakGlobalRef: set_result(arg(1)); return;
    case kExceptionOccurred: case kExceptionCheck: set_result(0); return;
    default: set_result(0); return;
  }
}

void Emulator::call_vm(size_t slot) {
  switch (slot) {
    case kGetEnv: case kAttachCurrentThread: case kAttachCurrentThreadAsDaemon:
      write_ptr(arg(1), kEnvObject);
      set_result(0);
      return;
    default: set_result(0); return;
  }
}

void Emulator::run_entry(const std::string& label, uint64_t address, bool is_onload) {
  const uint64_t sp = kStackBase + kStackSize - 0x1000;
  if (a64_) {
    set_reg(UC_ARM64_REG_SP, sp);
    set_reg(UC_ARM64_REG_LR, kReturnPage);
    set_reg(UC_ARM64_REG_X0, is_onload ? kVmObject : 0);
    set_reg(UC_ARM64_REG_X1, 0);
  } else {
    set_reg(UC_ARM_REG_SP, sp);
    set_reg(UC_ARM_REG_LR, kReturnPage);
    set_reg(UC_ARM_REG_R0, is_onload ? kVmObject : 0);
    set_reg(UC_ARM_REG_R1, 0);
  }
  stop_reason_.clear();
  budget_ = used_ + limits_.max_emulated_instructions;
  auto now = std::chrono::steady_clock::now();
  if (now >= deadline_) {
    stop_reason_ = "time limit reached";
  } else {
    // At least 1: a timeout of 0 means none to Unicorn.
    uint64_t micros = std::max<uint64_t>(1, std::chrono::duration_cast<std::chrono::microseconds>(deadline_ - now).count());
    uc_err err = uc_emu_start(uc_, address, kReturnPage, micros, 0);
    if (err != UC_ERR_OK && stop_reason_.empty()) {
      stop_reason_ = std::string(uc_strerror(err)) + " at " + where(pc());
    }
    if (stop_reason_.empty() && (pc() & ~1ull) != kReturnPage) stop_reason_ = "time limit reached";
  }
  std::string entry = label;
  if (stop_reason_.empty() && is_onload) entry += " returned " + hex(reg(pick(UC_ARM64_REG_X0, UC_ARM_REG_R0)));
  if (!stop_reason_.empty()) {
    entry += " stopped: " + stop_reason_;
    if (out_.detail.empty()) out_.detail = label + ": " + stop_reason_;
  }
  out_.ran.push_back(entry);
}

// Text that exists in the library's memory after the run but nowhere in its file: strings the
// initialisers or JNI_OnLoad decoded (string encryption), in the image or on the heap.
void Emulator::record_decoded_strings() {
  const std::string_view file(reinterpret_cast<const char*>(in_.file.data()), in_.file.size());
  // Whether the file holds the text already (copied, not decoded). Each search reads the whole file:
  // past kMaxFileSearches candidates (an initialiser copying a table of strings) the rest are skipped.
  constexpr size_t kMaxFileSearches = 512;
  size_t searches = 0;
  auto in_file = [&](const std::string& run) {
    if (++searches > kMaxFileSearches) {
      out_.truncated = true;
      return true;
    }
    return file.find(run) != std::string_view::npos;
  };
  std::set<std::string> seen;
  // Bytes the loader wrote (relocated pointers) are not text, even where they look printable.
  // `image_at`: where `now` starts in relocated_ (image bytes only).
  auto scan = [&](uint64_t guest, const std::vector<uint8_t>& now, const std::vector<uint8_t>* before,
                  uint64_t image_at) {
    auto printable = [&](size_t k) {
      uint8_t c = now[k];
      return ((c >= 0x20 && c < 0x7f) || c == '\t') && !(before && relocated_[image_at + k]);
    };
    size_t i = 0;
    while (i < now.size()) {
      if (!printable(i)) {
        ++i;
        continue;
      }
      size_t j = i;
      bool changed = false;
      while (j < now.size() && printable(j)) {
        if (!before || now[j] != (*before)[j]) changed = true;
        ++j;
      }
      std::string run(reinterpret_cast<const char*>(now.data() + i), j - i);
      if (changed && run.size() >= std::max<size_t>(limits_.min_string_length, 6) && run.size() <= 4096 &&
          seen.insert(run).second && !in_file(run) && room(out_.decoded_strings))
        out_.decoded_strings.push_back({run, before ? guest + i - kImageBase : 0, before == nullptr});
      i = j;
    }
  };
  // Writable segments (.data, .bss: where decoders write), up to kMaxScanned bytes in all, each
  // compared with what the file put there (zeros past its file size).
  constexpr uint64_t kMaxScanned = 32ull << 20;
  uint64_t scanned = 0;
  for (const auto& s : layout_.segments) {
    if (s.type != elf::PT_LOAD || !(s.flags & elf::PF_W) || !s.memsz) continue;
    uint64_t size = std::min<uint64_t>(s.memsz, kMaxScanned - scanned);
    if (size < s.memsz) out_.truncated = true;
    if (!size) break;
    scanned += size;
    std::vector<uint8_t> now(size), before(size, 0);
    if (!read(kImageBase + s.vaddr, now.data(), size)) continue;
    if (s.filesz && s.offset < in_.file.size())
      std::memcpy(before.data(), in_.file.data() + s.offset, std::min<uint64_t>({s.filesz, size, in_.file.size() - s.offset}));
    scan(kImageBase + s.vaddr, now, &before, s.vaddr - image_lo_);
  }
  std::vector<uint8_t> heap(heap_top_ - kHeapBase);
  if (!heap.empty() && read(kHeapBase, heap.data(), heap.size())) scan(kHeapBase, heap, nullptr, 0);
}

void Emulator::run() {
  if (!address_space_available()) {
    out_.status = "skipped";
    out_.detail = "not enough address space for the emulator";
    return;
  }
  uc_err err = a64_ ? uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc_) : uc_open(UC_ARCH_ARM, UC_MODE_ARM, &uc_);
  if (err != UC_ERR_OK) {
    uc_ = nullptr;
    out_.status = "skipped";
    out_.detail = std::string("emulator: ") + uc_strerror(err);
    return;
  }
  if (!load_image()) return;
  if (!map_fixed_regions()) {
    out_.status = "skipped";
    out_.detail = "the emulator's memory could not be mapped";
    return;
  }
  apply_relocations();
  uc_hook code_hook, block_hook, fault_hook;
  uc_hook_add(uc_, &code_hook, UC_HOOK_CODE, reinterpret_cast<void*>(&Emulator::on_code), this, kStubBase,
              kJniStubsEnd - 1);
  uc_hook_add(uc_, &block_hook, UC_HOOK_BLOCK, reinterpret_cast<void*>(&Emulator::on_block), this, 1, 0);
  uc_hook_add(uc_, &fault_hook, UC_HOOK_MEM_UNMAPPED, reinterpret_cast<void*>(&Emulator::on_unmapped), this, 1, 0);
  uc_hook interrupt_hook;
  uc_hook_add(uc_, &interrupt_hook, UC_HOOK_INTR, reinterpret_cast<void*>(&Emulator::on_interrupt), this, 1, 0);
  deadline_ = std::chrono::steady_clock::now() + std::chrono::microseconds(limits_.max_emulation_micros);
  bool all_returned = true;
  const auto entries = entry_points();
  if (entries.empty()) return;  // initialiser tables with no functions in them: nothing runs
  for (const auto& [label, address] : entries) {
    run_entry(label, address, label == "JNI_OnLoad");
    if (!stop_reason_.empty()) all_returned = false;
  }
  out_.instructions = used_;
  out_.status = all_returned ? "completed" : "stopped";
  record_decoded_strings();
  std::stable_sort(out_.decoded_strings.begin(), out_.decoded_strings.end(),
                   [](const ElfDecodedString& a, const ElfDecodedString& b) {
                     return std::tie(a.heap, a.address) < std::tie(b.heap, b.address);
                   });
}

}  // namespace

bool emulation_runs(const ElfLayout& layout, const ElfScanLimits& limits, uint64_t jni_onload) {
  if (!limits.emulate) return false;
  const bool arm64 = layout.machine == elf::EM_AARCH64 && layout.elf_class == 64;
  const bool arm = layout.machine == elf::EM_ARM && layout.elf_class == 32;
  if (!arm64 && !arm) return false;
  bool has_init = false;
  for (const auto& d : layout.dynamic) has_init |= (d.tag == 12 || d.tag == 25);  // DT_INIT, DT_INIT_ARRAY
  return jni_onload || has_init;  // else nothing runs when Android loads it
}

void emulate_library(const EmulationInput& in, const ElfScanLimits& limits, ElfScan& out) {
  if (!in.layout) return;
  if (!emulation_runs(*in.layout, limits, in.jni_onload)) {
    // A JNI library of another architecture says why it was not run; the same code is emulated in
    // the app's arm64 or ARM copy, if it ships one.
    const uint16_t m = in.layout->machine;
    if (limits.emulate && in.jni_onload && m != elf::EM_AARCH64 && m != elf::EM_ARM) {
      out.emulation.status = "skipped";
      out.emulation.detail = out.arch + " is not emulated (arm64 and ARM are)";
    }
    return;
  }
  try {
    Emulator(in, limits, out.emulation).run();
  } catch (const std::exception& e) {
    out.emulation.status = "stopped";
    out.emulation.detail = std::string("emulator: ") + e.what();
  }
}

}  // namespace apkvet
