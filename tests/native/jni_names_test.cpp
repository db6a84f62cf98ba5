// JNI name demangling (Java_* exports back to class and method), per the JNI specification's escapes.
#include <doctest/doctest.h>

#include "native/jni_names.h"

using apkvet::demangle_jni;

TEST_CASE("jni: plain class and method") {
  auto j = demangle_jni("Java_gov_test_vet_NativeBridge_ping");
  REQUIRE(j);
  CHECK(j->java_class == "gov.test.vet.NativeBridge");
  CHECK(j->method == "ping");
  CHECK(j->signature == "");
}

TEST_CASE("jni: _1 is an underscore, _0xxxx a UTF-16 unit") {
  auto j = demangle_jni("Java_gov_test_vet_Native_1Bridge_hello");
  REQUIRE(j);
  CHECK(j->java_class == "gov.test.vet.Native_Bridge");
  CHECK(j->method == "hello");
  auto c = demangle_jni("Java_gov_test_vet_Caf_000e9_greet");
  REQUIRE(c);
  CHECK(c->java_class == "gov.test.vet.Caf\xc3\xa9");
  CHECK(c->method == "greet");
}

TEST_CASE("jni: overloaded methods carry a signature after __") {
  auto a = demangle_jni("Java_gov_test_vet_NativeBridge_sum__II");
  REQUIRE(a);
  CHECK(a->method == "sum");
  CHECK(a->signature == "(II)");
  auto b = demangle_jni("Java_gov_test_vet_NativeBridge_sum__Ljava_lang_String_2");
  REQUIRE(b);
  CHECK(b->signature == "(Ljava/lang/String;)");
  auto c = demangle_jni("Java_gov_test_vet_NativeBridge_digest___3BI");
  REQUIRE(c);
  CHECK(c->method == "digest");
  CHECK(c->signature == "([BI)");
}

TEST_CASE("jni: malformed names are rejected") {
  CHECK_FALSE(demangle_jni("Java_"));
  CHECK_FALSE(demangle_jni("Java_NoMethod"));
  CHECK_FALSE(demangle_jni("Java_a__"));
  CHECK_FALSE(demangle_jni("Java_a_b_0zz"));
  CHECK_FALSE(demangle_jni("Java_a_b_0"));
  CHECK_FALSE(demangle_jni("JNI_OnLoad"));
  CHECK_FALSE(demangle_jni("Java_a__b_c"));  // empty component
}
