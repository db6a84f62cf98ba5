// Property-based tests of the axis score: monotone and saturating by severity tier.
#include <doctest/doctest.h>

#include <random>

#include "rules/scoring.h"

using namespace apkvet;
using apkvet::rules::axis_score;

namespace {
Severity random_severity(std::mt19937& rng) { return static_cast<Severity>(rng() % 5); }
}  // namespace

TEST_CASE("adding any finding never lowers a score (10,000 random finding sets)") {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 10000; ++trial) {
    std::vector<Severity> set;
    size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) set.push_back(random_severity(rng));
    double before = axis_score(set);
    set.push_back(random_severity(rng));
    double after = axis_score(set);
    REQUIRE(after >= before);
    REQUIRE(after <= 100);
    REQUIRE(before >= 0);
  }
}

TEST_CASE("any number of lesser findings stays below a single graver one") {
  for (Severity lesser : {Severity::info, Severity::low, Severity::medium, Severity::high}) {
    auto graver = static_cast<Severity>(static_cast<int>(lesser) + 1);
    std::vector<Severity> many(1000, lesser);
    CHECK(axis_score(many) < axis_score({graver}));
  }
}

TEST_CASE("scores reflect severity and count within a tier") {
  CHECK(axis_score({}) == 0);
  CHECK(axis_score({Severity::info, Severity::info}) == 0);
  CHECK(axis_score({Severity::high}) > axis_score({Severity::medium}));
  CHECK(axis_score({Severity::high, Severity::high}) > axis_score({Severity::high}));
  CHECK(axis_score({Severity::critical}) >= 75);
  CHECK(axis_score(std::vector<Severity>(50, Severity::critical)) < 100);
}

TEST_CASE("order of findings does not matter") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 1000; ++trial) {
    std::vector<Severity> set;
    for (size_t i = 0, n = rng() % 20; i < n; ++i) set.push_back(random_severity(rng));
    double a = axis_score(set);
    std::shuffle(set.begin(), set.end(), rng);
    REQUIRE(axis_score(set) == doctest::Approx(a));
  }
}
