// What the emulated run of native code (elf/jni_emulation.cpp) adds to a scan: decoded strings searched
// for endpoints like any other, and Java APIs looked up through JNI matched to data categories.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "code/code_rules.h"
#include "dex/dex_corpus.h"
#include "scan/jni_bindings.h"
#include "scan/native_java_apis.h"
#include "scan/scan.h"
#include "test_support.h"

using namespace apkvet;

TEST_CASE("emulation: the decoded endpoint reaches the strings area with its library and address") {
  ScanResult scan = scan_file(test::fixture("native/native-emulated.apk"), ScanOptions{});
  REQUIRE(scan.ok);
  const Endpoint* hidden = nullptr;
  for (const auto& e : scan.facts.strings.endpoints)
    if (e.value == "https://mon.byteoversea.com/monitor/collect/hidden") hidden = &e;
  REQUIRE(hidden);
  std::set<std::pair<std::string, std::string>> where;
  for (const auto& ev : hidden->evidence) where.insert({ev.file, ev.location});
  CHECK(where.count({"lib/arm64-v8a/libemulated.so", "emulated: decoded at 0x20000"}));
  CHECK(where.count({"lib/arm64-v8a/libemulated.so", "emulated: produced at run time"}));
}


TEST_CASE("emulation: Java APIs native code looks up through JNI get the sensitive-API category and permissions") {
  ScanResult scan = scan_file(test::fixture("native/native-emulated.apk"), ScanOptions{});
  REQUIRE(scan.ok);
  const auto& apis = scan.facts.native_code.java_apis;
  REQUIRE(apis.size() == 1);  // the arm64 copy's (the armeabi-v7a one is left to it)
  for (const auto& a : apis) {
    CHECK(a.call == "GetMethodID");
    CHECK(a.descriptor == "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;");
    CHECK(a.categories == std::vector<std::string>{"device_identifiers"});
    CHECK(a.permissions == std::vector<std::string>{"android.permission.READ_PRIVILEGED_PHONE_STATE"});
  }
  CHECK(apis[0].library == "lib/arm64-v8a/libemulated.so");
}

TEST_CASE("emulation: lookups of unknown classes, of harmless members, or of APIs that need a string beside them are not claimed") {
  NativeFacts native;
  NativeLibrary lib;
  lib.file = "lib/arm64-v8a/libx.so";
  lib.emulation.lookups = {
      {"GetStaticMethodID", "android/provider/Settings$Secure", "getString",
       "(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;"},  // needs "android_id" with it
      {"GetMethodID", "", "getDeviceId", "()Ljava/lang/String;"},                      // class from GetObjectClass
      {"GetFieldID", "android/graphics/Path", "mNativePath", "J"},                     // nothing sensitive
      {"GetStaticFieldID", "android/os/Build", "SERIAL", "Ljava/lang/String;"},        // the serial number
  };
  native.libraries.push_back(lib);
  match_native_java_apis(native, *code::default_code_rules());
  REQUIRE(native.java_apis.size() == 1);
  CHECK(native.java_apis[0].descriptor == "Landroid/os/Build;->SERIAL:Ljava/lang/String;");
  CHECK(native.java_apis[0].call == "GetStaticFieldID");
  CHECK(native.java_apis[0].categories == std::vector<std::string>{"device_identifiers"});
}

namespace {

// Every method dexdump marks NATIVE, as "Lcom/a/B;->name(params)ret".
std::set<std::string> dexdump_natives(const std::string& apk) {
  std::set<std::string> out;
  std::string text = test::run_command("dexdump '" + apk + "' 2>/dev/null"), cls, name, type;
  auto quoted = [](const std::string& line) {
    auto a = line.find('\''), b = line.rfind('\'');
    return a == std::string::npos || b <= a ? std::string() : line.substr(a + 1, b - a - 1);
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = std::min(text.find('\n', pos), text.size());
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (auto in = line.find("(in L"); in != std::string::npos) cls = line.substr(in + 4, line.find(';', in) - in - 3);
    else if (line.rfind("      name          :", 0) == 0) name = quoted(line);
    else if (line.rfind("      type          :", 0) == 0) type = quoted(line);
    else if (line.rfind("      access        :", 0) == 0 && line.find("NATIVE") != std::string::npos)
      out.insert(cls + "->" + name + type);
  }
  return out;
}

}  // namespace

TEST_CASE("emulation: every native method dexdump lists is joined with what implements it, on the corpus") {
  // The corpus APKs whose DEX declares native methods: five implement them all (Java_ exports; the
  // androidx one only through RegisterNatives in JNI_OnLoad), DIVA ships no library for its two.
  const std::map<std::string, std::pair<size_t, std::string>> expected = {
      {"18a5f723ff33fd18", {0, "export"}},          {"383e2804a9e93cf0", {0, "export"}},
      {"0e154f2acb99c887", {0, "export"}},          {"897486e1f857c6c0", {0, "export"}},
      {"ae5e6857dd635ee7", {0, "RegisterNatives"}}, {"2228c2f40f8b0c7c", {2, ""}},
  };
  for (const auto& [id, want] : expected) {
    CAPTURE(id);
    std::string apk = test::corpus_dir() + "/apks/" + id + ".apk";
    if (!std::ifstream(apk)) {
      MESSAGE("corpus APK missing: " << apk);
      continue;
    }
    std::set<std::string> truth = dexdump_natives(apk);
    REQUIRE(!truth.empty());
    ScanResult scan = scan_file(apk, ScanOptions{});
    REQUIRE(scan.ok);
    const NativeFacts& n = scan.facts.native_code;
    std::set<std::string> ours;
    for (const auto& m : n.java_natives) {
      ours.insert(m.method);
      if (want.first) {
        CHECK(m.status == "unbound");
        CHECK(m.implemented_by.empty());
      } else {
        CHECK(m.status == "bound");
        REQUIRE(!m.implemented_by.empty());
        for (const auto& i : m.implemented_by) CHECK(i.how == want.second);
      }
    }
    CHECK(ours == truth);
    CHECK(n.java_natives_unbound == want.first);
  }
}

TEST_CASE("emulation: a native method is 'unknown', not 'unbound', while a JNI_OnLoad was not seen to its end") {
  const std::string apk = test::corpus_dir() + "/apks/ae5e6857dd635ee7.apk";
  if (!std::ifstream(apk)) {
    MESSAGE("corpus APK missing: " << apk);
    return;
  }
  AppPackage app(apk);
  AnomalySink sink;
  auto corpus = dex::load_dex_corpus(app, sink);
  REQUIRE(corpus);
  NativeFacts native = analyze_native(app, sink);
  bind_java_natives(native, *corpus);
  REQUIRE(native.java_natives.size() == 8);
  for (const auto& m : native.java_natives) CHECK(m.status == "bound");
  // As if the emulator had stopped in each JNI_OnLoad before RegisterNatives.
  for (auto& lib : native.libraries) {
    lib.emulation.registered.clear();
    if (!lib.emulation.status.empty()) lib.emulation.status = "stopped";
  }
  bind_java_natives(native, *corpus);
  for (const auto& m : native.java_natives) CHECK(m.status == "unknown");
  CHECK(native.java_natives_unbound == 0);
  // And with no library at all, they are unbound.
  native.libraries.clear();
  bind_java_natives(native, *corpus);
  for (const auto& m : native.java_natives) CHECK(m.status == "unbound");
  CHECK(native.java_natives_unbound == 8);
}
