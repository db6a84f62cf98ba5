// What a reviewer needs to know about one X.509 signing certificate, read with OpenSSL.
// Validity is recorded as facts; judging it against a scan time happens in the findings, not here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "facts/evidence.h"

namespace apkvet::signing {

struct CertificateFacts {
  std::string subject;  // RFC 2253 order as apksigner prints it: "CN=Android Debug, O=Android, C=US"
  std::string issuer;
  std::string serial;   // hex, as stored (two's complement, leading zeros dropped)
  std::string not_before, not_after;  // ISO 8601 UTC
  int64_t not_before_epoch = 0, not_after_epoch = 0;
  std::string key_algorithm;  // RSA, EC, DSA, Ed25519, ...
  int key_bits = 0;
  std::string curve;          // EC only
  std::string signature_algorithm;  // OpenSSL long name, e.g. sha256WithRSAEncryption
  bool weak_signature_hash = false;  // certificate itself signed with MD2/MD5/SHA-1
  std::string sha256, sha1, md5;     // fingerprints of the DER encoding, lower-case hex
  std::string public_key_sha256;
  std::vector<uint8_t> public_key_der;  // SubjectPublicKeyInfo as OpenSSL encodes the key (not in JSON)
  bool self_signed = false;
  bool android_debug = false;  // CN=Android Debug, O=Android, C=US: the SDK's per-machine debug key
};

// nullopt when OpenSSL cannot parse the DER. The same certificate comes back in every scheme of an APK
// (v1, v2, v3, v3.1, the lineage) and in many APKs of one developer: the last few descriptions are kept
// per thread, keyed by the whole DER.
std::optional<CertificateFacts> describe_certificate(Bytes der);

void to_json(Json& j, const CertificateFacts& c);

}  // namespace apkvet::signing
