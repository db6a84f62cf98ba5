// libFuzzer target: JAR signature blocks (PKCS #7), APK Signing Block scheme values (v2/v3/v3.1 signers,
// lineage), JAR manifests, and whole APKs through apksigner's policy. Reproducers of fixed crashes live in
// tests/fuzz/regressions/signing/ and are replayed by test_signing.
#include <cstddef>
#include <cstdint>

#include "../signing/signing_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  apkvet::test::fuzz_signing_one(data, size);
  return 0;
}
