// What the emulated run of native code (elf/jni_emulation.cpp) adds to a scan: decoded strings searched
// for endpoints like any other, and Java APIs looked up through JNI matched to data categories.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "code/code_rules.h"
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
  CHECK(where.count({"lib/armeabi-v7a/libemulated.so", "emulated: decoded at 0x2000"}));
  CHECK(where.count({"lib/arm64-v8a/libemulated.so", "emulated: produced at run time"}));
}


TEST_CASE("emulation: Java APIs native code looks up through JNI get the sensitive-API category and permissions") {
  ScanResult scan = scan_file(test::fixture("native/native-emulated.apk"), ScanOptions{});
  REQUIRE(scan.ok);
  const auto& apis = scan.facts.native_code.java_apis;
  REQUIRE(apis.size() == 2);  // one per ABI
  for (const auto& a : apis) {
    CHECK(a.call == "GetMethodID");
    CHECK(a.descriptor == "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;");
    CHECK(a.categories == std::vector<std::string>{"device_identifiers"});
    CHECK(a.permissions == std::vector<std::string>{"android.permission.READ_PRIVILEGED_PHONE_STATE"});
  }
  CHECK(apis[0].library == "lib/arm64-v8a/libemulated.so");
  CHECK(apis[1].library == "lib/armeabi-v7a/libemulated.so");
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
