// Our own reading of an ELF's header, program headers and section headers, with every table and
// count checked against the file, before LIEF ever sees the bytes; and the loaded image by address.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.h"

namespace apkvet {

namespace elf {
inline constexpr uint16_t ET_REL = 1, ET_EXEC = 2, ET_DYN = 3;
inline constexpr uint16_t EM_386 = 3, EM_MIPS = 8, EM_ARM = 40, EM_X86_64 = 62, EM_AARCH64 = 183, EM_RISCV = 243;
inline constexpr uint32_t PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_GNU_STACK = 0x6474e551,
                          PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553;
inline constexpr uint32_t PF_X = 1, PF_W = 2, PF_R = 4;
inline constexpr uint32_t SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOTE = 7, SHT_NOBITS = 8,
                          SHT_DYNSYM = 11;
inline constexpr uint64_t SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
inline constexpr int64_t DT_NULL = 0, DT_NEEDED = 1, DT_PLTGOT = 3, DT_STRTAB = 5, DT_SYMTAB = 6, DT_STRSZ = 10,
                         DT_SONAME = 14, DT_RPATH = 15, DT_TEXTREL = 22, DT_JMPREL = 23, DT_BIND_NOW = 24,
                         DT_RUNPATH = 29, DT_FLAGS = 30, DT_RELRSZ = 35, DT_RELR = 36, DT_RELRENT = 37,
                         DT_ANDROID_REL = 0x6000000f, DT_ANDROID_RELSZ = 0x60000010, DT_ANDROID_RELA = 0x60000011,
                         DT_ANDROID_RELASZ = 0x60000012, DT_ANDROID_RELR = 0x6fffe000,
                         DT_ANDROID_RELRSZ = 0x6fffe001, DT_FLAGS_1 = 0x6ffffffb;
inline constexpr uint64_t DF_TEXTREL = 0x4, DF_BIND_NOW = 0x8, DF_1_NOW = 0x1, DF_1_PIE = 0x08000000;
inline constexpr uint32_t GNU_PROPERTY_AARCH64_FEATURE_1_AND = 0xc0000000;
inline constexpr uint32_t GNU_PROPERTY_AARCH64_FEATURE_1_BTI = 1, GNU_PROPERTY_AARCH64_FEATURE_1_PAC = 2;
}  // namespace elf

struct ElfSegment {
  uint32_t type = 0, flags = 0;
  uint64_t offset = 0, vaddr = 0, filesz = 0, memsz = 0;
};

struct ElfSection {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0, addr = 0, offset = 0, size = 0, entsize = 0;
  uint32_t link = 0, info = 0;
};

struct ElfDynamic {
  int64_t tag = 0;
  uint64_t value = 0;
};

// The validated layout. `ok` false means the file must not be given to LIEF (reason in `error`);
// `sections_usable` false means LIEF gets a copy without section headers (Android's loader ignores
// them too, and damaging them is a known anti-analysis trick).
struct ElfLayout {
  bool ok = false;
  std::string error;
  std::vector<std::string> warnings;  // "id|message"
  int elf_class = 0;
  uint16_t type = 0, machine = 0;
  uint64_t entry = 0;
  std::vector<ElfSegment> segments;
  std::vector<ElfSection> sections;
  bool sections_usable = false;
  std::vector<ElfDynamic> dynamic;  // from PT_DYNAMIC, up to DT_NULL

  // Bytes at a virtual address inside a loaded segment's file image, or nullopt.
  std::optional<Bytes> at(Bytes file, uint64_t vaddr, size_t n) const;
  // The file offset of a virtual address, or nullopt when it is not backed by file bytes.
  std::optional<uint64_t> offset_of(uint64_t vaddr) const;
  // A NUL-terminated string at a virtual address (at most max bytes), or nullopt.
  std::optional<std::string> c_string(Bytes file, uint64_t vaddr, size_t max = 4096) const;
  bool is_executable(uint64_t vaddr) const;
  const ElfSection* section_at(uint64_t vaddr) const;
  const ElfSection* section_named(std::string_view name) const;
};

namespace elf_limits {
inline constexpr size_t kMaxSegments = 256;
inline constexpr size_t kMaxSections = 4096;
inline constexpr size_t kMaxDynamic = 4096;
}  // namespace elf_limits

// Validates and reads the layout. Never throws.
ElfLayout read_elf_layout(Bytes data);

// The bytes LIEF may parse: the input, or a copy without its section header table when that is
// unusable (see ElfLayout::sections_usable).
std::vector<uint8_t> bytes_for_lief(Bytes data, const ElfLayout& layout);

// AArch64 GNU property note: BTI and PAC bits (from PT_GNU_PROPERTY, PT_NOTE or .note.gnu.property).
struct GnuProperties {
  bool found = false;
  bool bti = false, pac = false;
};
GnuProperties read_gnu_properties(Bytes data, const ElfLayout& layout);

const char* elf_arch_name(uint16_t machine, int elf_class);

}  // namespace apkvet
