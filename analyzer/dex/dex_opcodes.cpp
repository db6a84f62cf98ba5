#include "dex/dex_opcodes.h"

#include <cstring>

namespace apkvet::dex {

const OpcodeInfo kOpcodes[256] = {
    {"nop", 1, OpRef::kNone},                              // 0x00
    {"move", 1, OpRef::kNone},                             // 0x01
    {"move/from16", 2, OpRef::kNone},                      // 0x02
    {"move/16", 3, OpRef::kNone},                          // 0x03
    {"move-wide", 1, OpRef::kNone},                        // 0x04
    {"move-wide/from16", 2, OpRef::kNone},                 // 0x05
    {"move-wide/16", 3, OpRef::kNone},                     // 0x06
    {"move-object", 1, OpRef::kNone},                      // 0x07
    {"move-object/from16", 2, OpRef::kNone},               // 0x08
    {"move-object/16", 3, OpRef::kNone},                   // 0x09
    {"move-result", 1, OpRef::kNone},                      // 0x0a
    {"move-result-wide", 1, OpRef::kNone},                 // 0x0b
    {"move-result-object", 1, OpRef::kNone},               // 0x0c
    {"move-exception", 1, OpRef::kNone},                   // 0x0d
    {"return-void", 1, OpRef::kNone},                      // 0x0e
    {"return", 1, OpRef::kNone},                           // 0x0f
    {"return-wide", 1, OpRef::kNone},                      // 0x10
    {"return-object", 1, OpRef::kNone},                    // 0x11
    {"const/4", 1, OpRef::kNone},                          // 0x12
    {"const/16", 2, OpRef::kNone},                         // 0x13
    {"const", 3, OpRef::kNone},                            // 0x14
    {"const/high16", 2, OpRef::kNone},                     // 0x15
    {"const-wide/16", 2, OpRef::kNone},                    // 0x16
    {"const-wide/32", 3, OpRef::kNone},                    // 0x17
    {"const-wide", 5, OpRef::kNone},                       // 0x18
    {"const-wide/high16", 2, OpRef::kNone},                // 0x19
    {"const-string", 2, OpRef::kString},                   // 0x1a
    {"const-string/jumbo", 3, OpRef::kStringJumbo},        // 0x1b
    {"const-class", 2, OpRef::kType},                      // 0x1c
    {"monitor-enter", 1, OpRef::kNone},                    // 0x1d
    {"monitor-exit", 1, OpRef::kNone},                     // 0x1e
    {"check-cast", 2, OpRef::kType},                       // 0x1f
    {"instance-of", 2, OpRef::kType},                      // 0x20
    {"array-length", 1, OpRef::kNone},                     // 0x21
    {"new-instance", 2, OpRef::kType},                     // 0x22
    {"new-array", 2, OpRef::kType},                        // 0x23
    {"filled-new-array", 3, OpRef::kType},                 // 0x24
    {"filled-new-array/range", 3, OpRef::kType},           // 0x25
    {"fill-array-data", 3, OpRef::kNone},                  // 0x26
    {"throw", 1, OpRef::kNone},                            // 0x27
    {"goto", 1, OpRef::kNone},                             // 0x28
    {"goto/16", 2, OpRef::kNone},                          // 0x29
    {"goto/32", 3, OpRef::kNone},                          // 0x2a
    {"packed-switch", 3, OpRef::kNone},                    // 0x2b
    {"sparse-switch", 3, OpRef::kNone},                    // 0x2c
    {"cmpl-float", 2, OpRef::kNone},                       // 0x2d
    {"cmpg-float", 2, OpRef::kNone},                       // 0x2e
    {"cmpl-double", 2, OpRef::kNone},                      // 0x2f
    {"cmpg-double", 2, OpRef::kNone},                      // 0x30
    {"cmp-long", 2, OpRef::kNone},                         // 0x31
    {"if-eq", 2, OpRef::kNone},                            // 0x32
    {"if-ne", 2, OpRef::kNone},                            // 0x33
    {"if-lt", 2, OpRef::kNone},                            // 0x34
    {"if-ge", 2, OpRef::kNone},                            // 0x35
    {"if-gt", 2, OpRef::kNone},                            // 0x36
    {"if-le", 2, OpRef::kNone},                            // 0x37
    {"if-eqz", 2, OpRef::kNone},                           // 0x38
    {"if-nez", 2, OpRef::kNone},                           // 0x39
    {"if-ltz", 2, OpRef::kNone},                           // 0x3a
    {"if-gez", 2, OpRef::kNone},                           // 0x3b
    {"if-gtz", 2, OpRef::kNone},                           // 0x3c
    {"if-lez", 2, OpRef::kNone},                           // 0x3d
    {"unused-3e", 1, OpRef::kNone},                        // 0x3e
    {"unused-3f", 1, OpRef::kNone},                        // 0x3f
    {"unused-40", 1, OpRef::kNone},                        // 0x40
    {"unused-41", 1, OpRef::kNone},                        // 0x41
    {"unused-42", 1, OpRef::kNone},                        // 0x42
    {"unused-43", 1, OpRef::kNone},                        // 0x43
    {"aget", 2, OpRef::kNone},                             // 0x44
    {"aget-wide", 2, OpRef::kNone},                        // 0x45
    {"aget-object", 2, OpRef::kNone},                      // 0x46
    {"aget-boolean", 2, OpRef::kNone},                     // 0x47
    {"aget-byte", 2, OpRef::kNone},                        // 0x48
    {"aget-char", 2, OpRef::kNone},                        // 0x49
    {"aget-short", 2, OpRef::kNone},                       // 0x4a
    {"aput", 2, OpRef::kNone},                             // 0x4b
    {"aput-wide", 2, OpRef::kNone},                        // 0x4c
    {"aput-object", 2, OpRef::kNone},                      // 0x4d
    {"aput-boolean", 2, OpRef::kNone},                     // 0x4e
    {"aput-byte", 2, OpRef::kNone},                        // 0x4f
    {"aput-char", 2, OpRef::kNone},                        // 0x50
    {"aput-short", 2, OpRef::kNone},                       // 0x51
    {"iget", 2, OpRef::kField},                            // 0x52
    {"iget-wide", 2, OpRef::kField},                       // 0x53
    {"iget-object", 2, OpRef::kField},                     // 0x54
    {"iget-boolean", 2, OpRef::kField},                    // 0x55
    {"iget-byte", 2, OpRef::kField},                       // 0x56
    {"iget-char", 2, OpRef::kField},                       // 0x57
    {"iget-short", 2, OpRef::kField},                      // 0x58
    {"iput", 2, OpRef::kField},                            // 0x59
    {"iput-wide", 2, OpRef::kField},                       // 0x5a
    {"iput-object", 2, OpRef::kField},                     // 0x5b
    {"iput-boolean", 2, OpRef::kField},                    // 0x5c
    {"iput-byte", 2, OpRef::kField},                       // 0x5d
    {"iput-char", 2, OpRef::kField},                       // 0x5e
    {"iput-short", 2, OpRef::kField},                      // 0x5f
    {"sget", 2, OpRef::kField},                            // 0x60
    {"sget-wide", 2, OpRef::kField},                       // 0x61
    {"sget-object", 2, OpRef::kField},                     // 0x62
    {"sget-boolean", 2, OpRef::kField},                    // 0x63
    {"sget-byte", 2, OpRef::kField},                       // 0x64
    {"sget-char", 2, OpRef::kField},                       // 0x65
    {"sget-short", 2, OpRef::kField},                      // 0x66
    {"sput", 2, OpRef::kField},                            // 0x67
    {"sput-wide", 2, OpRef::kField},                       // 0x68
    {"sput-object", 2, OpRef::kField},                     // 0x69
    {"sput-boolean", 2, OpRef::kField},                    // 0x6a
    {"sput-byte", 2, OpRef::kField},                       // 0x6b
    {"sput-char", 2, OpRef::kField},                       // 0x6c
    {"sput-short", 2, OpRef::kField},                      // 0x6d
    {"invoke-virtual", 3, OpRef::kMethod},                 // 0x6e
    {"invoke-super", 3, OpRef::kMethod},                   // 0x6f
    {"invoke-direct", 3, OpRef::kMethod},                  // 0x70
    {"invoke-static", 3, OpRef::kMethod},                  // 0x71
    {"invoke-interface", 3, OpRef::kMethod},               // 0x72
    {"unused-73", 1, OpRef::kNone},                        // 0x73
    {"invoke-virtual/range", 3, OpRef::kMethod},           // 0x74
    {"invoke-super/range", 3, OpRef::kMethod},             // 0x75
    {"invoke-direct/range", 3, OpRef::kMethod},            // 0x76
    {"invoke-static/range", 3, OpRef::kMethod},            // 0x77
    {"invoke-interface/range", 3, OpRef::kMethod},         // 0x78
    {"unused-79", 1, OpRef::kNone},                        // 0x79
    {"unused-7a", 1, OpRef::kNone},                        // 0x7a
    {"neg-int", 1, OpRef::kNone},                          // 0x7b
    {"not-int", 1, OpRef::kNone},                          // 0x7c
    {"neg-long", 1, OpRef::kNone},                         // 0x7d
    {"not-long", 1, OpRef::kNone},                         // 0x7e
    {"neg-float", 1, OpRef::kNone},                        // 0x7f
    {"neg-double", 1, OpRef::kNone},                       // 0x80
    {"int-to-long", 1, OpRef::kNone},                      // 0x81
    {"int-to-float", 1, OpRef::kNone},                     // 0x82
    {"int-to-double", 1, OpRef::kNone},                    // 0x83
    {"long-to-int", 1, OpRef::kNone},                      // 0x84
    {"long-to-float", 1, OpRef::kNone},                    // 0x85
    {"long-to-double", 1, OpRef::kNone},                   // 0x86
    {"float-to-int", 1, OpRef::kNone},                     // 0x87
    {"float-to-long", 1, OpRef::kNone},                    // 0x88
    {"float-to-double", 1, OpRef::kNone},                  // 0x89
    {"double-to-int", 1, OpRef::kNone},                    // 0x8a
    {"double-to-long", 1, OpRef::kNone},                   // 0x8b
    {"double-to-float", 1, OpRef::kNone},                  // 0x8c
    {"int-to-byte", 1, OpRef::kNone},                      // 0x8d
    {"int-to-char", 1, OpRef::kNone},                      // 0x8e
    {"int-to-short", 1, OpRef::kNone},                     // 0x8f
    {"add-int", 2, OpRef::kNone},                          // 0x90
    {"sub-int", 2, OpRef::kNone},                          // 0x91
    {"mul-int", 2, OpRef::kNone},                          // 0x92
    {"div-int", 2, OpRef::kNone},                          // 0x93
    {"rem-int", 2, OpRef::kNone},                          // 0x94
    {"and-int", 2, OpRef::kNone},                          // 0x95
    {"or-int", 2, OpRef::kNone},                           // 0x96
    {"xor-int", 2, OpRef::kNone},                          // 0x97
    {"shl-int", 2, OpRef::kNone},                          // 0x98
    {"shr-int", 2, OpRef::kNone},                          // 0x99
    {"ushr-int", 2, OpRef::kNone},                         // 0x9a
    {"add-long", 2, OpRef::kNone},                         // 0x9b
    {"sub-long", 2, OpRef::kNone},                         // 0x9c
    {"mul-long", 2, OpRef::kNone},                         // 0x9d
    {"div-long", 2, OpRef::kNone},                         // 0x9e
    {"rem-long", 2, OpRef::kNone},                         // 0x9f
    {"and-long", 2, OpRef::kNone},                         // 0xa0
    {"or-long", 2, OpRef::kNone},                          // 0xa1
    {"xor-long", 2, OpRef::kNone},                         // 0xa2
    {"shl-long", 2, OpRef::kNone},                         // 0xa3
    {"shr-long", 2, OpRef::kNone},                         // 0xa4
    {"ushr-long", 2, OpRef::kNone},                        // 0xa5
    {"add-float", 2, OpRef::kNone},                        // 0xa6
    {"sub-float", 2, OpRef::kNone},                        // 0xa7
    {"mul-float", 2, OpRef::kNone},                        // 0xa8
    {"div-float", 2, OpRef::kNone},                        // 0xa9
    {"rem-float", 2, OpRef::kNone},                        // 0xaa
    {"add-double", 2, OpRef::kNone},                       // 0xab
    {"sub-double", 2, OpRef::kNone},                       // 0xac
    {"mul-double", 2, OpRef::kNone},                       // 0xad
    {"div-double", 2, OpRef::kNone},                       // 0xae
    {"rem-double", 2, OpRef::kNone},                       // 0xaf
    {"add-int/2addr", 1, OpRef::kNone},                    // 0xb0
    {"sub-int/2addr", 1, OpRef::kNone},                    // 0xb1
    {"mul-int/2addr", 1, OpRef::kNone},                    // 0xb2
    {"div-int/2addr", 1, OpRef::kNone},                    // 0xb3
    {"rem-int/2addr", 1, OpRef::kNone},                    // 0xb4
    {"and-int/2addr", 1, OpRef::kNone},                    // 0xb5
    {"or-int/2addr", 1, OpRef::kNone},                     // 0xb6
    {"xor-int/2addr", 1, OpRef::kNone},                    // 0xb7
    {"shl-int/2addr", 1, OpRef::kNone},                    // 0xb8
    {"shr-int/2addr", 1, OpRef::kNone},                    // 0xb9
    {"ushr-int/2addr", 1, OpRef::kNone},                   // 0xba
    {"add-long/2addr", 1, OpRef::kNone},                   // 0xbb
    {"sub-long/2addr", 1, OpRef::kNone},                   // 0xbc
    {"mul-long/2addr", 1, OpRef::kNone},                   // 0xbd
    {"div-long/2addr", 1, OpRef::kNone},                   // 0xbe
    {"rem-long/2addr", 1, OpRef::kNone},                   // 0xbf
    {"and-long/2addr", 1, OpRef::kNone},                   // 0xc0
    {"or-long/2addr", 1, OpRef::kNone},                    // 0xc1
    {"xor-long/2addr", 1, OpRef::kNone},                   // 0xc2
    {"shl-long/2addr", 1, OpRef::kNone},                   // 0xc3
    {"shr-long/2addr", 1, OpRef::kNone},                   // 0xc4
    {"ushr-long/2addr", 1, OpRef::kNone},                  // 0xc5
    {"add-float/2addr", 1, OpRef::kNone},                  // 0xc6
    {"sub-float/2addr", 1, OpRef::kNone},                  // 0xc7
    {"mul-float/2addr", 1, OpRef::kNone},                  // 0xc8
    {"div-float/2addr", 1, OpRef::kNone},                  // 0xc9
    {"rem-float/2addr", 1, OpRef::kNone},                  // 0xca
    {"add-double/2addr", 1, OpRef::kNone},                 // 0xcb
    {"sub-double/2addr", 1, OpRef::kNone},                 // 0xcc
    {"mul-double/2addr", 1, OpRef::kNone},                 // 0xcd
    {"div-double/2addr", 1, OpRef::kNone},                 // 0xce
    {"rem-double/2addr", 1, OpRef::kNone},                 // 0xcf
    {"add-int/lit16", 2, OpRef::kNone},                    // 0xd0
    {"rsub-int", 2, OpRef::kNone},                         // 0xd1
    {"mul-int/lit16", 2, OpRef::kNone},                    // 0xd2
    {"div-int/lit16", 2, OpRef::kNone},                    // 0xd3
    {"rem-int/lit16", 2, OpRef::kNone},                    // 0xd4
    {"and-int/lit16", 2, OpRef::kNone},                    // 0xd5
    {"or-int/lit16", 2, OpRef::kNone},                     // 0xd6
    {"xor-int/lit16", 2, OpRef::kNone},                    // 0xd7
    {"add-int/lit8", 2, OpRef::kNone},                     // 0xd8
    {"rsub-int/lit8", 2, OpRef::kNone},                    // 0xd9
    {"mul-int/lit8", 2, OpRef::kNone},                     // 0xda
    {"div-int/lit8", 2, OpRef::kNone},                     // 0xdb
    {"rem-int/lit8", 2, OpRef::kNone},                     // 0xdc
    {"and-int/lit8", 2, OpRef::kNone},                     // 0xdd
    {"or-int/lit8", 2, OpRef::kNone},                      // 0xde
    {"xor-int/lit8", 2, OpRef::kNone},                     // 0xdf
    {"shl-int/lit8", 2, OpRef::kNone},                     // 0xe0
    {"shr-int/lit8", 2, OpRef::kNone},                     // 0xe1
    {"ushr-int/lit8", 2, OpRef::kNone},                    // 0xe2
    {"unused-e3", 1, OpRef::kNone},                        // 0xe3
    {"unused-e4", 1, OpRef::kNone},                        // 0xe4
    {"unused-e5", 1, OpRef::kNone},                        // 0xe5
    {"unused-e6", 1, OpRef::kNone},                        // 0xe6
    {"unused-e7", 1, OpRef::kNone},                        // 0xe7
    {"unused-e8", 1, OpRef::kNone},                        // 0xe8
    {"unused-e9", 1, OpRef::kNone},                        // 0xe9
    {"unused-ea", 1, OpRef::kNone},                        // 0xea
    {"unused-eb", 1, OpRef::kNone},                        // 0xeb
    {"unused-ec", 1, OpRef::kNone},                        // 0xec
    {"unused-ed", 1, OpRef::kNone},                        // 0xed
    {"unused-ee", 1, OpRef::kNone},                        // 0xee
    {"unused-ef", 1, OpRef::kNone},                        // 0xef
    {"unused-f0", 1, OpRef::kNone},                        // 0xf0
    {"unused-f1", 1, OpRef::kNone},                        // 0xf1
    {"unused-f2", 1, OpRef::kNone},                        // 0xf2
    {"unused-f3", 1, OpRef::kNone},                        // 0xf3
    {"unused-f4", 1, OpRef::kNone},                        // 0xf4
    {"unused-f5", 1, OpRef::kNone},                        // 0xf5
    {"unused-f6", 1, OpRef::kNone},                        // 0xf6
    {"unused-f7", 1, OpRef::kNone},                        // 0xf7
    {"unused-f8", 1, OpRef::kNone},                        // 0xf8
    {"unused-f9", 1, OpRef::kNone},                        // 0xf9
    {"invoke-polymorphic", 4, OpRef::kMethodProto},        // 0xfa
    {"invoke-polymorphic/range", 4, OpRef::kMethodProto},  // 0xfb
    {"invoke-custom", 3, OpRef::kCallSite},                // 0xfc
    {"invoke-custom/range", 3, OpRef::kCallSite},          // 0xfd
    {"const-method-handle", 2, OpRef::kMethodHandle},      // 0xfe
    {"const-method-type", 2, OpRef::kProto},               // 0xff
};

namespace {
inline uint64_t unit_at(const uint8_t* p, uint64_t i) { return uint64_t(p[2 * i]) | (uint64_t(p[2 * i + 1]) << 8); }
}  // namespace

uint64_t nop_or_payload_width(const uint8_t* insns, uint64_t avail) {
  if (avail == 0) return 0;
  uint64_t first = unit_at(insns, 0);
  uint64_t width = kOpcodes[first & 0xff].width;
  if (first == kPackedSwitchPayload) {
    if (avail < 2) return 0;
    width = unit_at(insns, 1) * 2 + 4;
  } else if (first == kSparseSwitchPayload) {
    if (avail < 2) return 0;
    width = unit_at(insns, 1) * 4 + 2;
  } else if (first == kFillArrayDataPayload) {
    if (avail < 4) return 0;
    uint64_t element_width = unit_at(insns, 1);
    uint64_t count = unit_at(insns, 2) | (unit_at(insns, 3) << 16);
    width = (count * element_width + 1) / 2 + 4;
  }
  return width <= avail ? width : 0;
}

}  // namespace apkvet::dex
