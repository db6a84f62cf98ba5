// The one definition of well-formed UTF-8 (core/utf8.h) that the ZIP, AXML and ELF readers and the
// JSON and HTML writers check app-controlled text against: RFC 3629, table 3-7 of the Unicode standard.
#include <doctest/doctest.h>

#include <string>

#include "core/utf8.h"

using apkvet::first_invalid_utf8;
using apkvet::replace_invalid_utf8;
using apkvet::utf8_sequence_length;

namespace {
constexpr size_t npos = std::string_view::npos;
}

TEST_CASE("well-formed sequences of every length and at every boundary of table 3-7 are accepted") {
  for (const char* s : {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",  // é € 😀
                        "\xC2\x80", "\xDF\xBF",                                                // U+0080, U+07FF
                        "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",        // U+0800 U+D7FF U+E000 U+FFFF
                        "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) {                             // U+10000, U+10FFFF
    INFO(s);
    CHECK(first_invalid_utf8(s) == npos);
    CHECK(replace_invalid_utf8(s) == s);
  }
  CHECK(utf8_sequence_length("\xF0\x9F\x98\x80", 0) == 4);
  CHECK(utf8_sequence_length("\xE2\x82\xAC", 0) == 3);
}

TEST_CASE("overlong forms, surrogates, code points past U+10FFFF, stray and truncated bytes are refused") {
  struct Case {
    const char* text;
    size_t first_invalid;
  };
  for (const Case& c : {Case{"\xC0\x80", 0}, Case{"\xC1\xBF", 0},          // overlong 2-byte
                        Case{"\xE0\x80\x80", 0}, Case{"\xE0\x9F\xBF", 0},  // overlong 3-byte
                        Case{"\xF0\x8F\xBF\xBF", 0},                       // overlong 4-byte
                        Case{"\xED\xA0\x80", 0}, Case{"\xED\xBF\xBF", 0},  // UTF-16 surrogates
                        Case{"\xF4\x90\x80\x80", 0}, Case{"\xF5\x80\x80\x80", 0}, Case{"\xFF", 0},
                        Case{"\x80", 0}, Case{"ok\xBF", 2},                // stray continuation bytes
                        Case{"\xE2\x82", 0}, Case{"ab\xF0\x9F\x98", 2},    // truncated at the end
                        Case{"\xE2\x28\xA1", 0}}) {                        // continuation missing
    INFO(c.text);
    CHECK(first_invalid_utf8(c.text) == c.first_invalid);
  }
}

TEST_CASE("each byte that belongs to no well-formed sequence becomes one U+FFFD, the rest is kept") {
  CHECK(replace_invalid_utf8("bad \xC0\x80 \xFF") == "bad \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD");
  CHECK(replace_invalid_utf8("\xED\xA0\x80x") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");
  CHECK(replace_invalid_utf8("caf\xC3\xA9\xC3") == "caf\xC3\xA9\xEF\xBF\xBD");
  // The replacement is itself well-formed, so replacing twice changes nothing.
  std::string once = replace_invalid_utf8("\xF5\xE2\x82 \xC3\xA9");
  CHECK(first_invalid_utf8(once) == npos);
  CHECK(replace_invalid_utf8(once) == once);
}
