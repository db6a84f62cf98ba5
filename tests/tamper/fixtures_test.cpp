// The untampered fixtures as the archive layer sees them: the clean app has no anomaly at all;
// every built fixture is a plain, well-formed ZIP; the split bundle reads as one app with its
// parts and roles; nested code in assets is found.
#include <map>

#include "tamper_support.h"

using namespace apkvet;
using namespace apkvet::test;

TEST_CASE("clean fixture: no anomalies of any kind") {
  auto r = scan_ok(fixture("clean.apk"));
  INFO(anomaly_ids(r));
  CHECK(r.facts.anomalies.empty());
  CHECK(r.facts.anomalies_dropped == 0);
  CHECK(r.facts.input.container == "apk");
  REQUIRE(r.facts.input.parts.size() == 1);
  CHECK(r.facts.input.parts[0].role == "base");
  CHECK(r.facts.input.nested_dex.empty());
  CHECK(r.facts.input.nested_elf.empty());
}

TEST_CASE("every built fixture is a well-formed ZIP: no zip.* or bundle.* anomaly") {
  for (const char* name : {"clean.apk", "leaky.apk", "xss.apk", "nested.apk", "bundle-base.apk",
                           "bundle-split-arm64.apk", "bundle.apks", "bundle.xapk"}) {
    auto r = scan_ok(fixture(name));
    INFO(std::string(name) << ": " << anomaly_ids(r));
    CHECK_FALSE(has_anomaly_prefix(r, "zip."));
    CHECK_FALSE(has_anomaly_prefix(r, "bundle."));
    CHECK_FALSE(has_anomaly_prefix(r, "archive."));
  }
}

TEST_CASE("bundle.apks (bundletool layout): one app, base-master as base, the ABI split as split") {
  auto r = scan_ok(fixture("bundle.apks"));
  CHECK(r.facts.input.container == "apks");
  REQUIRE(r.facts.input.parts.size() == 2);
  std::map<std::string, std::string> roles;
  for (const auto& p : r.facts.input.parts) roles[p.name] = p.role;
  CHECK(roles == std::map<std::string, std::string>{{"splits/base-master.apk", "base"},
                                                    {"splits/base-arm64_v8a.apk", "split"}});

  AppPackage app(fixture("bundle.apks"));
  CHECK(app.base().name == "splits/base-master.apk");
  CHECK(app.base().zip->find("classes.dex") != nullptr);
  const ApkPart* split = nullptr;
  for (const auto& p : app.parts())
    if (p.role == PartRole::split) split = &p;
  REQUIRE(split != nullptr);
  CHECK(split->zip->find("lib/arm64-v8a/libbundlenative.so") != nullptr);
  CHECK(split->evidence_path("lib/arm64-v8a/libbundlenative.so") ==
        "splits/base-arm64_v8a.apk!lib/arm64-v8a/libbundlenative.so");
  // The .so is where Android expects native code, so it is not a "hidden" ELF.
  CHECK(app.nested_elf().empty());
}

TEST_CASE("bundle.xapk (APKPure layout): manifest.json names the base and both APKs are read") {
  auto r = scan_ok(fixture("bundle.xapk"));
  CHECK(r.facts.input.container == "xapk");
  std::map<std::string, std::string> roles;
  for (const auto& p : r.facts.input.parts) roles[p.name] = p.role;
  CHECK(roles == std::map<std::string, std::string>{{"base.apk", "base"}, {"config.arm64_v8a.apk", "split"}});
  AppPackage app(fixture("bundle.xapk"));
  CHECK(app.base().name == "base.apk");
}

TEST_CASE("nested fixture: the JAR in assets is a nested part, the raw DEX in assets is found") {
  auto r = scan_ok(fixture("nested.apk"));
  INFO(anomaly_ids(r));
  REQUIRE(r.facts.input.parts.size() == 2);
  CHECK(r.facts.input.parts[0].role == "base");
  CHECK(r.facts.input.parts[1].name == "assets/plugin.jar");
  CHECK(r.facts.input.parts[1].role == "nested");
  CHECK(r.facts.input.parts[1].depth == 1);
  CHECK(r.facts.input.nested_dex == std::vector<std::string>{"assets/payload.bin"});

  AppPackage app(fixture("nested.apk"));
  const ApkPart& jar = app.parts()[1];
  const ZipEntry* dex = jar.zip->find("classes.dex");
  REQUIRE(dex != nullptr);
  auto bytes = jar.zip->read(*dex);
  REQUIRE(bytes.has_value());
  CHECK(std::string(reinterpret_cast<const char*>(bytes->data()), 4) == std::string("dex\n", 4));
  CHECK(jar.evidence_path("classes.dex") == "assets/plugin.jar!classes.dex");
  REQUIRE(app.nested_dex().size() == 1);
  CHECK(std::string(reinterpret_cast<const char*>(app.nested_dex()[0].bytes.data()), 8) == std::string("dex\n035\0", 8));
}

TEST_CASE("nested code is looked for when an area that reads it runs, and the report says whether it was") {
  auto full = scan_ok(fixture("nested.apk"));
  CHECK(full.facts.input.searched_nested);
  for (const char* area : {"archive", "dex", "code", "native", "strings"}) {
    INFO(area);
    ScanOptions options;
    options.only = {"manifest", area};
    ScanResult r = scan_file(fixture("nested.apk"), options);
    REQUIRE(r.ok);
    CHECK(r.facts.input.searched_nested);
    CHECK(r.facts.input.parts.size() == 2);
    CHECK(r.facts.input.nested_dex == std::vector<std::string>{"assets/payload.bin"});
  }
  ScanOptions manifest_only;
  manifest_only.only = {"manifest", "resources", "signing"};
  ScanResult r = scan_file(fixture("nested.apk"), manifest_only);
  REQUIRE(r.ok);
  CHECK_FALSE(r.facts.input.searched_nested);
  CHECK(r.facts.input.parts.size() == 1);  // the base only: assets/plugin.jar was not opened
  CHECK(r.facts.input.nested_dex.empty());
  CHECK(r.facts.manifest.package == full.facts.manifest.package);
}
