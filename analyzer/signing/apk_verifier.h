// apksigner's verification policy for one APK: which schemes a platform range [min_sdk, max_sdk]
// checks and in what order (v3.1, v3, v2, then v1 only where older platforms need it), and the
// cross-scheme checks (same signer in every scheme, sandbox version 2 needs v2+).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "archive/zip_archive.h"
#include "signing/scheme_result.h"
#include "signing/signing_block.h"

namespace apkvet::signing {

struct ApkVerifyParams {
  int min_sdk = 1;
  int max_sdk = 0x7fffffff;
  int target_sandbox_version = 1;
  int target_sdk = 1;  // targetSdk >= 30 requires a v2+ signature
};

struct ApkVerification {
  std::string zip_error;  // apksigner cannot read the ZIP sections: nothing verifies
  ZipSections sections;
  SigningBlockLookup block;
  SchemeFacts v1, v2, v3, v31;
  std::vector<SigningIssue> errors, warnings;  // cross-scheme
  bool verified = false;
  bool has_errors() const;
  std::vector<SigningIssue> all_errors() const;  // scheme, signer and cross-scheme errors, in order
};

ApkVerification verify_apk(const ZipArchive& zip, const ApkVerifyParams& params);

}  // namespace apkvet::signing
