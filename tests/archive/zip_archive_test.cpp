#include <doctest/doctest.h>

#include "archive/app_package.h"
#include "test_support.h"

using namespace apkvet;

TEST_CASE("every corpus file opens or is refused with a reason naming it, never a crash") {
  auto apks = test::corpus_apks();
  REQUIRE(apks.size() == 137);
  size_t opened = 0;
  for (const auto& p : apks) {
    try {
      AppPackage app(p.string());
      CHECK(!app.parts().empty());
      ++opened;
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find(p.string()) == 0);
    }
  }
  CHECK(opened >= 130);
}
