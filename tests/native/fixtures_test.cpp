// Every planted fact of fixtures/native (vet_native.c built by fixtures/native/build.sh) is found:
// identity, JNI, hardening, syscalls, capabilities, functions with their strings, frameworks, packers.
#include <doctest/doctest.h>

#include "native_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

const NativeFacts& vet() {
  static NativeFacts f = native_of(fixture("native/native-vet.apk"));
  return f;
}

void check_common_code_facts(const NativeLibrary& l, int64_t socket_nr) {
  CHECK(l.status == "analyzed");
  CHECK(l.needed == std::vector<std::string>{"libc.so", "libdl.so", "libcrypto.so"});
  for (const char* imp : {"socket", "connect", "getaddrinfo", "ptrace", "system", "popen", "execve", "dlopen", "dlsym"})
    CHECK_MESSAGE(contains(l.imports, imp), imp);
  CHECK(contains(l.exports, "JNI_OnLoad"));
  // JNI surface.
  CHECK(l.jni.onload);
  CHECK(l.jni.register_natives);
  CHECK(contains(l.jni.register_natives_in, "JNI_OnLoad"));
  auto method = [&](const std::string& cls, const std::string& m, const std::string& sig) {
    for (const auto& j : l.jni.methods)
      if (j.java_class == cls && j.method == m && j.signature == sig) return true;
    return false;
  };
  CHECK(method("gov.test.vet.NativeBridge", "ping", ""));
  CHECK(method("gov.test.vet.Native_Bridge", "hello", ""));
  CHECK(method("gov.test.vet.NativeBridge", "sum", "(II)"));
  CHECK(method("gov.test.vet.NativeBridge", "sum", "(Ljava/lang/String;)"));
  CHECK(method("gov.test.vet.Caf\xc3\xa9", "greet", ""));
  CHECK(method("gov.test.vet.NativeBridge", "digest", "([BI)"));
  CHECK(l.jni.methods.size() == 6);
  // Direct socket syscall.
  bool raw = false;
  for (const auto& s : l.syscalls)
    if (s.number == socket_nr && s.name == "socket" && s.function == "raw_socket") raw = true;
  CHECK_MESSAGE(raw, l.file);
  // Capabilities and the functions that show them.
  auto cap_in = [&](const std::string& cap, const std::string& fn) {
    const NativeCapability* c = capability(l, cap);
    return c && contains(c->functions, fn);
  };
  CHECK(cap_in("network", "beacon_rodata"));
  CHECK(cap_in("network", "beacon_stack"));
  CHECK(cap_in("network", "raw_socket"));
  CHECK(cap_in("exec", "run_shell"));
  CHECK(cap_in("anti_debug", "anti_debug"));
  CHECK(cap_in("proc_access", "anti_debug"));
  CHECK(cap_in("dynamic_loading", "load_crypto"));
  CHECK(capability(l, "crypto") != nullptr);
  CHECK(contains(l.dlopen_names, "libssl.so"));
  CHECK(contains(l.dlsym_names, "SSL_connect"));
  // Functions reaching network/exec, with the strings they use.
  const NativeFunction* rodata = function(l, "beacon_rodata");
  REQUIRE_MESSAGE(rodata, l.file);
  CHECK(contains(rodata->reaches, "network"));
  CHECK(contains(rodata->strings, "https://c2.rodata-endpoint.test/api/v1/beacon"));
  CHECK(contains(rodata->strings, "c2.rodata-endpoint.test"));
  const NativeFunction* stack = function(l, "beacon_stack");
  REQUIRE(stack);
  CHECK(contains(stack->strings, "http://stack-built.example.test/p"));
  const NativeFunction* shell = function(l, "run_shell");
  REQUIRE(shell);
  CHECK(contains(shell->reaches, "exec"));
  CHECK(contains(shell->strings, "su -c 'setenforce 0'"));
}

}  // namespace

TEST_CASE("fixtures: every library of native-vet.apk is listed, including hidden and broken ones") {
  const auto& f = vet();
  CHECK(f.analyzed);
  REQUIRE(f.libraries.size() == 4);
  CHECK(f.abis == std::vector<std::string>{"arm64-v8a", "armeabi-v7a"});
  const NativeLibrary* hidden = library(f, "assets/payload.dat");
  REQUIRE(hidden);
  CHECK(hidden->hidden);
  CHECK(hidden->status == "analyzed");
  CHECK(hidden->arch == "arm64");
  const NativeLibrary* broken = library(f, "lib/arm64-v8a/libbroken.so");
  REQUIRE(broken);
  CHECK(broken->status == "invalid_elf");
}

TEST_CASE("fixtures: arm64 hardened gcc build") {
  const NativeLibrary* l = library(vet(), "lib/arm64-v8a/libvet.so");
  REQUIRE(l);
  CHECK(l->arch == "arm64");
  CHECK(l->bits == 64);
  CHECK(l->soname == "libvet.so");
  const auto& h = l->hardening;
  CHECK(h.nx);
  CHECK(h.relro == "full");
  CHECK(h.canary);
  CHECK(h.fortify);
  CHECK(contains(h.fortified, "__strcpy_chk"));
  CHECK_FALSE(h.textrel);
  CHECK(h.rpath.empty());
  CHECK_FALSE(h.stripped);
  REQUIRE(h.bti);
  CHECK(*h.bti);
  REQUIRE(h.pac);
  CHECK(*h.pac);
  CHECK(h.position_independent);
  check_common_code_facts(*l, 198);
}

TEST_CASE("fixtures: armv7 hardened gcc build (Thumb-2)") {
  const NativeLibrary* l = library(vet(), "lib/armeabi-v7a/libvet.so");
  REQUIRE(l);
  CHECK(l->arch == "arm");
  CHECK(l->bits == 32);
  CHECK(l->hardening.relro == "full");
  CHECK(l->hardening.canary);
  CHECK_FALSE(l->hardening.bti.has_value());
  check_common_code_facts(*l, 281);
}

TEST_CASE("fixtures: the native string pool cites function or offset") {
  const auto& f = vet();
  CHECK(has_string(f, "lib/arm64-v8a/libvet.so", "https://c2.rodata-endpoint.test/api/v1/beacon", "function beacon_rodata"));
  CHECK(has_string(f, "lib/arm64-v8a/libvet.so", "http://stack-built.example.test/p", "function beacon_stack (stack)"));
  CHECK(has_string(f, "lib/armeabi-v7a/libvet.so", "http://stack-built.example.test/p", "function beacon_stack (stack)"));
  bool by_offset = false;
  for (const auto& s : f.strings)
    if (s.evidence.location.rfind("offset 0x", 0) == 0) by_offset = true;
  CHECK(by_offset);  // .rodata strings no code was seen to use
}

TEST_CASE("fixtures: unhardened builds") {
  NativeFacts f = native_of(fixture("native/native-weak.apk"));
  const NativeLibrary* a64 = library(f, "lib/arm64-v8a/libvetweak.so");
  const NativeLibrary* a32 = library(f, "lib/armeabi-v7a/libvetweak.so");
  REQUIRE(a64);
  REQUIRE(a32);
  for (const NativeLibrary* l : {a64, a32}) {
    CHECK(l->status == "analyzed");
    CHECK_FALSE(l->hardening.nx);
    CHECK(l->hardening.relro == "none");
    CHECK_FALSE(l->hardening.canary);
    CHECK_FALSE(l->hardening.fortify);
    CHECK(l->hardening.stripped);
  }
  CHECK(a64->hardening.rpath == std::vector<std::string>{"/data/local/tmp/vet"});
  CHECK(a32->hardening.runpath == std::vector<std::string>{"/data/local/tmp/vet"});
  CHECK(a32->hardening.textrel);
  CHECK_FALSE(a64->hardening.textrel);
  REQUIRE(a64->hardening.bti);
  CHECK_FALSE(*a64->hardening.bti);
  // Stripped: the exported functions still carry the code facts (ARM mode, absolute literal pools).
  check_common_code_facts(*a64, 198);
  check_common_code_facts(*a32, 281);
}

TEST_CASE("fixtures: clang/lld packed relocations on four ABIs") {
  NativeFacts f = native_of(fixture("native/native-packed.apk"));
  CHECK(f.abis == std::vector<std::string>{"arm64-v8a", "armeabi-v7a", "x86", "x86_64"});
  const std::pair<const char*, int64_t> abis[] = {
      {"arm64-v8a", 198}, {"armeabi-v7a", 281}, {"x86", 359}, {"x86_64", 41}};
  for (auto [abi_c, nr] : abis) {
    std::string abi = abi_c;
    const NativeLibrary* l = library(f, "lib/" + abi + "/libvetpacked.so");
    REQUIRE_MESSAGE(l, abi);
    CAPTURE(abi);
    CHECK(l->hardening.android_packed_relocs);
    CHECK(l->hardening.relr);
    CHECK(l->hardening.relro == "full");
    CHECK(l->hardening.canary);
    check_common_code_facts(*l, nr);
  }
}

TEST_CASE("fixtures: frameworks and packers by library name") {
  NativeFacts f = native_of(fixture("native/native-frameworks.apk"));
  auto names = [](const std::vector<NativeIdentification>& v) {
    std::vector<std::string> out;
    for (const auto& i : v) out.push_back(i.name + "@" + i.evidence.file);
    return out;
  };
  auto fw = names(f.frameworks);
  CHECK(contains(fw, "Flutter@lib/arm64-v8a/libflutter.so"));
  CHECK(contains(fw, "Flutter@lib/arm64-v8a/libapp.so"));
  CHECK(contains(fw, "Hermes (React Native)@lib/arm64-v8a/libhermes.so"));
  auto pk = names(f.packers);
  CHECK(contains(pk, "Jiagu (Qihoo 360)@lib/arm64-v8a/libjiagu_a64.so"));
  CHECK(pk.size() == 1);
}

TEST_CASE("fixtures: JSON output is deterministic and carries the facts") {
  Json a = vet(), b = native_of(fixture("native/native-vet.apk"));
  CHECK(a.dump() == b.dump());
  const Json* lib = nullptr;
  for (const auto& l : a["libraries"])
    if (l["file"] == "lib/arm64-v8a/libvet.so") lib = &l;
  REQUIRE(lib);
  CHECK((*lib)["hardening"]["relro"] == "full");
  CHECK((*lib)["hardening"]["bti"] == true);
  CHECK((*lib)["jni"]["register_natives"] == true);
}
