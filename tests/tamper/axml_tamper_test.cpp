// AXML tampering (fixtures/built/tampered/axml_*.apk, made from leaky.apk): manifests that
// Android's ResXMLTree still parses (aapt dump badging reads every one; tools/build-fixtures.sh
// checks it). Each must raise an `axml.*` anomaly and still decode to package gov.test.leaky.
//
// Written before the AXML decoder (analyzer/axml/, another area) landed: they assert only the
// `axml.` prefix, so its choice of ids is free. With the decoder at 03416f3 the ids are
// axml.bad_file_type, axml.file_header_size, axml.trailing_data, axml.bad_string_pool,
// axml.unknown_chunk, axml.attribute_name_mismatch, axml.attribute_namespace_mismatch.
#include "tamper_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

void check_axml_variant(const std::string& file) {
  auto r = scan_ok(tampered(file));
  INFO(file << ": " << anomaly_ids(r));
  CHECK(has_anomaly_prefix(r, "axml."));
  CHECK(r.facts.manifest.decoded);
  CHECK(r.facts.manifest.package == "gov.test.leaky");
  // The ZIP is untouched apart from the manifest entry: no archive anomaly may appear.
  CHECK_FALSE(has_anomaly_prefix(r, "zip."));
}

}  // namespace

TEST_CASE("AXML tamper: file header type is not RES_XML_TYPE (androguard #327)") {
  check_axml_variant("axml_header_type.apk");
}

TEST_CASE("AXML tamper: file header size 12 with padding before the string pool") {
  check_axml_variant("axml_header_size.apk");
}

TEST_CASE("AXML tamper: bytes after the document, beyond the header's declared size") {
  check_axml_variant("axml_trailing_data.apk");
}

TEST_CASE("AXML tamper: string pool count raised and a stylesStart with no styles") {
  check_axml_variant("axml_string_pool.apk");
}

TEST_CASE("AXML tamper: unknown chunk type between element nodes") {
  check_axml_variant("axml_dummy_chunk.apk");
}

TEST_CASE("AXML tamper: attribute-name strings emptied: only resource ids identify them") {
  check_axml_variant("axml_empty_attr_names.apk");
}

TEST_CASE("AXML tamper: attributes in a wrong namespace that still carry android resource ids") {
  check_axml_variant("axml_wrong_namespace.apk");
}

TEST_CASE("the untouched leaky manifest raises no axml anomaly") {
  auto r = scan_ok(fixture("leaky.apk"));
  INFO(anomaly_ids(r));
  CHECK_FALSE(has_anomaly_prefix(r, "axml."));
}
