#include "signing/apk_verifier.h"

#include <algorithm>
#include <optional>

#include "signing/jar_signature.h"

namespace apkvet::signing {
namespace {

constexpr int kN = 24, kO = 26, kP = 28, kR = 30, kT = 33;
constexpr uint32_t kCentralSignature = 0x02014b50;

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr size_t kEndSize = 22;

// The end record as apksigner finds it (apksig's ZipUtils.findZipEndOfCentralDirectoryRecord): the
// one nearest the end whose comment reaches exactly the end of the file. Bytes after the comment
// leave none, and apksigner calls the file "not a ZIP archive"; the platform's own ZIP reader refuses
// them too. Our archive reader is lenient there, with an anomaly, so that the rest can be analysed.
std::optional<size_t> apksig_end_record(Bytes apk) {
  if (apk.size() < kEndSize) return std::nullopt;
  ByteReader r(apk);
  const size_t max_comment = std::min<size_t>(apk.size() - kEndSize, 0xffff);
  for (size_t comment = 0; comment <= max_comment; ++comment) {
    size_t at = apk.size() - kEndSize - comment;
    if (r.u32_at(at) == kEndSignature && r.u16_at(at + 20) == comment) return at;
  }
  return std::nullopt;
}

std::string first_cert(const SignerFacts& s) { return s.certificates.empty() ? "" : s.certificates[0].sha256; }

void append_errors(const SchemeFacts& s, std::vector<SigningIssue>& out) {
  out.insert(out.end(), s.errors.begin(), s.errors.end());
  for (const auto& signer : s.signers) out.insert(out.end(), signer.errors.begin(), signer.errors.end());
}

}  // namespace

bool ApkVerification::has_errors() const {
  return !zip_error.empty() || !errors.empty() || v1.has_errors() || v2.has_errors() || v3.has_errors() ||
         v31.has_errors();
}

std::vector<SigningIssue> ApkVerification::all_errors() const {
  std::vector<SigningIssue> out;
  if (!zip_error.empty()) out.push_back({"MALFORMED_APK", zip_error, ""});
  for (const SchemeFacts* s : {&v31, &v3, &v2}) append_errors(*s, out);
  out.insert(out.end(), errors.begin(), errors.end());
  append_errors(v1, out);
  return out;
}

ApkVerification verify_apk(const ZipArchive& zip, const ApkVerifyParams& p) {
  ApkVerification out;
  out.v1.scheme = "v1";
  out.v2.scheme = "v2";
  out.v3.scheme = "v3";
  out.v31.scheme = "v3.1";
  Bytes apk = zip.data();
  out.v1.present = has_jar_signature_files(zip);

  // The ZIP sections as the end record declares them: Android verifies against these offsets.
  ByteReader r(apk);
  ZipSections& z = out.sections;
  std::optional<size_t> end = apksig_end_record(apk);
  if (!end) {
    out.zip_error = "Malformed APK: not a ZIP archive";
    return out;
  }
  z.eocd_offset = *end;
  z.cd_size = r.u32_at(z.eocd_offset + 12);
  z.cd_offset = r.u32_at(z.eocd_offset + 16);
  if (z.cd_offset == 0xffffffff || z.cd_size == 0xffffffff) {
    z.cd_offset = zip.central_directory_offset();
    z.cd_size = zip.central_directory_size();
  }
  if (z.cd_offset > z.eocd_offset) {
    out.zip_error = "Malformed APK: ZIP Central Directory start offset out of range: " + std::to_string(z.cd_offset);
    return out;
  }
  if (z.cd_offset + z.cd_size > z.eocd_offset) {
    out.zip_error = "Malformed APK: ZIP Central Directory overlaps with End of Central Directory. CD end: " +
                    std::to_string(z.cd_offset + z.cd_size) + ", EoCD start: " + std::to_string(z.eocd_offset);
    return out;
  }
  if (z.cd_size > 0 && r.u32_at(z.cd_offset) != kCentralSignature) {
    out.zip_error = "Malformed APK: no ZIP Central Directory record at the declared offset " + std::to_string(z.cd_offset);
    return out;
  }

  out.block = find_signing_block(apk, z);
  const SigningBlock* block = out.block.block ? &*out.block.block : nullptr;
  auto pair = [&](uint32_t id) -> const SigningBlockPair* { return block ? block->find(id) : nullptr; };
  out.v2.present = pair(kV2BlockId) != nullptr;
  out.v3.present = pair(kV3BlockId) != nullptr;
  out.v31.present = pair(kV31BlockId) != nullptr;

  std::map<int, std::string> supported;
  if (p.max_sdk >= kN) supported[2] = "APK Signature Scheme v2";
  if (p.max_sdk >= kP) supported[3] = "APK Signature Scheme v3";
  std::set<int> found;
  ApkContentDigests digests(apk, z, block ? block->offset : 0);
  auto failed = [&] { return out.has_errors(); };

  if (p.max_sdk >= kN) {
    int rotation_min = 0;
    if (p.max_sdk >= kT && out.v31.present) {
      SchemeParams sp{std::max(p.min_sdk, kT), p.max_sdk, supported, found, 0};
      out.v31 = verify_v3(pair(kV31BlockId)->value, digests, sp, true);
      found.insert(31);
      for (const auto& s : out.v31.signers)
        if (rotation_min == 0 || s.min_sdk < rotation_min) rotation_min = static_cast<int>(s.min_sdk);
      if (failed()) return out;
    }
    if (p.max_sdk >= kP) {
      if (out.v3.present) {
        SchemeParams sp{std::max(p.min_sdk, kP), p.max_sdk, supported, found, rotation_min};
        out.v3 = verify_v3(pair(kV3BlockId)->value, digests, sp, false);
        found.insert(3);
      } else if (found.count(31)) {
        out.errors.push_back({"V31_BLOCK_FOUND_WITHOUT_V3_BLOCK", "The APK contains a v3.1 signing block without a v3.0 block", ""});
      }
      if (failed()) return out;
    }
    if (p.min_sdk < kP || found.empty()) {
      if (out.v2.present) {
        SchemeParams sp{std::max(p.min_sdk, kN), p.max_sdk, supported, found, 0};
        out.v2 = verify_v2(pair(kV2BlockId)->value, digests, sp);
        found.insert(2);
      }
      if (failed()) return out;
    }
  }
  if (p.max_sdk >= kO && p.target_sandbox_version > 1 && found.empty())
    out.errors.push_back({"NO_SIG_FOR_TARGET_SANDBOX_VERSION",
                          "Missing APK Signature Scheme v2 signature required for target sandbox version " +
                              std::to_string(p.target_sandbox_version),
                          ""});
  if (p.min_sdk < kN || found.empty()) {
    JarVerifyParams jp{p.min_sdk, p.max_sdk, supported, found};
    bool present = out.v1.present;
    out.v1 = verify_jar_signature(zip, jp);
    out.v1.present = present;
  }
  if (failed()) return out;

  // Android 11+ refuses APKs targeting SDK 30+ that only have a JAR signature.
  if (p.target_sdk >= kR && p.max_sdk >= p.target_sdk && !out.v2.verified && !out.v3.verified)
    out.errors.push_back({"MIN_SIG_SCHEME_FOR_TARGET_SDK_NOT_MET",
                          "Target SDK version " + std::to_string(p.target_sdk) +
                              " requires a minimum of signature scheme v2; the APK is not signed with this or a later "
                              "signature scheme",
                          ""});
  if (failed()) return out;

  // Every verified scheme must name the same signer (allowing a v3 rotation from the old signer).
  if (out.v1.verified && out.v2.verified) {
    std::vector<std::string> c1, c2;
    for (const auto& s : out.v1.signers) c1.push_back(first_cert(s));
    for (const auto& s : out.v2.signers) c2.push_back(first_cert(s));
    for (size_t i = 0; i < c1.size(); ++i)
      if (std::find(c2.begin(), c2.end(), c1[i]) == c2.end()) {
        add_error(out.v1.signers[i], "V2_SIG_MISSING",
                  "JAR signer " + out.v1.signers[i].name + " has no matching APK Signature Scheme v2 signer");
        break;
      }
    for (size_t i = 0; i < c2.size(); ++i)
      if (std::find(c1.begin(), c1.end(), c2[i]) == c1.end()) {
        add_error(out.v2.signers[i], "JAR_SIG_MISSING",
                  "APK Signature Scheme v2 signer #" + std::to_string(i + 1) + " has no matching JAR signer");
        break;
      }
  }
  if (out.v3.verified && (out.v1.verified || out.v2.verified)) {
    const SchemeFacts& old = out.v1.verified ? out.v1 : out.v2;
    if (old.signers.size() != 1)
      out.errors.push_back({"V3_SIG_MULTIPLE_PAST_SIGNERS",
                            "APK Signature Scheme v3 signer found, but multiple v1 and/or multiple v2 signers found", ""});
    std::string old_cert = old.signers.empty() ? "" : first_cert(old.signers[0]);
    const std::vector<LineageNode>* lineage = nullptr;
    for (const auto& s : out.v3.signers)
      if (!s.lineage.empty() && (!lineage || s.lineage.size() > lineage->size())) lineage = &s.lineage;
    if (!lineage) {
      if (out.v3.signers.size() != 1)
        out.errors.push_back({"V3_SIG_MULTIPLE_SIGNERS", "Multiple APK Signature Scheme v3 signers found without a lineage", ""});
      if (!out.v3.signers.empty() && first_cert(out.v3.signers[0]) != old_cert)
        out.errors.push_back({"V3_SIG_PAST_SIGNERS_MISMATCH",
                              "v3 signer differs from v1/v2 signer without proper signing certificate lineage.", ""});
    } else if (lineage->front().certificate.sha256 != old_cert) {
      out.errors.push_back({"V3_SIG_PAST_SIGNERS_MISMATCH",
                            "v3 signer differs from v1/v2 signer without proper signing certificate lineage.", ""});
    }
  }
  out.verified = !out.has_errors();
  return out;
}

}  // namespace apkvet::signing
