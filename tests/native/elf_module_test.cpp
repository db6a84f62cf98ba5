// The ELF reader is a module loaded on first use (native/elf_module.h). When it is missing or is not
// a module of this build, the scan still completes: every native library is marked unanalyzed and one
// high anomaly names the file and the reason, so an incomplete analysis never looks like a clean one.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "facts/evidence.h"
#include "test_support.h"

namespace {

// `apkvet scan --only native` of `apk`, with $APKVET_ELF_MODULE set to `module` unless it is empty.
apkvet::Json scan_native(const std::string& apk, const std::string& module = "") {
  std::string cmd = (module.empty() ? "" : "env APKVET_ELF_MODULE='" + module + "' ") + std::string(APKVET_BINARY) +
                    " scan --format json --only native '" + apk + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while (pipe && (n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  return apkvet::Json::parse(out);
}

void check_unanalyzed(const apkvet::Json& doc, const std::string& reason_part) {
  const auto& libs = doc.at("results").at(0).at("native").at("libraries");
  REQUIRE(libs.size() > 0);
  for (const auto& lib : libs) {
    CHECK(lib.at("status") == "reader_unavailable");
    CHECK(lib.at("error").get<std::string>().find(reason_part) != std::string::npos);
  }
  size_t anomalies = 0;
  for (const auto& a : doc.at("results").at(0).at("anomalies"))
    if (a.at("id") == "native.reader_unavailable") {
      ++anomalies;
      CHECK(a.at("severity") == "high");
    }
  CHECK(anomalies == 1);
}

}  // namespace

TEST_CASE("a missing ELF reader module leaves native libraries unanalyzed, with a high anomaly naming it") {
  std::string apk = apkvet::test::fixture("native/native-vet.apk");
  apkvet::Json doc = scan_native(apk, "/nonexistent/libapkvet-elf.so");
  check_unanalyzed(doc, "/nonexistent/libapkvet-elf.so");
}

TEST_CASE("a file that is not the ELF reader module is refused with the loader's reason") {
  std::filesystem::path fake = std::filesystem::temp_directory_path() / ("apkvet-fake-module-" + std::to_string(::getpid()) + ".so");
  { std::ofstream(fake) << "not a shared object\n"; }
  apkvet::Json doc = scan_native(apkvet::test::fixture("native/native-vet.apk"), fake.string());
  check_unanalyzed(doc, "cannot load the ELF reader " + fake.string());
  std::filesystem::remove(fake);
}

TEST_CASE("the ELF reader module of this build is found and reads the libraries") {
  apkvet::Json doc = scan_native(apkvet::test::fixture("native/native-vet.apk"));
  const auto& libs = doc.at("results").at(0).at("native").at("libraries");
  REQUIRE(libs.size() > 0);
  size_t analyzed = 0;
  for (const auto& lib : libs) {
    CHECK(lib.at("status") != "reader_unavailable");
    analyzed += lib.at("status") == "analyzed";
  }
  CHECK(analyzed > 0);  // (this fixture also holds a deliberately invalid ELF)
}
