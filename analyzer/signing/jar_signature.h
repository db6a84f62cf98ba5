// v1 (JAR) signature verification as apksigner does it: META-INF/MANIFEST.MF, the *.SF signature files
// and their PKCS #7 blocks (*.RSA|DSA|EC), for a given platform range [min_sdk, max_sdk].
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "archive/zip_archive.h"
#include "signing/scheme_result.h"

namespace apkvet::signing {

struct JarVerifyParams {
  int min_sdk = 1;
  int max_sdk = 0x7fffffff;
  std::map<int, std::string> supported_schemes;  // APK signature scheme IDs the platform range knows
  std::set<int> found_schemes;                   // IDs of schemes found in the signing block
};

// True when the archive holds any v1 signature material (a manifest or a signature file).
bool has_jar_signature_files(const ZipArchive& zip);

SchemeFacts verify_jar_signature(const ZipArchive& zip, const JarVerifyParams& params);

// The X-Android-APK-Signed scheme IDs every .SF declares (stripping protection), for findings.
std::vector<std::pair<std::string, std::string>> jar_apk_signed_headers(const ZipArchive& zip);

// A JAR manifest (MANIFEST.MF or *.SF) read as apksigner's ManifestParser reads it.
struct JarManifestSection {
  size_t start = 0, size = 0;  // raw bytes of the section, trailing blank line included
  std::vector<std::pair<std::string, std::string>> attributes;
  const std::string* get(std::string_view name) const;  // case-insensitive, first match
  const std::string* name() const { return get("Name"); }
};
std::vector<JarManifestSection> parse_jar_manifest(Bytes data);  // [0] is the main section

}  // namespace apkvet::signing
