// Java APIs that native code looks up through JNI (FindClass + Get[Static]MethodID/FieldID, seen when
// the emulator ran JNI_OnLoad), matched against the sensitive-API and permission maps of the code
// analysis: data native code can read that an analysis of the DEX alone never sees called.
#pragma once
#include "code/code_rules.h"
#include "native/native_facts.h"

namespace apkvet {

// Fills native.java_apis from every library's emulated lookups. Lookups whose class is unknown
// (GetObjectClass) cannot be matched and are left out.
void match_native_java_apis(NativeFacts& native, const code::CodeRules& rules);

}  // namespace apkvet
