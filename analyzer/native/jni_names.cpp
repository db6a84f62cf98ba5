#include "native/jni_names.h"

#include <algorithm>

#include <vector>

#include "core/utf8.h"

namespace apkvet {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes an escape at s[i] == '_' followed by a digit; returns false when malformed.
bool escape(std::string_view s, size_t& i, std::string& out) {
  char d = s[i + 1];
  if (d == '1') out += '_';
  else if (d == '2') out += ';';
  else if (d == '3') out += '[';
  else if (d == '0') {
    if (i + 6 > s.size()) return false;
    uint32_t cp = 0;
    for (size_t k = 2; k < 6; ++k) {
      int h = hex(s[i + k]);
      if (h < 0) return false;
      cp = cp * 16 + uint32_t(h);
    }
    append_utf8(out, cp);
    i += 6;
    return true;
  } else {
    return false;
  }
  i += 2;
  return true;
}

bool is_escape_digit(char c) { return c >= '0' && c <= '3'; }

}  // namespace

std::optional<JniName> demangle_jni(std::string_view symbol) {
  constexpr std::string_view kPrefix = "Java_";
  if (symbol.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view s = symbol.substr(kPrefix.size());
  std::vector<std::string> parts(1);
  std::string signature;
  bool has_signature = false;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c != '_') {
      parts.back() += c;
      ++i;
      continue;
    }
    if (i + 1 < s.size() && is_escape_digit(s[i + 1])) {
      if (!escape(s, i, parts.back())) return std::nullopt;
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '_') {  // "__": the argument signature follows
      has_signature = true;
      std::string_view rest = s.substr(i + 2);
      size_t j = 0;
      while (j < rest.size()) {
        if (rest[j] == '_') {
          if (j + 1 < rest.size() && is_escape_digit(rest[j + 1])) {
            if (!escape(rest, j, signature)) return std::nullopt;
          } else {
            signature += '/';
            ++j;
          }
        } else {
          signature += rest[j++];
        }
      }
      break;
    }
    parts.emplace_back();
    ++i;
  }
  if (parts.size() < 2) return std::nullopt;
  for (const auto& p : parts)
    if (p.empty()) return std::nullopt;
  JniName out;
  out.method = parts.back();
  for (size_t k = 0; k + 1 < parts.size(); ++k) out.java_class += (k ? "." : "") + parts[k];
  if (has_signature) out.signature = "(" + signature + ")";
  return out;
}

std::string dotted_class_name(std::string_view name) {
  if (name.size() > 2 && name.front() == 'L' && name.back() == ';') name = name.substr(1, name.size() - 2);
  std::string out(name);
  std::replace(out.begin(), out.end(), '/', '.');
  return out;
}

}  // namespace apkvet
