// The outcome of verifying one signature scheme (v1 JAR, v2, v3, v3.1): signers, certificates, and the
// errors and warnings apksigner would report, with apksigner's issue names so results can be compared.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "facts/evidence.h"
#include "signing/certificate.h"

namespace apkvet::signing {

struct SigningIssue {
  std::string code;     // apksigner's Issue name, e.g. "JAR_SIG_NO_MANIFEST", "V2_SIG_DID_NOT_VERIFY"
  std::string message;  // apksigner-like sentence
  std::string entry;    // the entry concerned, when there is one ("classes.dex", "META-INF/CERT.SF")
};

// One step of a v3 proof-of-rotation lineage: oldest first, the last one is the current signer.
struct LineageNode {
  CertificateFacts certificate;
  uint32_t flags = 0;  // 1 installed data, 2 shared uid, 4 permission, 8 rollback, 16 auth
  std::string signed_with;  // algorithm of the parent's signature over this node ("" for the first)
};

struct SignerFacts {
  int index = 0;     // position in the signing block (v2/v3), 0-based
  std::string name;  // v1: the signature block file, e.g. "META-INF/CERT.RSA"
  std::vector<CertificateFacts> certificates;  // v1: chain from the signer up; v2/v3: as listed
  std::vector<std::string> signature_algorithms;  // v2/v3 names (RSA_PKCS1_V1_5_WITH_SHA256) or v1 JCA names
  std::vector<std::string> verified_digests;      // content digest algorithms whose digest matched
  int64_t min_sdk = -1, max_sdk = -1;             // v3 / v3.1 signer SDK range
  std::vector<LineageNode> lineage;
  std::vector<uint32_t> additional_attributes;  // IDs, as found
  std::vector<SigningIssue> errors, warnings;
};

struct SchemeFacts {
  std::string scheme;     // "v1", "v2", "v3", "v3.1"
  bool present = false;   // the APK carries signature data for this scheme
  bool checked = false;   // verification ran (apksigner skips schemes the SDK range does not need)
  bool verified = false;
  std::vector<SignerFacts> signers;
  std::vector<SigningIssue> errors, warnings;  // scheme-level; signer-level ones sit in signers

  bool has_errors() const {
    if (!errors.empty()) return true;
    for (const auto& s : signers)
      if (!s.errors.empty()) return true;
    return false;
  }
  void error(std::string code, std::string message, std::string entry = "") {
    errors.push_back({std::move(code), std::move(message), std::move(entry)});
  }
  void warning(std::string code, std::string message, std::string entry = "") {
    warnings.push_back({std::move(code), std::move(message), std::move(entry)});
  }
};

inline void add_error(SignerFacts& s, std::string code, std::string message, std::string entry = "") {
  s.errors.push_back({std::move(code), std::move(message), std::move(entry)});
}
inline void add_warning(SignerFacts& s, std::string code, std::string message, std::string entry = "") {
  s.warnings.push_back({std::move(code), std::move(message), std::move(entry)});
}

void to_json(Json& j, const SigningIssue& i);
void to_json(Json& j, const LineageNode& n);
void to_json(Json& j, const SignerFacts& s);
void to_json(Json& j, const SchemeFacts& s);

}  // namespace apkvet::signing
