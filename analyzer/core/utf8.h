// UTF-8, the encoding every fact and report holds: code points to UTF-8, for the parsers that decode
// other encodings (AXML's UTF-16 strings, DEX's Modified UTF-8, JNI's escaped symbol names), and the
// one definition of well-formed UTF-8 that every reader and report writer checks app text against.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

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

// Length (1-4) of the well-formed UTF-8 sequence at s[i], or 0 when the bytes there are not one:
// truncated, a stray continuation byte, overlong, a UTF-16 surrogate, or beyond U+10FFFF (RFC 3629,
// table 3-7 of the Unicode standard).
inline size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  const size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return 0;  // overlong, surrogate
  if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return 0;  // overlong, > U+10FFFF
  return n;
}

// Offset of the first byte of `s` that is not part of a well-formed sequence, or npos.
inline size_t first_invalid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

// `s` with each byte that does not belong to a well-formed sequence replaced by U+FFFD.
inline std::string replace_invalid_utf8(std::string_view s) {
  size_t i = first_invalid_utf8(s);
  if (i == std::string_view::npos) return std::string(s);
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace apkvet
