// Code points to UTF-8, for the parsers that decode other encodings (AXML's UTF-16 strings, DEX's
// Modified UTF-8, JNI's escaped symbol names) into the UTF-8 every fact and report holds.
#pragma once
#include <cstdint>
#include <string>

namespace apkvet {

// Appends `cp` as UTF-8. A lone UTF-16 surrogate (0xD800-0xDFFF) has no UTF-8 form and becomes
// U+FFFD, as does anything beyond U+10FFFF; callers join surrogate pairs before calling.
inline void append_utf8(std::string& out, uint32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace apkvet
