// The Dalvik instruction set as far as a linear walk needs it: every opcode's width in code units,
// what its index operand refers to, and the widths of the payload pseudo-instructions.
#pragma once
#include <cstdint>

namespace apkvet::dex {

// What an opcode's index operand (if any) names.
enum class OpRef : uint8_t {
  kNone,
  kString,        // const-string (21c)
  kStringJumbo,   // const-string/jumbo (31c)
  kType,          // const-class, check-cast, new-instance (21c); instance-of, new-array (22c); filled-new-array
  kField,         // iget/iput (22c), sget/sput (21c)
  kMethod,        // invoke-kind (35c / 3rc)
  kMethodProto,   // invoke-polymorphic (45cc / 4rcc)
  kCallSite,      // invoke-custom (35c / 3rc)
  kMethodHandle,  // const-method-handle
  kProto,         // const-method-type
};

struct OpcodeInfo {
  const char* name;  // dexdump's spelling
  uint8_t width;     // code units (payloads computed separately)
  OpRef ref;
};

// Indexed by the low byte of the first code unit.
extern const OpcodeInfo kOpcodes[256];

// Payload pseudo-instructions start with a 0x00 (nop) low byte and these identifiers in the high byte.
inline constexpr uint16_t kPackedSwitchPayload = 0x0100;
inline constexpr uint16_t kSparseSwitchPayload = 0x0200;
inline constexpr uint16_t kFillArrayDataPayload = 0x0300;

// Width of an instruction whose low byte is 0x00: a nop, or a payload whose size its header gives.
uint64_t nop_or_payload_width(const uint8_t* insns_at_pc, uint64_t avail);

// Width in code units of the instruction starting at insns[pc], given up to `avail` units from pc.
// 0 when the instruction (or its payload header) does not fit. Reads only within [pc, pc+avail).
// Inline: the DEX walk calls it once per instruction of every method.
inline uint64_t instruction_width(const uint8_t* insns_at_pc, uint64_t avail) {
  if (avail == 0) return 0;
  if (insns_at_pc[0] == 0) return nop_or_payload_width(insns_at_pc, avail);
  uint64_t width = kOpcodes[insns_at_pc[0]].width;
  return width <= avail ? width : 0;
}

}  // namespace apkvet::dex
