// Facts about the app's APK signatures (v1, v2, v3, v3.1), its certificates, and the signing findings.
// Verification follows apksigner (`apksigner verify`) for the platform range [minSdk, newest].
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "facts/evidence.h"
#include "signing/certificate.h"
#include "signing/scheme_result.h"

namespace apkvet {

struct SigningBlockPairFacts {
  uint32_t id = 0;
  std::string name;  // known ID's meaning, "" when unknown
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct SigningBlockFacts {
  bool present = false;
  uint64_t offset = 0, size = 0;
  std::vector<SigningBlockPairFacts> pairs;
  std::string absent_reason;  // why no block was found ("" when present)
  std::string pairs_error;    // malformed ID-value list
};

struct SigningFacts {
  bool analyzed = false;
  std::string part;  // evidence path of the verified APK ("" for a plain APK, "base.apk" in a bundle)
  int min_sdk = 1;   // platform range verified: [min_sdk, newest]
  bool min_sdk_known = false;
  int target_sandbox_version = 1;
  int target_sdk = 1;
  bool verified = false;  // apksigner's verdict for the range
  std::optional<bool> verified_from_sdk24;  // when not verified and min_sdk < 24: the verdict for [24, newest]
  std::string zip_error;
  std::vector<signing::SigningIssue> errors, warnings;
  signing::SchemeFacts v1, v2, v3, v31;
  SigningBlockFacts block;
  bool source_stamp = false;
  std::string source_stamp_sha256;
  std::string v4_signature_file;  // "<input>.idsig" when present beside the input
  std::vector<std::string> schemes_present;  // v1, v2, v3, v3.1
  std::vector<std::string> schemes_verified;
  // The signer(s) of the newest verified scheme (v3.1 > v3 > v2 > v1), as apksigner prints them; a rotated
  // app's older signers are in v3's lineage.
  std::vector<signing::CertificateFacts> signer_certificates;
  std::vector<std::string> jar_apk_signed;  // X-Android-APK-Signed values of the .SF files
  // Exodus Privacy's application identifier: upper-case hex SHA-1 of "<package> <SHA1> <SHA1>...", the
  // SHA-1s being the upper-case fingerprints of the first certificate of each v1 signature block
  // (META-INF/*.RSA|DSA|EC with a matching .SF, central directory order), as exodus-core computes it.
  std::string exodus_app_uid;
};
void to_json(Json& j, const SigningFacts& f);

struct SigningOptions {
  std::optional<int> min_sdk;      // from the decoded manifest; apksigner's default is 1
  int target_sandbox_version = 1;  // android:targetSandboxVersion
  int target_sdk = 1;              // as Android applies it (defaults to minSdk)
  std::string package;             // for the Exodus identifier
  int64_t scan_time = 0;           // seconds since the epoch; 0 skips the validity-window findings
  std::string input_path;          // where to look for a v4 "<input>.idsig"
  // An Android App Bundle: its JAR signature is checked as jarsigner checks it, without the rules
  // for installing an APK (v2 required from target SDK 30, Janus), which apply to the APKs built from it.
  bool app_bundle = false;
};

SigningFacts analyze_signing(const AppPackage& app, const SigningOptions& options, AnomalySink& anomalies);
// Without manifest facts: minSdk 1 (apksigner's default), no scan time, no package.
inline SigningFacts analyze_signing(const AppPackage& app, AnomalySink& anomalies) {
  return analyze_signing(app, SigningOptions{}, anomalies);
}

// Verifies one ZIP (no findings): for tests and tools.
SigningFacts verify_signing(const ZipArchive& zip, const SigningOptions& options);

}  // namespace apkvet
