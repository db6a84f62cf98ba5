// Reads one ELF: our validation first, then LIEF for the dynamic section, symbols and relocations,
// then Capstone over every function (code_scan.cpp), then .rodata strings.
#include "elf/elf_scan.h"

#include <LIEF/ELF.hpp>
#include <LIEF/logging.hpp>
#include <capstone/capstone.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "elf/code_scan.h"
#include "core/utf8.h"
#include "elf/elf_layout.h"
#include "elf/jni_emulation.h"

namespace apkvet {

namespace {

ElfScan scan_elf_raw(Bytes data, const ElfScanLimits& limits);

constexpr unsigned kStbGlobal = 1, kStbWeak = 2, kStbUnique = 10;
constexpr unsigned kSttFunc = 2, kSttSection = 3, kSttFile = 4, kSttIfunc = 10;
constexpr unsigned kStvDefault = 0, kStvProtected = 3;

bool is_relative_reloc(uint16_t machine, uint32_t type) {
  switch (machine) {
    case elf::EM_AARCH64: return type == 1027 || type == 1032;  // RELATIVE, IRELATIVE
    case elf::EM_ARM: return type == 23 || type == 160;
    case elf::EM_X86_64: return type == 8 || type == 37;
    case elf::EM_386: return type == 8 || type == 42;
    default: return false;
  }
}

void read_dynamic(const LIEF::ELF::Binary& bin, const ElfLayout& layout, ElfScan& out) {
  using LIEF::ELF::DYNAMIC_TAGS;
  for (const auto& e : bin.dynamic_entries()) {
    switch (e.tag()) {
      case DYNAMIC_TAGS::DT_NEEDED:
        out.needed.push_back(static_cast<const LIEF::ELF::DynamicEntryLibrary&>(e).name());
        break;
      case DYNAMIC_TAGS::DT_SONAME:
        out.soname = static_cast<const LIEF::ELF::DynamicSharedObject&>(e).name();
        break;
      case DYNAMIC_TAGS::DT_RPATH:
        out.rpath.push_back(static_cast<const LIEF::ELF::DynamicEntryRpath&>(e).name());
        break;
      case DYNAMIC_TAGS::DT_RUNPATH:
        out.runpath.push_back(static_cast<const LIEF::ELF::DynamicEntryRunPath&>(e).name());
        break;
      default:
        break;
    }
  }
  // Flags from our own read of PT_DYNAMIC: LIEF 0.9 does not know the newer tags and DF_1_PIE.
  for (const auto& d : layout.dynamic) {
    switch (d.tag) {
      case elf::DT_FLAGS: out.dt_flags |= d.value; break;
      case elf::DT_FLAGS_1: out.dt_flags_1 |= d.value; break;
      case elf::DT_BIND_NOW: out.dt_bind_now = true; break;
      case elf::DT_TEXTREL: out.dt_textrel = true; break;
      case elf::DT_ANDROID_REL: case elf::DT_ANDROID_RELA: out.android_packed_relocs = true; break;
      case elf::DT_RELR: case elf::DT_ANDROID_RELR: out.relr = true; break;
      default: break;
    }
  }
}

void read_symbols(const LIEF::ELF::Binary& bin, const ElfScanLimits& limits, ElfScan& out) {
  std::set<std::string> imports, exports;
  auto visit = [&](const LIEF::ELF::Symbol& s) {
    const std::string& name = s.name();
    if (name.empty()) return;
    unsigned type = static_cast<unsigned>(s.type()), bind = static_cast<unsigned>(s.binding()),
             vis = static_cast<unsigned>(s.visibility());
    if (type == kSttSection || type == kSttFile) return;
    if (bind != kStbGlobal && bind != kStbWeak && bind != kStbUnique) return;
    if (s.shndx() == 0) {
      imports.insert(name);
    } else if (vis == kStvDefault || vis == kStvProtected) {
      exports.insert(name);
    }
  };
  for (const auto& s : bin.dynamic_symbols()) visit(s);
  for (const auto& s : bin.static_symbols()) visit(s);
  out.imports_total = imports.size();
  out.exports_total = exports.size();
  for (const auto& s : imports) {
    if (out.imports.size() >= limits.max_symbols) break;
    out.imports.push_back(s);
  }
  for (const auto& s : exports) {
    if (out.exports.size() >= limits.max_symbols) break;
    out.exports.push_back(s);
  }
}

// Function ranges: defined FUNC symbols in executable memory, plus the gaps between them inside
// executable sections (stripped code), so no code is left unread.
std::vector<CodeRange> function_ranges(const LIEF::ELF::Binary& bin, const ElfLayout& layout, Bytes file) {
  const bool arm = layout.machine == elf::EM_ARM;
  std::map<uint64_t, CodeRange> by_start;
  auto visit = [&](const LIEF::ELF::Symbol& s, bool dynamic) {
    unsigned type = static_cast<unsigned>(s.type());
    if ((type != kSttFunc && type != kSttIfunc) || s.shndx() == 0 || s.name().empty()) return;
    uint64_t v = s.value();
    bool thumb = arm && (v & 1);
    if (arm) v &= ~1ull;
    if (!layout.is_executable(v)) return;
    auto it = by_start.find(v);
    if (it != by_start.end() && !dynamic) return;  // keep the exported name
    by_start[v] = CodeRange{s.name(), v, s.size() ? v + s.size() : 0, thumb};
  };
  for (const auto& s : bin.dynamic_symbols()) visit(s, true);
  for (const auto& s : bin.static_symbols()) visit(s, false);
  size_t thumb_symbols = 0, arm_symbols = 0;
  for (const auto& [start, r] : by_start) ++(r.thumb ? thumb_symbols : arm_symbols);

  // Executable ranges to cover: code sections except PLTs; without sections, executable segments.
  std::vector<std::pair<uint64_t, uint64_t>> code;
  for (const auto& s : layout.sections)
    if ((s.flags & elf::SHF_EXECINSTR) && s.type == elf::SHT_PROGBITS && s.size && s.name.rfind(".plt", 0) != 0 &&
        s.name != ".iplt")
      code.push_back({s.addr, s.addr + s.size});
  if (code.empty())
    for (const auto& s : layout.segments)
      if (s.type == elf::PT_LOAD && (s.flags & elf::PF_X) && s.filesz) code.push_back({s.vaddr, s.vaddr + s.filesz});
  auto code_end = [&](uint64_t a) -> uint64_t {
    for (auto& [b, e] : code)
      if (a >= b && a < e) return e;
    return 0;
  };

  std::vector<CodeRange> out;
  for (auto it = by_start.begin(); it != by_start.end(); ++it) {
    CodeRange r = it->second;
    auto next = std::next(it);
    uint64_t limit = code_end(r.start);
    if (!limit) limit = r.start + (r.end > r.start ? r.end - r.start : 0);
    if (next != by_start.end()) limit = std::min(limit, next->first);
    if (r.end == 0 || r.end > limit) r.end = limit;
    if (r.end > r.start) out.push_back(r);
  }
  // Gaps.
  std::vector<CodeRange> gaps;
  for (auto& [b, e] : code) {
    uint64_t cur = b;
    auto emit = [&](uint64_t from, uint64_t to) {
      if (to <= from || to - from < 8) return;
      bool thumb = false;
      if (arm && (thumb_symbols || arm_symbols)) {
        thumb = thumb_symbols >= arm_symbols;  // the library's own functions tell its usual mode
      } else if (arm) {
        // No symbols: Thumb-2 decoded as ARM gives mostly conditional instructions; real ARM code is
        // mostly unconditional (condition AL).
        auto bytes = layout.at(file, from, std::min<uint64_t>(to - from, 128));
        csh h;
        if (bytes && cs_open(CS_ARCH_ARM, CS_MODE_ARM, &h) == CS_ERR_OK) {
          cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
          cs_insn* insn = nullptr;
          size_t count = cs_disasm(h, bytes->data(), bytes->size(), from, 0, &insn);
          size_t always = 0;
          for (size_t i = 0; i < count; ++i)
            if (insn[i].detail && (insn[i].detail->arm.cc == ARM_CC_AL || insn[i].detail->arm.cc == ARM_CC_INVALID)) ++always;
          if (count) cs_free(insn, count);
          cs_close(&h);
          thumb = count == 0 || always * 10 < count * 8;
        }
      }
      char name[32];
      std::snprintf(name, sizeof name, "sub_%llx", static_cast<unsigned long long>(from));
      gaps.push_back({name, from, to, thumb});
    };
    for (const auto& f : out) {
      if (f.end <= b || f.start >= e) continue;
      if (f.start > cur) emit(cur, f.start);
      cur = std::max(cur, f.end);
    }
    emit(cur, e);
  }
  out.insert(out.end(), gaps.begin(), gaps.end());
  std::sort(out.begin(), out.end(), [](const CodeRange& a, const CodeRange& b) { return a.start < b.start; });
  return out;
}

void read_rodata_strings(Bytes file, const ElfLayout& layout, const ElfScanLimits& limits, ElfScan& out) {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // file offsets
  for (const auto& s : layout.sections)
    if (s.type == elf::SHT_PROGBITS && (s.flags & elf::SHF_ALLOC) && !(s.flags & (elf::SHF_EXECINSTR | elf::SHF_WRITE)) &&
        s.name.rfind(".rodata", 0) == 0)
      ranges.push_back({s.offset, s.offset + s.size});
  if (!layout.sections_usable)
    for (const auto& s : layout.segments)
      if (s.type == elf::PT_LOAD && !(s.flags & (elf::PF_X | elf::PF_W))) ranges.push_back({s.offset, s.offset + s.filesz});
  size_t bytes = 0;
  for (auto [b, e] : ranges) {
    e = std::min<uint64_t>(e, file.size());
    uint64_t start = b;
    for (uint64_t i = b; i <= e; ++i) {
      bool end_of_run = i == e || file[i] == 0 || (file[i] < 0x20 && file[i] != '\t' && file[i] != '\n' && file[i] != '\r');
      if (!end_of_run) continue;
      if (i > start) {
        std::string_view sv(reinterpret_cast<const char*>(file.data() + start), i - start);
        if (looks_like_text(sv, limits.min_string_length)) {
          if (out.rodata_strings.size() >= limits.max_rodata_strings || bytes + sv.size() > limits.max_rodata_bytes) {
            out.rodata_truncated = true;
            return;
          }
          bytes += sv.size();
          out.rodata_strings.push_back({std::string(sv.substr(0, 1024)), start});
        }
      }
      start = i + 1;
    }
  }
}

void sanitize(std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80 || c < 0x20) {
      std::string clean = replace_invalid_utf8(s);  // ELF names are attacker-controlled; JSON needs UTF-8
      for (auto& ch : clean)
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ch = '?';
      s = std::move(clean);
      return;
    }
}
void sanitize(std::vector<std::string>& v) {
  for (auto& s : v) sanitize(s);
}

// Every string leaving the worker is valid UTF-8 without control characters.
void sanitize(ElfScan& out) {
  sanitize(out.error);
  sanitize(out.warnings);
  sanitize(out.soname);
  sanitize(out.needed);
  sanitize(out.rpath);
  sanitize(out.runpath);
  sanitize(out.sections);
  sanitize(out.imports);
  sanitize(out.exports);
  for (auto& f : out.functions) {
    sanitize(f.name);
    for (auto& c : f.calls) {
      sanitize(c.callee);
      sanitize(c.args);
    }
    for (auto& s : f.strings) sanitize(s.value);
  }
  for (auto& s : out.syscalls) sanitize(s.function);
  for (auto& s : out.rodata_strings) sanitize(s.value);
  ElfEmulation& e = out.emulation;
  sanitize(e.detail);
  sanitize(e.ran);
  for (auto& r : e.registered)
    for (auto* s : {&r.java_class, &r.name, &r.signature, &r.function}) sanitize(*s);
  for (auto& l : e.lookups)
    for (auto* s : {&l.call, &l.java_class, &l.name, &l.signature}) sanitize(*s);
  for (auto& c : e.calls) {
    sanitize(c.callee);
    sanitize(c.args);
  }
  sanitize(e.java_strings);
  for (auto& d : e.decoded_strings) sanitize(d.value);
}

}  // namespace

ElfScan scan_elf(Bytes data, const ElfScanLimits& limits) {
  ElfScan out = scan_elf_raw(data, limits);
  sanitize(out);
  // Sorted, deduplicated lists stay so after cleaning.
  for (auto* v : {&out.imports, &out.exports}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  return out;
}

namespace {

ElfScan scan_elf_raw(Bytes data, const ElfScanLimits& limits) {
  ElfScan out;
  ElfLayout layout = read_elf_layout(data);
  out.elf_class = layout.elf_class;
  out.machine = layout.machine;
  out.arch = elf_arch_name(layout.machine, layout.elf_class);
  out.type = layout.type;
  out.entry = layout.entry;
  out.warnings = layout.warnings;
  if (!layout.ok) {
    out.error = "invalid ELF: " + layout.error;
    return out;
  }
  out.valid = true;
  for (const auto& s : layout.segments) {
    if (s.type == elf::PT_GNU_STACK) out.has_gnu_stack = true, out.stack_exec = s.flags & elf::PF_X;
    if (s.type == elf::PT_GNU_RELRO) out.has_relro = true;
    if (s.type == elf::PT_INTERP) out.has_interp = true;
  }
  for (const auto& s : layout.sections) {
    if (out.sections.size() < 200) out.sections.push_back(s.name);
    if (s.type == elf::SHT_SYMTAB && s.size > s.entsize) out.has_symtab = true;
    if (s.name == ".debug_info") out.has_debug_info = true;
  }
  GnuProperties props = read_gnu_properties(data, layout);
  out.bti = props.bti;
  out.pac = props.pac;
  try {
    static const bool quiet = [] {
      LIEF::Logger::disable();
      return true;
    }();
    (void)quiet;
    std::vector<uint8_t> copy = bytes_for_lief(data, layout);
    std::unique_ptr<LIEF::ELF::Binary> bin = LIEF::ELF::Parser::parse(copy, "lib");
    if (!bin) {
      out.error = "LIEF could not parse the file";
      return out;
    }
    read_dynamic(*bin, layout, out);
    read_symbols(*bin, limits, out);

    CodeInput code;
    code.file = data;
    code.layout = &layout;
    for (const auto& d : layout.dynamic)
      if (d.tag == elf::DT_PLTGOT) code.pltgot = d.value;
    EmulationInput emulation;
    emulation.file = data;
    emulation.layout = &layout;
    for (const auto& s : bin->dynamic_symbols())
      if (s.shndx() != 0 && s.name() == "JNI_OnLoad") emulation.jni_onload = s.value();
    // The emulator's copy of symbols and relocations, only for a library it will run (not for x86, nor
    // for the armeabi copy of an arm64 library, nor for one that runs nothing when loaded).
    const bool emulated = emulation_runs(layout, limits, emulation.jni_onload);
    if (emulated)
      for (const auto& s : bin->dynamic_symbols())
        emulation.dynamic_symbols.push_back({s.name(), s.shndx() != 0 ? s.value() : 0});
    for (const auto& r : bin->relocations()) {
      if (emulated && emulation.relocs.size() < 2'000'000) {
        EmulationReloc e{r.address(), r.type(), "", 0, r.addend(), r.is_rela()};
        if (r.has_symbol()) {
          e.symbol = r.symbol().name();
          if (r.symbol().shndx() != 0) e.symbol_value = r.symbol().value();
        }
        emulation.relocs.push_back(std::move(e));
      }
      RelocTarget t;
      if (r.has_symbol() && !r.symbol().name().empty()) {
        t.symbol = r.symbol().name();
      } else if (is_relative_reloc(layout.machine, r.type()) && r.is_rela()) {
        t.value = uint64_t(r.addend());
        t.has_value = true;
      } else {
        continue;  // REL: the value is in place in the file
      }
      if (code.relocs.size() < 2'000'000) code.relocs.emplace(r.address(), std::move(t));
    }
    code.functions = function_ranges(*bin, layout, data);
    bin.reset();
    copy.clear();
    copy.shrink_to_fit();
    out.parsed = true;
    scan_code(code, limits, out);
    read_rodata_strings(data, layout, limits, out);
    emulation.functions = &code.functions;
    emulate_library(emulation, limits, out);
  } catch (const std::exception& e) {
    out.error = std::string("parse failed: ") + e.what();
  }
  return out;
}

}  // namespace

}  // namespace apkvet
