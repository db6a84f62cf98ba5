// Reports are reproducible: two runs on the same input with SOURCE_DATE_EPOCH fixed give the same
// bytes, in every machine-readable format (the catalogue and reviewers diff them). The second run
// writes with --output, so this also shows --output FILE gives exactly what standard output gives.
#include <doctest/doctest.h>

#include "report_test_util.h"

using namespace apkvet::test;

TEST_CASE("scan json and html and sarif are byte-identical across two runs with SOURCE_DATE_EPOCH fixed") {
  std::string inputs = sh_quote(fixture("leaky.apk")) + " " + sh_quote(fixture("xss.apk")) + " " +
                       sh_quote(corpus_dir() + "/apks/2c5e656af90044cf.apk");
  for (const char* format : {"json", "html", "sarif"}) {
    INFO(format);
    // No --date: the scan date must come from SOURCE_DATE_EPOCH (2026-01-01), not the clock.
    std::string args = std::string("scan --format ") + format + " --policy " + sh_quote(policy()) + " " + inputs;
    auto first = scratch_dir() / (std::string("determinism-stdout.") + format);
    auto second = scratch_dir() / (std::string("determinism-output.") + format);
    auto second_stdout = scratch_dir() / (std::string("determinism-output-stdout.") + format);
    apkvet_to(args, first);
    apkvet_to(args + " --output " + sh_quote(second.string()), second_stdout);
    std::string a = read_all(first), b = read_all(second);
    REQUIRE(a.size() > 1000);
    CHECK(a == b);
    CHECK(read_all(second_stdout).empty());
    CHECK(a.find("2026-01-01") != std::string::npos);
  }
}
