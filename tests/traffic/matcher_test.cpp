// The canary matcher on its own: encodings agree with independent implementations (OpenSSL's
// base64 through the fixture driver is covered by fixtures_test), and values sharing a prefix or
// suffix with a canary do not match.
#include <doctest/doctest.h>

#include "traffic/canary_matcher.h"
#include "traffic_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {
std::vector<traffic::CanaryHit> scan(const traffic::CanaryMatcher& m, const std::string& s) {
  return m.scan(Bytes(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}
}  // namespace

TEST_CASE("numeric ids need digit boundaries - hex ids need alphanumeric boundaries") {
  traffic::CanaryMatcher m(device());
  CHECK(m.pattern_count() > 300);
  CHECK(scan(m, "imei=356938035643809&x=1").size() == 1);
  CHECK(scan(m, "id%3D356938035643809").size() == 1);  // after an escape
  for (const char* near : {"imei=3569380356438091", "imei=1356938035643809", "imei=35693803564380&",
                           "aid=9774d56d682e549c0", "aid=a9774d56d682e549c", "t=9774d56d682e549", "2620198765432107"}) {
    INFO(near);
    CHECK(scan(m, near).empty());
  }
  // Phone numbers: with and without the country code, with the trunk 0; the longest spelling wins.
  auto h = scan(m, "tel=+491701234567");
  REQUIRE(h.size() == 1);
  CHECK(h[0].spelling == "+491701234567");
  CHECK(scan(m, "tel=01701234567").size() == 1);
  CHECK(scan(m, "tel=491701234567").size() == 1);
  // MACs with and without separators, either case.
  CHECK(scan(m, "m=021A11F3C45D;").size() == 1);
  CHECK(scan(m, "m=02-1a-11-f3-c4-5d;").size() == 1);
}

TEST_CASE("GPS - any printed precision within tolerance / both orders - too far or lone numbers are not") {
  traffic::CanaryMatcher m(device());
  CHECK(scan(m, "lat=52.520008&lon=13.404954").size() == 1);
  CHECK(scan(m, "{\"lat\":52.5201,\"lng\":13.405}").size() == 1);
  CHECK(scan(m, "[13.40495,52.52001]").size() == 1);
  CHECK(scan(m, "lat=52.52%2C13.40").empty());   // 0.35 km off at two decimals: beyond 150 m
  CHECK(scan(m, "lat=52.529,lon=13.404954").empty());  // 1 km north
  CHECK(scan(m, "price=52.52&weight=13.40").empty());
  CHECK(scan(m, "v=52.520008").empty());
}

TEST_CASE("base64 fragments match the Python encoder at every alignment") {
  // Python: base64.b64encode(b"x" * a + b"356938035643809" + b"}") for a = 0, 1, 2
  const char* encoded[] = {"MzU2OTM4MDM1NjQzODA5fQ==", "eDM1NjkzODAzNTY0MzgwOX0=", "eHgzNTY5MzgwMzU2NDM4MDl9"};
  for (int a = 0; a < 3; ++a) {
    std::string frag = traffic::base64_fragment("356938035643809", a, false);
    INFO("align " << a << " fragment " << frag);
    CHECK(frag.size() >= 18);
    CHECK(std::string(encoded[a]).find(frag) != std::string::npos);
  }
  CHECK(traffic::digest_hex("md5", "356938035643809") == "af2d48f2495881aed1737bb21017f9b6");  // Python hashlib
}

TEST_CASE("device profile - unknown fields and too-short values are refused") {
  CHECK_THROWS(traffic::parse_device_profile(R"({"imei": "356938035643809", "imie": "1"})"));
  CHECK_THROWS(traffic::parse_device_profile(R"({"imei": "123"})"));
  auto p = traffic::parse_device_profile(R"({"country_code": "+49", "phone_number": "0170 1234567"})");
  REQUIRE(p.canaries.size() == 1);
  CHECK(p.canaries[0].value == "+491701234567");
}
