// JNI symbol names: `Java_<class>_<method>[__<signature>]` mapped back to Java names, with the
// escapes of the JNI specification (_1 '_', _2 ';', _3 '[', _0xxxx a UTF-16 code unit).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace apkvet {

struct JniName {
  std::string java_class;  // dotted, e.g. "gov.test.vet.Native_Bridge"
  std::string method;      // e.g. "sum"
  std::string signature;   // argument types of an overloaded method, e.g. "(ILjava/lang/String;)"; "" when absent
};

// nullopt when `symbol` is not a well-formed JNI name.
std::optional<JniName> demangle_jni(std::string_view symbol);

// A class as FindClass names it ("a/b/C") or as a descriptor ("La/b/C;"), in the dotted form the
// report uses ("a.b.C").
std::string dotted_class_name(std::string_view name);

}  // namespace apkvet
