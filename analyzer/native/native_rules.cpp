#include "native/native_rules.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "core/data_dir.h"
#include "facts/evidence.h"

namespace apkvet {

bool glob_match(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++, mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi, ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1, ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::vector<std::string> NativeRules::for_import(std::string_view symbol) const {
  std::vector<std::string> out;
  for (const auto& c : capabilities) {
    bool hit = c.imports.count(symbol) > 0;
    for (const auto& p : c.prefixes)
      if (!hit && symbol.substr(0, p.size()) == p) hit = true;
    if (hit) out.push_back(c.name);
  }
  return out;
}

std::vector<std::string> NativeRules::for_syscall(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& c : capabilities)
    if (c.syscalls.count(name)) out.push_back(c.name);
  return out;
}

std::vector<std::string> NativeRules::for_string(std::string_view s) const {
  std::vector<std::string> out;
  for (const auto& c : capabilities) {
    bool hit = false;
    for (const auto& p : c.string_prefixes)
      if (s.substr(0, p.size()) == p) hit = true;
    for (const auto& w : c.strings)
      if (s.find(w) != std::string_view::npos) hit = true;
    if (hit) out.push_back(c.name);
  }
  return out;
}

NativeRules NativeRules::parse(const std::string& text) {
  NativeRules r;
  Json j = Json::parse(text);
  auto strings = [](const Json& obj, const char* key) {
    std::vector<std::string> v;
    if (obj.contains(key))
      for (const auto& s : obj.at(key)) v.push_back(s.get<std::string>());
    return v;
  };
  for (const auto& [name, c] : j.at("capabilities").items()) {
    CapabilityRule rule;
    rule.name = name;
    for (auto& s : strings(c, "imports")) rule.imports.insert(s);
    for (auto& s : strings(c, "syscalls")) rule.syscalls.insert(s);
    for (auto& s : strings(c, "strings")) rule.strings.insert(s);
    rule.prefixes = strings(c, "prefixes");
    rule.string_prefixes = strings(c, "string_prefixes");
    r.capabilities.push_back(std::move(rule));
  }
  auto names = [&](const char* key, std::vector<LibraryNameRule>& out) {
    for (const auto& f : j.at(key)) {
      LibraryNameRule rule;
      rule.name = f.at("name").get<std::string>();
      rule.libraries = strings(f, "libraries");
      rule.symbols = strings(f, "symbols");
      if (f.contains("source")) rule.source = f.at("source").get<std::string>();
      out.push_back(std::move(rule));
    }
  };
  names("frameworks", r.frameworks);
  names("packers", r.packers);
  return r;
}

const NativeRules& NativeRules::builtin() {
  static std::once_flag once;
  static NativeRules rules;
  static std::string error;
  std::call_once(once, [] {
    try {
      rules = parse(read_text_file(rules_path("native/native_signatures.json")));
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  if (!error.empty()) throw std::runtime_error("native rules: " + error);
  return rules;
}

namespace {

using Table = std::map<int64_t, const char*>;

// From the kernel's tables: include/uapi/asm-generic/unistd.h (arm64), arch/arm/tools/syscall.tbl
// (EABI), arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl. Only what matters for vetting.
const Table& table_arm64() {
  static const Table t = {{63, "read"}, {64, "write"}, {56, "openat"}, {57, "close"}, {198, "socket"}, {203, "connect"},
      {200, "bind"}, {201, "listen"}, {202, "accept"}, {242, "accept4"}, {206, "sendto"}, {207, "recvfrom"},
      {211, "sendmsg"}, {212, "recvmsg"}, {221, "execve"}, {281, "execveat"}, {220, "clone"}, {117, "ptrace"},
      {129, "kill"}, {131, "tgkill"}, {93, "exit"}, {94, "exit_group"}, {222, "mmap"}, {226, "mprotect"},
      {172, "getpid"}, {178, "gettid"}, {167, "prctl"}, {61, "getdents64"}, {35, "unlinkat"}, {78, "readlinkat"},
      {27, "inotify_add_watch"}, {279, "memfd_create"}, {270, "process_vm_readv"}, {277, "seccomp"}};
  return t;
}
const Table& table_arm() {
  static const Table t = {{3, "read"}, {4, "write"}, {5, "open"}, {6, "close"}, {322, "openat"}, {281, "socket"},
      {283, "connect"}, {282, "bind"}, {284, "listen"}, {285, "accept"}, {366, "accept4"}, {290, "sendto"},
      {292, "recvfrom"}, {296, "sendmsg"}, {297, "recvmsg"}, {11, "execve"}, {387, "execveat"}, {2, "fork"},
      {190, "vfork"}, {120, "clone"}, {26, "ptrace"}, {37, "kill"}, {268, "tgkill"}, {1, "exit"}, {248, "exit_group"},
      {192, "mmap2"}, {125, "mprotect"}, {20, "getpid"}, {224, "gettid"}, {172, "prctl"}, {217, "getdents64"},
      {328, "unlinkat"}, {332, "readlinkat"}, {317, "inotify_add_watch"}, {385, "memfd_create"},
      {376, "process_vm_readv"}, {383, "seccomp"}};
  return t;
}
const Table& table_x86_64() {
  static const Table t = {{0, "read"}, {1, "write"}, {2, "open"}, {257, "openat"}, {3, "close"}, {41, "socket"},
      {42, "connect"}, {49, "bind"}, {50, "listen"}, {43, "accept"}, {288, "accept4"}, {44, "sendto"}, {45, "recvfrom"},
      {46, "sendmsg"}, {47, "recvmsg"}, {59, "execve"}, {322, "execveat"}, {57, "fork"}, {58, "vfork"}, {56, "clone"},
      {101, "ptrace"}, {62, "kill"}, {234, "tgkill"}, {60, "exit"}, {231, "exit_group"}, {9, "mmap"}, {10, "mprotect"},
      {39, "getpid"}, {186, "gettid"}, {157, "prctl"}, {217, "getdents64"}, {263, "unlinkat"}, {267, "readlinkat"},
      {254, "inotify_add_watch"}, {319, "memfd_create"}, {310, "process_vm_readv"}, {317, "seccomp"}};
  return t;
}
const Table& table_x86() {
  static const Table t = {{3, "read"}, {4, "write"}, {5, "open"}, {295, "openat"}, {6, "close"}, {359, "socket"},
      {362, "connect"}, {361, "bind"}, {363, "listen"}, {364, "accept4"}, {369, "sendto"}, {371, "recvfrom"},
      {370, "sendmsg"}, {372, "recvmsg"}, {11, "execve"}, {358, "execveat"}, {2, "fork"}, {190, "vfork"},
      {120, "clone"}, {26, "ptrace"}, {37, "kill"}, {270, "tgkill"}, {1, "exit"}, {252, "exit_group"}, {90, "mmap"},
      {192, "mmap2"}, {125, "mprotect"}, {20, "getpid"}, {224, "gettid"}, {172, "prctl"}, {220, "getdents64"},
      {301, "unlinkat"}, {305, "readlinkat"}, {292, "inotify_add_watch"}, {356, "memfd_create"},
      {347, "process_vm_readv"}, {354, "seccomp"}, {102, "socketcall"}};
  return t;
}

}  // namespace

std::string syscall_name(std::string_view arch, int64_t number) {
  const Table* t = arch == "arm64" ? &table_arm64() : arch == "arm" ? &table_arm() : arch == "x86_64" ? &table_x86_64()
                   : arch == "x86" ? &table_x86() : nullptr;
  if (!t) return "";
  auto it = t->find(number);
  return it == t->end() ? "" : it->second;
}

}  // namespace apkvet
