// A reader or reference data that cannot be loaded on this machine (libzip, libpsl, libGeoIP, the ELF
// reader module) leaves the scan running, raises an anomaly naming what and why, and SCAN-INCOMPLETE
// keeps every policy from approving the app: an incomplete analysis must never look like a clean one.
// The libraries are loaded by SONAME, so a file of that name first on LD_LIBRARY_PATH stands in for a
// broken installation; the scans run the CLI, since each process loads a library once.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "facts/evidence.h"
#include "test_support.h"

namespace fs = std::filesystem;
using apkvet::Json;

namespace {

struct Scan {
  int exit_code = -1;
  Json doc;
};

// `apkvet scan --format json --policy POLICY apk` with `env` (VAR=value words) in its environment and
// no GeoIP database named, so Debian's data read through libGeoIP is the one used.
Scan scan(const std::string& apk, const std::string& env, const std::string& policy = "government-device") {
  std::string cmd = "env -u APKVET_GEOIP_DB " + env + " " + APKVET_BINARY + " scan --format json --policy " + policy +
                    " '" + apk + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), p)) > 0;) out.append(buf.data(), n);
  int status = pclose(p);
  Scan s;
  s.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  s.doc = Json::parse(out, nullptr, false);
  REQUIRE_MESSAGE(!s.doc.is_discarded(), cmd);
  return s;
}

// A directory holding a file named `soname` that is not a library (dlopen: "file too short").
struct FakeLibrary {
  fs::path dir;
  explicit FakeLibrary(const std::string& soname)
      : dir(fs::temp_directory_path() / ("apkvet-fake-lib-" + std::to_string(::getpid()) + "-" + soname)) {
    fs::create_directories(dir);
    std::ofstream(dir / soname) << "not a library\n";
  }
  ~FakeLibrary() { fs::remove_all(dir); }
  std::string env() const { return "LD_LIBRARY_PATH='" + dir.string() + "'"; }
};

const Json& result(const Scan& s) { return s.doc.at("results").at(0); }

const Json* anomaly(const Scan& s, const std::string& id) {
  for (const auto& a : result(s).at("anomalies"))
    if (a.at("id") == id) return &a;
  return nullptr;
}

bool fired(const Scan& s, const std::string& rule) {
  for (const auto& f : result(s).at("judgement").at("findings"))
    if (f.at("rule") == rule) return true;
  return false;
}

std::string verdict(const Scan& s) { return result(s).at("judgement").at("verdict").get<std::string>(); }

}  // namespace

TEST_CASE("control: with every library loadable the clean fixture raises no anomaly and is approved") {
  Scan s = scan(apkvet::test::fixture("clean.apk"), "");
  CHECK(s.exit_code == 0);
  CHECK(result(s).at("anomalies").empty());
  CHECK(!fired(s, "SCAN-INCOMPLETE"));
  CHECK(verdict(s) == "approve");
}

TEST_CASE("libpsl that cannot be loaded: no domain can be recognised, a high anomaly says so, no approval") {
  FakeLibrary lib(APKVET_LIBPSL_SONAME);
  Scan leaky = scan(apkvet::test::fixture("leaky.apk"), lib.env());
  CHECK(leaky.exit_code == 4);  // analysed and rejected (it is debuggable), not failed (2)
  const Json* a = anomaly(leaky, "strings.public_suffix_list_unavailable");
  REQUIRE(a != nullptr);
  CHECK(a->at("severity") == "high");
  CHECK(a->at("message").get<std::string>().find(std::string("cannot load libpsl (") + APKVET_LIBPSL_SONAME) !=
        std::string::npos);
  CHECK(result(leaky).at("strings").at("endpoints").empty());  // what the anomaly warns of (11 when loaded)
  CHECK(fired(leaky, "SCAN-INCOMPLETE"));
  // The clean fixture, approved when the list loads, goes to review under both shipped policies.
  for (const char* policy : {"government-device", "baseline"}) {
    Scan clean = scan(apkvet::test::fixture("clean.apk"), lib.env(), policy);
    INFO(policy);
    CHECK(fired(clean, "SCAN-INCOMPLETE"));
    CHECK(verdict(clean) == "review");
    CHECK(clean.exit_code == 3);
  }
}

TEST_CASE("libzip that cannot be loaded: the strict ZIP reader's check is skipped and said to be") {
  FakeLibrary lib(APKVET_LIBZIP_SONAME);
  Scan s = scan(apkvet::test::fixture("clean.apk"), lib.env());
  CHECK(s.exit_code == 3);  // analysed, sent to review
  const Json* a = anomaly(s, "zip.strict_reader_unavailable");
  REQUIRE(a != nullptr);
  CHECK(a->at("message").get<std::string>().find(std::string("cannot load libzip (") + APKVET_LIBZIP_SONAME) !=
        std::string::npos);
  CHECK(fired(s, "SCAN-INCOMPLETE"));
  CHECK(verdict(s) == "review");
  CHECK(result(s).at("manifest").at("package") == "gov.test.clean");  // the rest of the scan ran
}

TEST_CASE("libGeoIP that cannot be loaded: an app with public IP endpoints is told their countries are unknown") {
  FakeLibrary lib(APKVET_LIBGEOIP_SONAME);
  // 1264c25d67d41f52 embeds one public IP address (81.94.205.226, GB in Debian's GeoIP data).
  const std::string apk = apkvet::test::corpus_dir() + "/apks/1264c25d67d41f52.apk";
  Scan loaded = scan(apk, "");
  CHECK(anomaly(loaded, "strings.geoip_unavailable") == nullptr);
  Scan s = scan(apk, lib.env());
  const Json* a = anomaly(s, "strings.geoip_unavailable");
  REQUIRE(a != nullptr);
  CHECK(a->at("severity") == "medium");
  std::string message = a->at("message").get<std::string>();
  CHECK(message.find(std::string("cannot load libGeoIP (") + APKVET_LIBGEOIP_SONAME) != std::string::npos);
  CHECK(message.find("the countries of 1 public IP address endpoint(s) are unknown") != std::string::npos);
  CHECK(fired(s, "SCAN-INCOMPLETE"));
  // An app without IP endpoints needs no GeoIP data: nothing is missing from its analysis.
  Scan clean = scan(apkvet::test::fixture("clean.apk"), lib.env());
  CHECK(anomaly(clean, "strings.geoip_unavailable") == nullptr);
  CHECK(verdict(clean) == "approve");
}

TEST_CASE("the ELF reader module missing: SCAN-INCOMPLETE cites native.reader_unavailable") {
  Scan s = scan(apkvet::test::fixture("native/native-vet.apk"), "APKVET_ELF_MODULE=/nonexistent/libapkvet-elf.so");
  CHECK(anomaly(s, "native.reader_unavailable") != nullptr);
  bool cites = false;
  for (const auto& f : result(s).at("judgement").at("findings"))
    if (f.at("rule") == "SCAN-INCOMPLETE")
      for (const auto& c : f.at("evidence")) cites |= c.dump().find("native.reader_unavailable") != std::string::npos;
  CHECK(cites);
  CHECK(verdict(s) != "approve");
  // It counts toward no score: a reader that could not load says nothing about the app's code.
  for (const auto& [axis, score] : result(s).at("judgement").at("scores").items())
    for (const auto& rule : score.at("top_contributors")) CHECK(rule != "SCAN-INCOMPLETE");
}

TEST_CASE("an Android App Bundle is read whole, not reported as an incomplete analysis") {
  // An .aab laid out as bundletool lays it out, its manifest in aapt2's protobuf form (aapt2 link
  // --proto-format of the clean fixture's sources) and the clean fixture's DEX under base/dex/.
  fs::path dir = fs::temp_directory_path() / ("apkvet-aab-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string src = apkvet::test::fixtures_dir() + "/apps/clean";
  std::string build = "aapt2 compile --dir '" + src + "/res' -o '" + (dir / "res.zip").string() + "' && aapt2 link --proto-format" +
                      " -I /usr/share/android-framework-res/framework-res.apk --auto-add-overlay --manifest '" + src +
                      "/AndroidManifest.xml' -R '" + (dir / "res.zip").string() + "' -o '" + (dir / "proto.apk").string() +
                      "' && python3 -c 'import sys, zipfile\n"
                      "p = zipfile.ZipFile(sys.argv[1]); d = zipfile.ZipFile(sys.argv[2])\n"
                      "with zipfile.ZipFile(sys.argv[3], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
                      "  z.writestr(\"BundleConfig.pb\", b\"\")\n"
                      "  z.writestr(\"base/manifest/AndroidManifest.xml\", p.read(\"AndroidManifest.xml\"))\n"
                      "  z.writestr(\"base/resources.pb\", p.read(\"resources.pb\"))\n"
                      "  z.writestr(\"base/dex/classes.dex\", d.read(\"classes.dex\"))\n' '" +
                      (dir / "proto.apk").string() + "' '" + apkvet::test::fixture("clean.apk") + "' '" +
                      (dir / "app.aab").string() + "' > /dev/null 2>&1";
  REQUIRE_MESSAGE(std::system(build.c_str()) == 0, build);
  Scan s = scan((dir / "app.aab").string(), "");
  Scan apk = scan(apkvet::test::fixture("clean.apk"), "");
  CHECK(result(s).at("input").at("container") == "aab");
  // Until 2026-12-05 a bundle was recognised and left unread (bundle.aab_reader_unavailable, which
  // SCAN-INCOMPLETE turned into "never approved"). Now its manifest, code and resources are read.
  CHECK(anomaly(s, "bundle.aab_reader_unavailable") == nullptr);
  CHECK(!fired(s, "SCAN-INCOMPLETE"));
  const Json& manifest = result(s).at("manifest");
  CHECK(manifest.at("decoded") == true);
  CHECK(manifest.at("package") == result(apk).at("manifest").at("package"));
  CHECK(manifest.at("target_sdk") == result(apk).at("manifest").at("target_sdk"));
  CHECK(result(s).at("dex").at("classes") == result(apk).at("dex").at("classes"));
  CHECK(result(s).at("dex").at("classes").get<int>() > 0);
  // This bundle is not signed: that, not an unread format, keeps it from approval.
  CHECK(result(s).at("signing").at("verified") == false);
  CHECK(verdict(s) != "approve");
  fs::remove_all(dir);
}
