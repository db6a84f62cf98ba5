#include "scan/jni_bindings.h"

#include <algorithm>
#include <set>

#include "native/jni_names.h"

namespace apkvet {

namespace {

// Whether a library's registrations may be incomplete: it has a JNI_OnLoad that did not run to its
// end under the emulator (not emulated, stopped at a limit or fault, or the library not analysed).
bool registrations_unknown(const NativeLibrary& lib) {
  if (lib.status != "analyzed") return lib.status != "not_elf";
  if (!lib.emulated_copy.empty()) return false;  // its arm64 copy speaks for it
  return lib.jni.onload && lib.emulation.status != "completed";
}

}  // namespace

void bind_java_natives(NativeFacts& native, const dex::DexCorpus& corpus) {
  native.java_natives.clear();
  native.java_natives_unbound = 0;
  bool unknown = false;
  for (const auto& lib : native.libraries) unknown |= registrations_unknown(lib);
  std::set<std::string> seen;
  for (const auto& file : corpus.files()) {
    const dex::DexFile& df = *file;
    for (uint32_t mi = 0; mi < df.methods().size(); ++mi) {
      const dex::Method& m = df.methods()[mi];
      if (!(m.access_flags & dex::kAccNative)) continue;
      std::string signature = df.method_signature(m.method_idx);  // "Lcom/a/B;->m(I)V"
      if (!seen.insert(signature).second) continue;  // the same class in two DEX files: its first copy
      const std::string_view cls = df.method_class(m.method_idx);
      const std::string_view name = df.method_name(m.method_idx);
      const std::string descriptor = signature.substr(signature.find("->") + 2 + name.size());  // "(I)V"
      const std::string params = descriptor.substr(0, descriptor.find(')') + 1);              // "(I)"
      const std::string cls_dotted = dotted_class_name(cls);  // the form NativeJniMethod keeps
      const std::string cls_slashed(cls.size() > 2 ? cls.substr(1, cls.size() - 2) : cls);
      JavaNativeMethod jm;
      jm.method = signature;
      jm.evidence = Evidence{df.path(), signature, ""};
      for (const auto& lib : native.libraries) {
        for (const auto& x : lib.jni.methods)
          if (x.java_class == cls_dotted && x.method == name && (x.signature.empty() || x.signature == params))
            jm.implemented_by.push_back({lib.file, x.symbol, "export"});
        for (const auto& r : lib.emulation.registered)
          if (r.java_class == cls_slashed && r.name == name && r.signature == descriptor)
            jm.implemented_by.push_back({lib.file, r.function, "RegisterNatives"});
      }
      jm.status = !jm.implemented_by.empty() ? "bound" : unknown ? "unknown" : "unbound";
      native.java_natives_unbound += jm.status == "unbound";
      native.java_natives.push_back(std::move(jm));
    }
  }
  std::sort(native.java_natives.begin(), native.java_natives.end(),
            [](const JavaNativeMethod& a, const JavaNativeMethod& b) { return a.method < b.method; });
}

}  // namespace apkvet
