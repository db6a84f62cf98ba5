// The signing fuzz target's body, shared by tests/fuzz/fuzz_signing.cpp (libFuzzer) and the doctest
// that replays tests/fuzz/regressions/signing/ in the normal test run.
#pragma once
#include <cstddef>
#include <cstdint>

#include "archive/zip_archive.h"
#include "signing/jar_signature.h"
#include "signing/pkcs7.h"
#include "signing/signing_block.h"
#include "signing/signing_facts.h"

namespace apkvet::test {

inline void fuzz_signing_one(const uint8_t* data, size_t size) {
  using namespace apkvet::signing;
  Bytes b(data, size);
  // 1. As a JAR signature block (PKCS #7 SignedData) and its signed attributes.
  try {
    Pkcs7SignedData sd = parse_pkcs7(b);
    for (const auto& si : sd.signer_infos)
      if (si.signed_attributes) {
        Asn1Reader r(*si.signed_attributes);
        parse_attributes(r.next().content);
      }
  } catch (const ParseError&) {
  }
  // 2. As the value of a v2 / v3 / v3.1 block: signers, signed data, certificates, lineage.
  {
    ZipSections z{};
    ApkContentDigests digests(b, z, 0);
    SchemeParams p;
    p.min_sdk = 24;
    verify_v2(b, digests, p);
    p.min_sdk = 28;
    verify_v3(b, digests, p, false);
    verify_v3(b, digests, p, true);
    source_stamp_certificate_sha256(b);
  }
  // 3. As a JAR manifest / signature file.
  parse_jar_manifest(b);
  // 4. As a whole APK: signing block location, every scheme, the policy.
  try {
    AnomalySink sink;
    ZipArchive zip(b, "", sink);
    SigningOptions o;
    o.min_sdk = 1;
    verify_signing(zip, o);
  } catch (const ParseError&) {
  }
}

}  // namespace apkvet::test
