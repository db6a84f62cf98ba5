// Obfuscation and packing signals: identifier renaming, string-encryption hints, DEX in unusual places,
// packer stubs (classes via the tracker matcher, native libraries by file name).
#pragma once
#include <string_view>

#include "archive/app_package.h"
#include "code/code_facts.h"
#include "code/code_model.h"

namespace apkvet::code {

ObfuscationFacts analyze_obfuscation(const AppPackage& app, const CodeModel& model);

// Whether a simple class/method name looks machine-renamed (a, b, aa, Ab, iI1...). Exposed for tests.
bool meaningless_name(std::string_view simple, bool is_class);
// Shannon entropy in bits per character.
double shannon_entropy(std::string_view s);

}  // namespace apkvet::code
