// Android App Bundles (.aab): read module by module (archive/app_package.h), the manifest and XML in
// aapt2's protobuf form (axml/proto_xml.h), the resource table from resources.pb
// (resources/proto_resource_table.h). fixtures/built/leaky.aab is the leaky fixture's sources built
// by aapt2 as a bundle (tools/build-fixtures.sh): what it says must be what the leaky APK says, except
// where a bundle differs (its signature, the paths of its files).
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>
#include <tuple>

#include "facts/evidence.h"
#include "test_support.h"

namespace fs = std::filesystem;
using apkvet::Json;
using apkvet::test::fixture;
using apkvet::test::run_command;

namespace {

Json scan_json(const std::string& path) {
  std::string out = run_command(std::string(APKVET_BINARY) + " scan --format json --policy government-device '" + path +
                                "' 2>/dev/null");
  Json doc = Json::parse(out, nullptr, false);
  REQUIRE_MESSAGE(!doc.is_discarded(), path);
  return doc.at("results").at(0);
}

std::set<std::string> rule_ids(const Json& app) {
  std::set<std::string> out;
  for (const auto& f : app.at("judgement").at("findings")) out.insert(f.at("rule").get<std::string>());
  return out;
}

std::set<std::string> anomaly_ids(const Json& app) {
  std::set<std::string> out;
  for (const auto& a : app.at("anomalies")) out.insert(a.at("id").get<std::string>());
  return out;
}

// The files the evidence of every finding names.
std::set<std::string> cited_files(const Json& app) {
  std::set<std::string> out;
  for (const auto& f : app.at("judgement").at("findings"))
    for (const auto& c : f.at("evidence"))
      if (c.contains("evidence"))
        for (const auto& e : c.at("evidence").is_array() ? c.at("evidence") : Json::array({c.at("evidence")}))
          if (e.contains("file")) out.insert(e.at("file").get<std::string>());
  return out;
}

// A temporary directory, removed at the end.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("apkvet-aab-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("the leaky app as an App Bundle: the APK's manifest, code, strings, findings and verdict") {
  Json apk = scan_json(fixture("leaky.apk")), aab = scan_json(fixture("leaky.aab"));
  CHECK(aab.at("input").at("container") == "aab");
  REQUIRE(aab.at("manifest").at("decoded") == true);
  CHECK(aab.at("manifest").at("readable_by_android") == true);

  // Manifest: the same facts, from the protobuf form.
  for (const char* key : {"package", "version_code", "version_name", "min_sdk", "target_sdk"}) {
    INFO(key);
    CHECK(aab.at("manifest").at(key) == apk.at("manifest").at(key));
  }
  auto permissions = [](const Json& app) {
    std::set<std::string> out;
    for (const auto& p : app.at("manifest").at("uses_permissions")) out.insert(p.at("name").get<std::string>());
    return out;
  };
  CHECK(permissions(aab) == permissions(apk));
  CHECK(permissions(aab).size() == 11);
  auto components = [](const Json& app) {
    std::set<std::tuple<std::string, std::string, bool>> out;
    for (const auto& c : app.at("manifest").at("components"))
      out.insert({c.at("kind").get<std::string>(), c.at("name").get<std::string>(), c.at("exported").get<bool>()});
    return out;
  };
  CHECK(components(aab) == components(apk));
  CHECK(components(aab).size() == 8);
  // Resource references resolved through resources.pb: the label, and the network security config's file.
  CHECK(aab.at("manifest").at("application").at("label_resolved") == "Leaky Fixture");
  CHECK(aab.at("manifest").at("application").at("label_resolved") == apk.at("manifest").at("application").at("label_resolved"));
  CHECK(aab.at("network_security").at("base").at("evidence").at("file") == "base/res/xml/network_security_config.xml");
  CHECK(aab.at("network_security").at("base").at("cleartext_permitted") ==
        apk.at("network_security").at("base").at("cleartext_permitted"));

  // Strings: the same endpoints and secrets, the resource table's URL too (from resources.pb).
  auto endpoints = [](const Json& app) {
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& e : app.at("strings").at("endpoints"))
      out.insert({e.at("kind").get<std::string>(), e.at("value").get<std::string>()});
    return out;
  };
  CHECK(endpoints(aab) == endpoints(apk));
  CHECK(endpoints(aab).count({"url", "https://log.byteoversea.com/service/2/app_log/"}) == 1);
  CHECK(aab.at("strings").at("secrets").size() == apk.at("strings").at("secrets").size());

  // Judgement: the same findings, scores and verdict.
  CHECK(rule_ids(aab) == rule_ids(apk));
  CHECK(rule_ids(aab).size() >= 30);
  CHECK(aab.at("judgement").at("scores") == apk.at("judgement").at("scores"));

  // Evidence names the files as the bundle stores them.
  std::set<std::string> files = cited_files(aab);
  CHECK(files.count("base/dex/classes.dex") == 1);
  CHECK(files.count("base/manifest/AndroidManifest.xml") == 1);
  for (const auto& f : files) {
    INFO(f);
    CHECK((f.rfind("base/", 0) == 0 || f == "(archive)" || f.empty()));
  }

  // The bundle's own signature: JAR (v1) verified, and said to be the upload signature; the rules
  // for installing an APK (v2 from target SDK 30, Janus) are not applied to it.
  CHECK(aab.at("signing").at("schemes_verified") == Json::array({"v1"}));
  CHECK(aab.at("signing").at("verified") == true);
  std::set<std::string> anomalies = anomaly_ids(aab);
  CHECK(anomalies.count("signing.app_bundle_upload_signature") == 1);
  CHECK(anomalies.count("signing.janus_v1_only") == 0);
  CHECK(anomalies.count("bundle.aab_reader_unavailable") == 0);
  CHECK(rule_ids(aab).count("SIGN-INVALID") == 0);
  CHECK(rule_ids(aab).count("SCAN-INCOMPLETE") == 0);
}

TEST_CASE("aapt2 and apkvet read an App Bundle's protobuf manifest and resource table alike") {
  // aapt2 dump badging reads a protobuf-format APK: the bundle's base manifest and resource table,
  // zipped as one, are such an APK.
  TempDir tmp;
  const std::string proto_apk = (tmp.path / "proto.apk").string();
  std::string make = "python3 -c 'import sys, zipfile\n"
                     "b = zipfile.ZipFile(sys.argv[1])\n"
                     "with zipfile.ZipFile(sys.argv[2], \"w\") as z:\n"
                     "  z.writestr(\"AndroidManifest.xml\", b.read(\"base/manifest/AndroidManifest.xml\"))\n"
                     "  z.writestr(\"resources.pb\", b.read(\"base/resources.pb\"))\n' '" +
                     fixture("leaky.aab") + "' '" + proto_apk + "' && echo made";
  REQUIRE(run_command(make).find("made") != std::string::npos);
  std::string badging = run_command("aapt2 dump badging '" + proto_apk + "' 2>/dev/null");
  REQUIRE_MESSAGE(badging.find("package: name='gov.test.leaky'") != std::string::npos, badging);

  Json aab = scan_json(fixture("leaky.aab"));
  const Json& m = aab.at("manifest");
  CHECK(badging.find("versionCode='" + std::to_string(m.at("version_code").get<long>()) + "'") != std::string::npos);
  CHECK(badging.find("versionName='" + m.at("version_name").get<std::string>() + "'") != std::string::npos);
  CHECK(badging.find("sdkVersion:'" + std::to_string(m.at("min_sdk").get<int>()) + "'") != std::string::npos);
  CHECK(badging.find("targetSdkVersion:'" + std::to_string(m.at("target_sdk").get<int>()) + "'") != std::string::npos);
  CHECK(badging.find("application-label:'" + m.at("application").at("label_resolved").get<std::string>() + "'") !=
        std::string::npos);
  std::set<std::string> theirs, ours;
  for (size_t at = 0; (at = badging.find("uses-permission: name='", at)) != std::string::npos;) {
    at += 23;
    theirs.insert(badging.substr(at, badging.find('\'', at) - at));
  }
  for (const auto& p : m.at("uses_permissions")) ours.insert(p.at("name").get<std::string>());
  CHECK(ours == theirs);
  CHECK(ours.size() == 11);

  // The same protobuf manifest inside an APK: read, but the installer would refuse that APK.
  Json apk = scan_json(proto_apk);
  CHECK(apk.at("input").at("container") == "apk");
  CHECK(apk.at("manifest").at("package") == "gov.test.leaky");
  CHECK(apk.at("manifest").at("readable_by_android") == false);
  CHECK(anomaly_ids(apk).count("manifest.protobuf_in_apk") == 1);
}

TEST_CASE("a damaged protobuf manifest in a bundle is an anomaly with its offset, never a crash") {
  TempDir tmp;
  const std::string broken = (tmp.path / "broken.aab").string();
  // The leaky bundle with its manifest cut in the middle of a field, a second module whose manifest
  // claims a length past its end, and a DEX under base/root/ that is also base/dex/'s classes.dex.
  std::string make = "python3 -c 'import sys, zipfile\n"
                     "b = zipfile.ZipFile(sys.argv[1])\n"
                     "m = b.read(\"base/manifest/AndroidManifest.xml\")\n"
                     "with zipfile.ZipFile(sys.argv[2], \"w\") as z:\n"
                     "  for n in b.namelist():\n"
                     "    if not n.startswith(\"META-INF/\"): z.writestr(n, m[:len(m) // 2] if n.endswith(\"AndroidManifest.xml\") else b.read(n))\n"
                     "  z.writestr(\"feature/manifest/AndroidManifest.xml\", bytes([0x0a, 0xff, 0xff, 0x03]))\n"
                     "  z.writestr(\"base/root/classes.dex\", b\"dex\\n035\\0\")\n' '" +
                     fixture("leaky.aab") + "' '" + broken + "' && echo made";
  REQUIRE(run_command(make).find("made") != std::string::npos);
  Json app = scan_json(broken);
  CHECK(app.at("status") == "ok");
  bool located = false;
  for (const auto& a : app.at("anomalies"))
    if (a.at("id") == "axml.proto_parse_failed") {
      located = a.at("evidence").at("file") == "base/manifest/AndroidManifest.xml" &&
                a.at("evidence").at("location").get<std::string>().rfind("offset 0x", 0) == 0;
      break;
    }
  CHECK(located);
  CHECK(anomaly_ids(app).count("axml.proto_truncated") == 1);
  CHECK(anomaly_ids(app).count("bundle.module_entry_clash") == 1);
  // The first of the two is the one read: the real DEX, whose code is still analysed.
  CHECK(app.at("dex").at("classes").get<int>() > 0);
  // What was read before the cut is kept: the package and the permissions, which come first.
  CHECK(app.at("manifest").at("package") == "gov.test.leaky");
  CHECK(!app.at("manifest").at("uses_permissions").empty());
}
