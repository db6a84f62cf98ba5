// The APK Signing Block (before the ZIP central directory) and the schemes in it: v2, v3 and v3.1
// signers, chunked and verity content digests, signatures over signed data, v3 rotation lineage.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "signing/scheme_result.h"

namespace apkvet::signing {

inline constexpr uint32_t kV2BlockId = 0x7109871a;
inline constexpr uint32_t kV3BlockId = 0xf05368c0;
inline constexpr uint32_t kV31BlockId = 0x1b93ad61;
inline constexpr uint32_t kSourceStampV1Id = 0x2b09189e;
inline constexpr uint32_t kSourceStampV2Id = 0x6dff800d;
inline constexpr uint32_t kVerityPaddingId = 0x42726577;
inline constexpr uint32_t kProofOfRotationAttr = 0x3ba06f8c;
inline constexpr uint32_t kStrippingProtectionAttr = 0xbeeff00d;

// Where the ZIP sections are, as the EOCD declares them (the offsets Android's verifier uses).
struct ZipSections {
  uint64_t cd_offset = 0, cd_size = 0, eocd_offset = 0;
};

struct SigningBlockPair {
  uint32_t id = 0;
  uint64_t offset = 0;  // of the pair's value in the file
  Bytes value;
};

struct SigningBlock {
  uint64_t offset = 0;  // first byte of the block (its leading size field)
  uint64_t size = 0;    // whole block, both size fields included
  std::vector<SigningBlockPair> pairs;
  std::string pairs_error;  // set when the ID-value list is malformed; pairs holds those before the error
  const SigningBlockPair* find(uint32_t id) const;
};

struct SigningBlockLookup {
  std::optional<SigningBlock> block;
  std::string reason;  // why there is no block (apksigner treats every one of these as "not signed")
};
SigningBlockLookup find_signing_block(Bytes apk, const ZipSections& zip);

const char* block_id_name(uint32_t id);  // "APK Signature Scheme v2", "verity padding", ... or ""

// Caches content digests over the three ZIP sections, shared by v2, v3 and v3.1.
class ApkContentDigests {
 public:
  ApkContentDigests(Bytes apk, const ZipSections& zip, uint64_t signing_block_offset)
      : apk_(apk), zip_(zip), block_offset_(signing_block_offset) {}
  // nullopt when this digest cannot be computed (verity needs a 4096-aligned signing block)
  std::optional<std::vector<uint8_t>> get(int content_digest);

 private:
  Bytes apk_;
  ZipSections zip_;
  uint64_t block_offset_;
  std::map<int, std::optional<std::vector<uint8_t>>> cache_;
};

struct SchemeParams {
  int min_sdk = 1;
  int max_sdk = 0x7fffffff;
  std::map<int, std::string> supported_schemes;
  std::set<int> found_schemes;
  int v3_rotation_min_sdk = 0;  // when a v3.1 block was verified: v3 signers need only cover below it
};

SchemeFacts verify_v2(Bytes block_value, ApkContentDigests& digests, const SchemeParams& params);
// v3 and v3.1 share one format; `v31` selects the v3.1 naming and coverage rules.
SchemeFacts verify_v3(Bytes block_value, ApkContentDigests& digests, const SchemeParams& params, bool v31);

// Certificate SHA-256 of a source stamp block, or "" when it cannot be read.
std::string source_stamp_certificate_sha256(Bytes block_value);

}  // namespace apkvet::signing
