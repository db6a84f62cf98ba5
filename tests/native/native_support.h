// Helpers for the native tests: open a fixture or corpus APK and run the native analysis on it.
#pragma once
#include <algorithm>
#include <string>

#include "archive/app_package.h"
#include "native/native_facts.h"
#include "test_support.h"

namespace apkvet::test {

inline NativeFacts native_of(const std::string& path, AnomalySink* sink = nullptr, NativeOptions opt = {}) {
  AppPackage app(path);
  AnomalySink local;
  return analyze_native(app, sink ? *sink : local, opt);
}

inline const NativeLibrary* library(const NativeFacts& f, const std::string& file) {
  for (const auto& l : f.libraries)
    if (l.file == file) return &l;
  return nullptr;
}

inline const NativeCapability* capability(const NativeLibrary& l, const std::string& name) {
  for (const auto& c : l.capabilities)
    if (c.name == name) return &c;
  return nullptr;
}

inline const NativeFunction* function(const NativeLibrary& l, const std::string& name) {
  for (const auto& f : l.functions)
    if (f.name == name) return &f;
  return nullptr;
}

template <typename C, typename T>
bool contains(const C& c, const T& v) {
  return std::find(c.begin(), c.end(), v) != c.end();
}

inline bool has_string(const NativeFacts& f, const std::string& file, const std::string& value,
                       const std::string& location) {
  for (const auto& s : f.strings)
    if (s.value == value && s.evidence.file == file && s.evidence.location == location) return true;
  return false;
}

}  // namespace apkvet::test
