#include "elf/elf_layout.h"

#include <algorithm>
#include <cstring>

namespace apkvet {
namespace {

bool fits(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

void warn(ElfLayout& l, const char* id, std::string msg) { l.warnings.push_back(std::string(id) + "|" + msg); }

// Strings that the dynamic section names (DT_NEEDED, DT_SONAME, ...) must end inside DT_STRTAB.
bool dynamic_strings_ok(Bytes data, const ElfLayout& l, std::string& why) {
  uint64_t strtab = 0, strsz = 0;
  bool has_strtab = false, has_strsz = false;
  for (const auto& d : l.dynamic) {
    if (d.tag == elf::DT_STRTAB) has_strtab = true, strtab = d.value;
    if (d.tag == elf::DT_STRSZ) has_strsz = true, strsz = d.value;
  }
  bool names = std::any_of(l.dynamic.begin(), l.dynamic.end(), [](const ElfDynamic& d) {
    return d.tag == elf::DT_NEEDED || d.tag == elf::DT_SONAME || d.tag == elf::DT_RPATH || d.tag == elf::DT_RUNPATH;
  });
  if (!has_strtab) {
    if (names) return why = "dynamic names without DT_STRTAB", false;
    return true;
  }
  auto off = l.offset_of(strtab);
  if (!off) return why = "DT_STRTAB is not backed by file bytes", false;
  if (!has_strsz || !fits(*off, strsz, data.size())) return why = "DT_STRSZ runs past the end of the file", false;
  for (const auto& d : l.dynamic) {
    if (d.tag != elf::DT_NEEDED && d.tag != elf::DT_SONAME && d.tag != elf::DT_RPATH && d.tag != elf::DT_RUNPATH) continue;
    if (d.value >= strsz) return why = "a dynamic name points outside DT_STRTAB", false;
    const void* nul = std::memchr(data.data() + *off + d.value, 0, strsz - d.value);
    if (!nul) return why = "a dynamic name is not NUL-terminated inside DT_STRTAB", false;
  }
  return true;
}

void read_sections(Bytes data, ByteReader& r, ElfLayout& l, uint64_t shoff, uint16_t shentsize, uint16_t shnum,
                   uint16_t shstrndx) {
  const bool is64 = l.elf_class == 64;
  if (shnum == 0) {
    if (shoff != 0) warn(l, "native.elf_section_count_extension", "section count 0 with a section table offset (extended numbering)");
    return;
  }
  auto bad = [&](const std::string& why) {
    warn(l, "native.elf_bad_section_table", "section header table ignored: " + why);
    l.sections.clear();
    l.sections_usable = false;
  };
  if (shentsize != (is64 ? 64 : 40)) return bad("unexpected e_shentsize " + std::to_string(shentsize));
  if (shnum > elf_limits::kMaxSections) return bad("too many sections (" + std::to_string(shnum) + ")");
  if (!fits(shoff, uint64_t(shnum) * shentsize, data.size())) return bad("table runs past the end of the file");
  for (uint16_t i = 0; i < shnum; ++i) {
    uint64_t at = shoff + uint64_t(i) * shentsize;
    ElfSection s;
    uint32_t name = r.u32_at(at);
    s.type = r.u32_at(at + 4);
    if (is64) {
      s.flags = r.u64_at(at + 8), s.addr = r.u64_at(at + 16), s.offset = r.u64_at(at + 24), s.size = r.u64_at(at + 32);
      s.link = r.u32_at(at + 40), s.info = r.u32_at(at + 44), s.entsize = r.u64_at(at + 56);
    } else {
      s.flags = r.u32_at(at + 8), s.addr = r.u32_at(at + 12), s.offset = r.u32_at(at + 16), s.size = r.u32_at(at + 20);
      s.link = r.u32_at(at + 24), s.info = r.u32_at(at + 28), s.entsize = r.u32_at(at + 36);
    }
    s.name = std::to_string(name);  // resolved below
    l.sections.push_back(s);
  }
  for (size_t i = 0; i < l.sections.size(); ++i) {
    const auto& s = l.sections[i];
    if (i == 0 || s.type == elf::SHT_NOBITS) continue;
    if (!fits(s.offset, s.size, data.size())) return bad("section " + std::to_string(i) + " runs past the end of the file");
    if (s.type == elf::SHT_SYMTAB || s.type == elf::SHT_DYNSYM) {
      if (s.entsize != (is64 ? 24u : 16u) || s.size % s.entsize) return bad("symbol table with a bad entry size");
      if (s.link >= shnum || l.sections[s.link].type != elf::SHT_STRTAB) return bad("symbol table without a string table");
    }
    if (s.type == elf::SHT_STRTAB && s.size > 0 && data[s.offset + s.size - 1] != 0)
      return bad("string table " + std::to_string(i) + " is not NUL-terminated");
  }
  if (shstrndx == 0 || shstrndx >= shnum || l.sections[shstrndx].type != elf::SHT_STRTAB)
    return bad("no usable section name table");
  const auto& names = l.sections[shstrndx];
  for (auto& s : l.sections) {
    uint64_t idx = std::stoull(s.name);
    if (idx >= names.size) return bad("a section name points outside the name table");
    s.name = std::string(reinterpret_cast<const char*>(data.data() + names.offset + idx));
  }
  l.sections_usable = true;
}

}  // namespace

std::optional<uint64_t> ElfLayout::offset_of(uint64_t vaddr) const {
  for (const auto& s : segments) {
    if (s.type != elf::PT_LOAD) continue;
    if (vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz) return s.offset + (vaddr - s.vaddr);
  }
  return std::nullopt;
}

std::optional<Bytes> ElfLayout::at(Bytes file, uint64_t vaddr, size_t n) const {
  for (const auto& s : segments) {
    if (s.type != elf::PT_LOAD) continue;
    if (vaddr < s.vaddr || vaddr - s.vaddr >= s.filesz) continue;
    uint64_t rel = vaddr - s.vaddr;
    if (n > s.filesz - rel) return std::nullopt;
    uint64_t off = s.offset + rel;
    if (!fits(off, n, file.size())) return std::nullopt;
    return file.subspan(off, n);
  }
  return std::nullopt;
}

std::optional<std::string> ElfLayout::c_string(Bytes file, uint64_t vaddr, size_t max) const {
  for (const auto& s : segments) {
    if (s.type != elf::PT_LOAD) continue;
    if (vaddr < s.vaddr || vaddr - s.vaddr >= s.filesz) continue;
    uint64_t off = s.offset + (vaddr - s.vaddr);
    uint64_t end = std::min<uint64_t>({s.offset + s.filesz, file.size(), off + max});
    if (off >= end) return std::nullopt;
    const void* nul = std::memchr(file.data() + off, 0, end - off);
    if (!nul) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(file.data() + off));
  }
  return std::nullopt;
}

bool ElfLayout::is_executable(uint64_t vaddr) const {
  for (const auto& s : segments)
    if (s.type == elf::PT_LOAD && (s.flags & elf::PF_X) && vaddr >= s.vaddr && vaddr - s.vaddr < s.memsz) return true;
  return false;
}

const ElfSection* ElfLayout::section_at(uint64_t vaddr) const {
  for (const auto& s : sections)
    if ((s.flags & elf::SHF_ALLOC) && s.size && vaddr >= s.addr && vaddr - s.addr < s.size) return &s;
  return nullptr;
}

const ElfSection* ElfLayout::section_named(std::string_view name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

ElfLayout read_elf_layout(Bytes data) {
  ElfLayout l;
  try {
    if (data.size() < 52) return l.error = "too small for an ELF header", l;
    if (std::memcmp(data.data(), "\x7f" "ELF", 4) != 0) return l.error = "no ELF magic", l;
    if (data[4] != 1 && data[4] != 2) return l.error = "unknown ELF class " + std::to_string(data[4]), l;
    l.elf_class = data[4] == 2 ? 64 : 32;
    if (data[5] != 1) return l.error = "not little-endian (Android code is little-endian)", l;
    if (data[6] != 1) warn(l, "native.elf_bad_version", "ELF identification version is not 1");
    const bool is64 = l.elf_class == 64;
    if (is64 && data.size() < 64) return l.error = "too small for an ELF64 header", l;
    ByteReader r(data);
    l.type = r.u16_at(16);
    l.machine = r.u16_at(18);
    uint64_t phoff, shoff;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
    if (is64) {
      l.entry = r.u64_at(24), phoff = r.u64_at(32), shoff = r.u64_at(40);
      ehsize = r.u16_at(52), phentsize = r.u16_at(54), phnum = r.u16_at(56), shentsize = r.u16_at(58),
      shnum = r.u16_at(60), shstrndx = r.u16_at(62);
    } else {
      l.entry = r.u32_at(24), phoff = r.u32_at(28), shoff = r.u32_at(32);
      ehsize = r.u16_at(40), phentsize = r.u16_at(42), phnum = r.u16_at(44), shentsize = r.u16_at(46),
      shnum = r.u16_at(48), shstrndx = r.u16_at(50);
    }
    if (l.type != elf::ET_DYN && l.type != elf::ET_EXEC && l.type != elf::ET_REL)
      return l.error = "unsupported ELF type " + std::to_string(l.type), l;
    if (ehsize != (is64 ? 64 : 52)) warn(l, "native.elf_bad_header_size", "e_ehsize is " + std::to_string(ehsize));

    // Program headers: what Android's loader reads. Damage here is fatal for the analysis.
    if (phnum) {
      if (phentsize != (is64 ? 56 : 32)) return l.error = "unexpected e_phentsize " + std::to_string(phentsize), l;
      if (phnum > elf_limits::kMaxSegments) return l.error = "too many program headers (" + std::to_string(phnum) + ")", l;
      if (!fits(phoff, uint64_t(phnum) * phentsize, data.size())) return l.error = "program header table runs past the end", l;
    }
    for (uint16_t i = 0; i < phnum; ++i) {
      uint64_t at = phoff + uint64_t(i) * phentsize;
      ElfSegment s;
      s.type = r.u32_at(at);
      if (is64) {
        s.flags = r.u32_at(at + 4), s.offset = r.u64_at(at + 8), s.vaddr = r.u64_at(at + 16),
        s.filesz = r.u64_at(at + 32), s.memsz = r.u64_at(at + 40);
      } else {
        s.offset = r.u32_at(at + 4), s.vaddr = r.u32_at(at + 8), s.filesz = r.u32_at(at + 16),
        s.memsz = r.u32_at(at + 20), s.flags = r.u32_at(at + 24);
      }
      bool in_file = fits(s.offset, s.filesz, data.size());
      if (s.vaddr + s.memsz < s.vaddr) return l.error = "segment " + std::to_string(i) + " wraps the address space", l;
      if (!in_file) {
        if (s.type == elf::PT_LOAD || s.type == elf::PT_DYNAMIC || s.type == elf::PT_INTERP || s.type == elf::PT_NOTE ||
            s.type == elf::PT_GNU_PROPERTY)
          return l.error = "segment " + std::to_string(i) + " runs past the end of the file", l;
        warn(l, "native.elf_segment_out_of_file", "segment " + std::to_string(i) + " runs past the end of the file");
      }
      if (s.type == elf::PT_LOAD && s.memsz < s.filesz)
        warn(l, "native.elf_segment_memsz", "loadable segment smaller in memory than in the file");
      l.segments.push_back(s);
    }
    if (l.type != elf::ET_REL && std::none_of(l.segments.begin(), l.segments.end(), [](auto& s) { return s.type == elf::PT_LOAD; }))
      warn(l, "native.elf_no_load_segment", "no loadable segment");

    read_sections(data, r, l, shoff, shentsize, shnum, shstrndx);

    // The dynamic section, by its segment (as the loader reads it).
    for (const auto& s : l.segments) {
      if (s.type != elf::PT_DYNAMIC) continue;
      size_t ent = is64 ? 16 : 8;
      size_t count = s.filesz / ent;
      bool terminated = false;
      for (size_t i = 0; i < count && i < elf_limits::kMaxDynamic; ++i) {
        uint64_t at = s.offset + i * ent;
        ElfDynamic d;
        d.tag = is64 ? int64_t(r.u64_at(at)) : int64_t(int32_t(r.u32_at(at)));
        d.value = is64 ? r.u64_at(at + 8) : r.u32_at(at + 4);
        if (d.tag == elf::DT_NULL) {
          terminated = true;
          break;
        }
        l.dynamic.push_back(d);
      }
      if (!terminated) warn(l, "native.elf_dynamic_unterminated", "dynamic section has no DT_NULL");
      break;
    }
    std::string why;
    if (!dynamic_strings_ok(data, l, why)) return l.error = why, l;
    for (const auto& d : l.dynamic) {
      if ((d.tag == elf::DT_SYMTAB || d.tag == elf::DT_JMPREL || d.tag == elf::DT_STRTAB) && !l.offset_of(d.value))
        return l.error = "a dynamic table address (tag " + std::to_string(d.tag) + ") is not backed by file bytes", l;
    }
    l.ok = true;
  } catch (const ParseError& e) {
    l.ok = false;
    l.error = std::string("ELF header: ") + e.what();
  } catch (const std::exception& e) {
    l.ok = false;
    l.error = e.what();
  }
  return l;
}

std::vector<uint8_t> bytes_for_lief(Bytes data, const ElfLayout& layout) {
  // A zero tail guards LIEF's C-string reads near the end of the buffer; it changes no table.
  std::vector<uint8_t> copy(data.begin(), data.end());
  copy.resize(copy.size() + 64, 0);
  // Segments outside the file (already reported) are hidden from LIEF, which would read them.
  const bool is64 = layout.elf_class == 64;
  ByteReader r(data);
  uint64_t phoff = is64 ? r.u64_at(32) : r.u32_at(28);
  size_t phent = is64 ? 56 : 32;
  for (size_t i = 0; i < layout.segments.size(); ++i) {
    const auto& s = layout.segments[i];
    if (!fits(s.offset, s.filesz, data.size())) std::memset(copy.data() + phoff + i * phent, 0, phent);  // PT_NULL, empty
  }
  if (!layout.sections_usable) {
    if (layout.elf_class == 64) {
      std::memset(copy.data() + 40, 0, 8);   // e_shoff
      std::memset(copy.data() + 58, 0, 6);   // e_shentsize, e_shnum, e_shstrndx
    } else {
      std::memset(copy.data() + 32, 0, 4);
      std::memset(copy.data() + 46, 0, 6);
    }
  }
  return copy;
}

GnuProperties read_gnu_properties(Bytes data, const ElfLayout& layout) {
  GnuProperties out;
  const size_t align = layout.elf_class == 64 ? 8 : 4;
  auto parse_notes = [&](uint64_t off, uint64_t size) {
    ByteReader r(data);
    uint64_t pos = off, end = off + size;
    if (!fits(off, size, data.size())) return;
    while (pos + 12 <= end) {
      uint32_t namesz = r.u32_at(pos), descsz = r.u32_at(pos + 4), type = r.u32_at(pos + 8);
      uint64_t name_at = pos + 12;
      uint64_t desc_at = name_at + ((uint64_t(namesz) + 3) & ~3ull);
      if (desc_at > end || descsz > end - desc_at) return;
      if (type == 5 && namesz == 4 && std::memcmp(data.data() + name_at, "GNU", 4) == 0) {
        out.found = true;
        uint64_t p = desc_at, pend = desc_at + descsz;
        while (p + 8 <= pend) {
          uint32_t pr_type = r.u32_at(p), pr_size = r.u32_at(p + 4);
          if (pr_size > pend - p - 8) break;
          if (pr_type == elf::GNU_PROPERTY_AARCH64_FEATURE_1_AND && pr_size >= 4) {
            uint32_t bits = r.u32_at(p + 8);
            out.bti = bits & elf::GNU_PROPERTY_AARCH64_FEATURE_1_BTI;
            out.pac = bits & elf::GNU_PROPERTY_AARCH64_FEATURE_1_PAC;
          }
          p += 8 + ((uint64_t(pr_size) + align - 1) & ~uint64_t(align - 1));
        }
      }
      pos = desc_at + ((uint64_t(descsz) + 3) & ~3ull);
    }
  };
  for (const auto& s : layout.segments)
    if (s.type == elf::PT_GNU_PROPERTY) parse_notes(s.offset, s.filesz);
  if (!out.found)
    for (const auto& s : layout.segments)
      if (s.type == elf::PT_NOTE) parse_notes(s.offset, s.filesz);
  if (!out.found)
    for (const auto& s : layout.sections)
      if (s.type == elf::SHT_NOTE && s.name == ".note.gnu.property") parse_notes(s.offset, s.size);
  return out;
}

const char* elf_arch_name(uint16_t machine, int elf_class) {
  switch (machine) {
    case elf::EM_AARCH64: return "arm64";
    case elf::EM_ARM: return "arm";
    case elf::EM_386: return "x86";
    case elf::EM_X86_64: return "x86_64";
    case elf::EM_MIPS: return elf_class == 64 ? "mips64" : "mips";
    case elf::EM_RISCV: return elf_class == 64 ? "riscv64" : "riscv32";
    default: return "other";
  }
}

}  // namespace apkvet
