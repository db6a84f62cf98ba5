// dump_json(j, indent) is byte for byte what nlohmann's own dump writes with the same settings, in the
// compact form a batch worker writes every report in (-1) and in the indented ones `scan --format
// json` prints (2; 0 and 4 for the layout's arithmetic): on every byte, on invalid UTF-8, on numbers
// of every kind, on empty and nested containers, on real reports of corpus APKs and on the corpus'
// truth files.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "report/app_report.h"
#include "report/json_report.h"
#include "report_test_util.h"
#include "scan/scan.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

std::string nlohmann_compact(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Every indent the writer has a layout for agrees with nlohmann's.
bool same_as_nlohmann(const Json& j) {
  for (int indent : {-1, 0, 2, 4})
    if (dump_json(j, indent) != j.dump(indent, ' ', false, Json::error_handler_t::replace)) return false;
  return true;
}

}  // namespace

TEST_CASE("compact JSON: every byte, and random strings of the bytes that need care, as nlohmann writes them") {
  Json all = Json::array();
  for (int b = 0; b < 256; ++b) {
    std::string one(1, char(b));
    all.push_back(one);
    all.push_back("x" + one + "y");
    Json keyed = Json::object();
    keyed[one] = one;  // as a key too
    all.push_back(keyed);
    for (size_t at = 0; at < 17; ++at) {  // at every place of the words the writer reads eight bytes at a time
      std::string padded(17, 'a');
      padded[at] = char(b);
      all.push_back(padded);
    }
  }
  CHECK(dump_json(all, -1) == nlohmann_compact(all));
  CHECK(same_as_nlohmann(all));

  // Quotes, backslashes, control characters, DEL, UTF-8 lead and continuation bytes, bytes never
  // valid in UTF-8: mixed at random, so that invalid sequences of every shape come up.
  const unsigned char alphabet[] = {'a', 'Z', ' ', '"', '\\', '/', 0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f,
                                    0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xc3, 0xa9, 0xe0, 0xe2, 0x82, 0xac, 0xed, 0xa0,
                                    0xf0, 0x9f, 0x98, 0x80, 0xf4, 0x90, 0xf5, 0xff};
  std::mt19937 rng(20261206);
  std::uniform_int_distribution<size_t> pick(0, sizeof alphabet - 1), length(0, 12);
  Json strings = Json::array();
  Json object = Json::object();
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (size_t n = length(rng); n; --n) s += char(alphabet[pick(rng)]);
    strings.push_back(s);
    object[s] = i;
  }
  for (const Json& s : strings) REQUIRE_MESSAGE(dump_json(s, -1) == nlohmann_compact(s), nlohmann_compact(s));
  CHECK(dump_json(object, -1) == nlohmann_compact(object));
  CHECK(same_as_nlohmann(strings));
  CHECK(same_as_nlohmann(object));
  // Valid UTF-8 of every length goes through unchanged.
  Json text = "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \"q\" \\ \t";
  CHECK(dump_json(text, -1) == nlohmann_compact(text));
  CHECK(dump_json(text, -1).find("\xe4\xb8\xad") != std::string::npos);
}

TEST_CASE("compact JSON: numbers, literals and nesting as nlohmann writes them") {
  Json j = {{"int", -42},
            {"min", std::numeric_limits<int64_t>::min()},
            {"max", std::numeric_limits<int64_t>::max()},
            {"umax", std::numeric_limits<uint64_t>::max()},
            {"zero", 0},
            {"u", 7u},
            {"floats", {0.1, 1.0, -0.0, 1e300, 5e-324, 2.5, 1e21, 123456789.125}},
            {"nan", std::nan("")},
            {"inf", std::numeric_limits<double>::infinity()},
            {"bools", {true, false}},
            {"null", nullptr},
            {"empty", {{"object", Json::object()}, {"array", Json::array()}, {"string", ""}}},
            {"nested", {{{"a", {{"b", {1, {2, {3}}}}}}}}}};
  CHECK(dump_json(j, -1) == nlohmann_compact(j));
  CHECK(same_as_nlohmann(j));
  for (const Json& v : {Json(nullptr), Json(true), Json(3), Json(0.5), Json("s"), Json::object(), Json::array()}) {
    CHECK(dump_json(v, -1) == nlohmann_compact(v));
    CHECK(same_as_nlohmann(v));
  }
  // Binary values (no report has one) are laid out by nlohmann itself when indented.
  Json with_binary = {{"a", {1, Json::binary({1, 2, 3}, 7)}}, {"b", Json::binary({})}};
  CHECK(same_as_nlohmann(with_binary));
  CHECK(dump_json(with_binary, 2).find("\"subtype\": 7") != std::string::npos);
}

TEST_CASE("compact JSON: real reports and the corpus' truth files, as nlohmann writes them") {
  static const JudgeContext ctx = load_judge_context("", "government-device", "", "2026-12-01");
  size_t reports = 0;
  for (const std::string& apk : {fixture("leaky.apk"), fixture("xss.apk"), corpus_dir() + "/apks/2c5e656af90044cf.apk",
                                 corpus_dir() + "/apks/9a47ffb811e4764c.apk"}) {
    Json report = app_report_json(make_app_report(scan_file(apk, ScanOptions{}), ctx));
    std::string fast = dump_json(report, -1);
    REQUIRE(fast.size() > 1000);
    CHECK_MESSAGE(fast == nlohmann_compact(report), apk);
    CHECK_MESSAGE(same_as_nlohmann(report), apk);
    ++reports;
  }
  CHECK(reports == 4);
  size_t truth = 0;
  for (const auto& e : std::filesystem::directory_iterator(corpus_dir() + "/truth")) {
    if (e.path().extension() != ".json") continue;
    Json j = Json::parse(read_all(e.path()), nullptr, false);
    if (j.is_discarded()) continue;
    CHECK_MESSAGE(dump_json(j, -1) == nlohmann_compact(j), e.path().string());
    CHECK_MESSAGE(same_as_nlohmann(j), e.path().string());
    ++truth;
  }
  CHECK(truth > 100);
}
