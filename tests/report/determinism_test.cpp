// Reports are reproducible: two runs on the same input with SOURCE_DATE_EPOCH fixed give the same
// bytes, in every machine-readable format (the catalogue and reviewers diff them).
#include <doctest/doctest.h>

#include "report_test_util.h"

using namespace apkvet::test;

TEST_CASE("scan json and html and sarif are byte-identical across two runs with SOURCE_DATE_EPOCH fixed") {
  std::string inputs = sh_quote(fixture("leaky.apk")) + " " + sh_quote(fixture("xss.apk")) + " " +
                       sh_quote(corpus_dir() + "/apks/2c5e656af90044cf.apk");
  for (const char* format : {"json", "html", "sarif"}) {
    std::string out[2];
    for (int k = 0; k < 2; ++k) {
      auto path = scratch_dir() / ("determinism-" + std::to_string(k) + "." + format);
      // No --date: the scan date must come from SOURCE_DATE_EPOCH (2026-01-01), not the clock.
      apkvet_to(std::string("scan --format ") + format + " --policy " + sh_quote(policy()) + " " + inputs, path);
      out[k] = read_all(path);
    }
    INFO(format);
    REQUIRE(out[0].size() > 1000);
    CHECK(out[0] == out[1]);
    CHECK(out[0].find("2026-01-01") != std::string::npos);
  }
}

TEST_CASE("scan --output FILE writes the same bytes as standard output") {
  auto stdout_path = scratch_dir() / "stdout.sarif";
  auto file_path = scratch_dir() / "output.sarif";
  std::string args = "scan --format sarif " + sh_quote(fixture("leaky.apk"));
  apkvet_to(args, stdout_path);
  CHECK(apkvet_to(args + " --output " + sh_quote(file_path.string()), scratch_dir() / "output.stdout") == 0);
  CHECK(read_all(scratch_dir() / "output.stdout").empty());
  REQUIRE(read_all(file_path).size() > 1000);
  CHECK(read_all(file_path) == read_all(stdout_path));
}
