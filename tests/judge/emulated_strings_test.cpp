// Strings a native library decodes only when run (the emulator, elf/jni_emulation.cpp) are searched
// for endpoints like any other, with the library and the address as evidence.
#include <doctest/doctest.h>

#include <set>
#include <string>

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

