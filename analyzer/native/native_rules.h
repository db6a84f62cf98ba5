// Interprets rules/native/native_signatures.json (capabilities by import, syscall and string;
// frameworks and packers by library name) and the per-ABI syscall tables of the Linux kernel.
#pragma once
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace apkvet {

struct CapabilityRule {
  std::string name;
  std::set<std::string, std::less<>> imports, syscalls, strings;
  std::vector<std::string> prefixes, string_prefixes;
};

struct LibraryNameRule {
  std::string name;
  std::vector<std::string> libraries;  // globs: '*' matches any run of characters
  std::vector<std::string> symbols;    // any exported symbol also identifies it
  std::string source;
};

struct NativeRules {
  std::vector<CapabilityRule> capabilities;
  std::vector<LibraryNameRule> frameworks, packers;

  // Capabilities an imported symbol, a syscall name or a referenced string gives.
  std::vector<std::string> for_import(std::string_view symbol) const;
  std::vector<std::string> for_syscall(std::string_view name) const;
  std::vector<std::string> for_string(std::string_view s) const;

  // Parses the JSON text; throws std::runtime_error on a malformed file.
  static NativeRules parse(const std::string& json_text);
  // rules/native/native_signatures.json, loaded once; throws when missing.
  static const NativeRules& builtin();
};

bool glob_match(std::string_view pattern, std::string_view text);

// "socket", "connect", ... for a syscall number on an ABI ("arm64", "arm", "x86", "x86_64");
// "" when not in our table of the syscalls that matter for vetting.
std::string syscall_name(std::string_view arch, int64_t number);

}  // namespace apkvet
