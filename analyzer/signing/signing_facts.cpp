#include "signing/signing_facts.h"

#include <algorithm>
#include <filesystem>

#include "signing/apk_verifier.h"
#include "signing/jar_signature.h"
#include "signing/pkcs7.h"
#include "signing/signing_block.h"
#include "signing/signing_crypto.h"

namespace apkvet {
namespace signing {

void to_json(Json& j, const SigningIssue& i) {
  j = Json{{"code", i.code}, {"message", i.message}};
  if (!i.entry.empty()) j["entry"] = i.entry;
}

void to_json(Json& j, const LineageNode& n) {
  j = Json{{"certificate", n.certificate}, {"flags", n.flags}};
  if (!n.signed_with.empty()) j["signed_with"] = n.signed_with;
}

void to_json(Json& j, const SignerFacts& s) {
  j = Json{{"index", s.index}, {"certificates", s.certificates}, {"signature_algorithms", s.signature_algorithms}};
  if (!s.name.empty()) j["name"] = s.name;
  if (!s.verified_digests.empty()) j["verified_digests"] = s.verified_digests;
  if (s.min_sdk >= 0) j["min_sdk"] = s.min_sdk;
  if (s.max_sdk >= 0) j["max_sdk"] = s.max_sdk;
  if (!s.lineage.empty()) j["lineage"] = s.lineage;
  if (!s.additional_attributes.empty()) j["additional_attributes"] = s.additional_attributes;
  if (!s.errors.empty()) j["errors"] = s.errors;
  if (!s.warnings.empty()) j["warnings"] = s.warnings;
}

void to_json(Json& j, const SchemeFacts& s) {
  j = Json{{"present", s.present}, {"checked", s.checked}, {"verified", s.verified}, {"signers", s.signers}};
  if (!s.errors.empty()) j["errors"] = s.errors;
  if (!s.warnings.empty()) j["warnings"] = s.warnings;
}

}  // namespace signing

using namespace signing;

namespace {

constexpr int kN = 24;

void collect_warnings(const SchemeFacts& s, std::vector<SigningIssue>& out) {
  out.insert(out.end(), s.warnings.begin(), s.warnings.end());
  for (const auto& signer : s.signers) out.insert(out.end(), signer.warnings.begin(), signer.warnings.end());
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return s;
}

// exodus-core: sha1(" ".join([package] + [cert.sha1.upper() for each v1 signature block])).upper()
std::string exodus_uid(const ZipArchive& zip, const std::string& package) {
  std::string text = package;
  std::set<std::string> names;
  for (const auto& e : zip.entries()) names.insert(e.name);
  for (const auto& e : zip.entries()) {
    const std::string& n = e.name;
    if (n.rfind("META-INF/", 0) != 0) continue;
    size_t dot = n.rfind('.');
    if (dot == std::string::npos) continue;
    std::string ext = n.substr(dot);
    if (ext != ".RSA" && ext != ".EC" && ext != ".DSA") continue;
    if (!names.count(n.substr(0, dot) + ".SF")) continue;
    auto data = zip.read(e);
    if (!data) continue;
    try {
      auto sd = parse_pkcs7(*data);
      if (sd.certificates.empty()) continue;
      text += " " + upper(hex(digest(DigestAlg::sha1, sd.certificates[0])));
    } catch (const ParseError&) {
    }
  }
  std::vector<uint8_t> bytes(text.begin(), text.end());
  return upper(hex(digest(DigestAlg::sha1, bytes)));
}

void add_unique(std::vector<CertificateFacts>& out, const CertificateFacts& c) {
  for (const auto& o : out)
    if (o.sha256 == c.sha256) return;
  out.push_back(c);
}

}  // namespace

SigningFacts verify_signing(const ZipArchive& zip, const SigningOptions& options) {
  SigningFacts f;
  f.analyzed = true;
  f.part = zip.prefix();
  if (!f.part.empty() && f.part.back() == '!') f.part.pop_back();
  f.min_sdk_known = options.min_sdk.has_value();
  f.min_sdk = std::max(options.min_sdk.value_or(1), 1);
  f.target_sandbox_version = options.target_sandbox_version;

  f.target_sdk = std::max(options.target_sdk, 1);
  ApkVerifyParams params{f.min_sdk, 0x7fffffff, options.target_sandbox_version, options.app_bundle ? 1 : f.target_sdk};
  ApkVerification v = verify_apk(zip, params);
  if (!v.verified && f.min_sdk < kN && v.zip_error.empty()) {
    ApkVerifyParams modern = params;
    modern.min_sdk = kN;
    f.verified_from_sdk24 = verify_apk(zip, modern).verified;
  }
  f.verified = v.verified;
  f.zip_error = v.zip_error;
  f.errors = v.all_errors();
  for (const SchemeFacts* s : {&v.v31, &v.v3, &v.v2, &v.v1}) collect_warnings(*s, f.warnings);
  f.warnings.insert(f.warnings.end(), v.warnings.begin(), v.warnings.end());
  f.v1 = v.v1;
  f.v2 = v.v2;
  f.v3 = v.v3;
  f.v31 = v.v31;

  if (v.block.block) {
    const auto& b = *v.block.block;
    f.block.present = true;
    f.block.offset = b.offset;
    f.block.size = b.size;
    f.block.pairs_error = b.pairs_error;
    for (const auto& p : b.pairs) {
      f.block.pairs.push_back({p.id, block_id_name(p.id), p.offset, p.value.size()});
      if (p.id == kSourceStampV1Id || p.id == kSourceStampV2Id) {
        f.source_stamp = true;
        if (f.source_stamp_sha256.empty()) f.source_stamp_sha256 = source_stamp_certificate_sha256(p.value);
      }
    }
  } else {
    f.block.absent_reason = v.block.reason;
  }
  for (const SchemeFacts* s : {&f.v1, &f.v2, &f.v3, &f.v31}) {
    if (s->present) f.schemes_present.push_back(s->scheme);
    if (s->verified) f.schemes_verified.push_back(s->scheme);
  }
  // The app's signer is what the newest verified scheme says (as apksigner prints and Android uses);
  // older schemes' signers, when different, are past signers proven by the v3 lineage.
  for (const SchemeFacts* s : {&f.v31, &f.v3, &f.v2, &f.v1}) {
    if (!s->verified) continue;
    for (const auto& signer : s->signers)
      if (!signer.certificates.empty()) add_unique(f.signer_certificates, signer.certificates[0]);
    break;
  }
  for (auto& [file, value] : jar_apk_signed_headers(zip)) f.jar_apk_signed.push_back(file + ": " + value);
  f.exodus_app_uid = exodus_uid(zip, options.package);
  return f;
}

namespace {

void report(AnomalySink& sink, const SigningFacts& f, const char* id, Severity s, std::string message,
            std::string entry, std::string location, std::string value) {
  std::string file = f.part;
  if (!entry.empty()) file = f.part.empty() ? entry : f.part + "!" + entry;
  if (file.empty()) file = "(archive)";
  sink.add(id, s, std::move(message), Evidence{file, std::move(location), std::move(value)});
}

void certificate_findings(AnomalySink& sink, const SigningFacts& f, const CertificateFacts& c, const std::string& where,
                          int64_t scan_time) {
  std::string loc = where + " certificate " + c.sha256.substr(0, 16);
  if (c.android_debug)
    report(sink, f, "signing.debug_certificate", Severity::high,
           "Signed with an Android SDK debug certificate: a development build, not a release", "", loc, c.subject);
  if (c.key_algorithm == "RSA" && c.key_bits > 0 && c.key_bits < 2048)
    report(sink, f, "signing.weak_key", Severity::high,
           "Signing key is RSA shorter than 2048 bits; such keys can be factored by a well-funded attacker", "", loc,
           "RSA " + std::to_string(c.key_bits));
  if (c.key_algorithm == "DSA" && c.key_bits > 0 && c.key_bits < 2048)
    report(sink, f, "signing.weak_key", Severity::high, "Signing key is DSA shorter than 2048 bits", "", loc,
           "DSA " + std::to_string(c.key_bits));
  if (c.weak_signature_hash)
    report(sink, f, "signing.weak_certificate_hash", Severity::low,
           "Signing certificate is itself signed with MD5 or SHA-1 (Android does not rely on it, but it marks an old "
           "or careless toolchain)",
           "", loc, c.signature_algorithm);
  if (scan_time > 0) {
    if (c.not_after_epoch < scan_time)
      report(sink, f, "signing.certificate_expired", Severity::low,
             "Signing certificate had expired at scan time (Android installs it anyway; updates stay possible)", "", loc,
             "not after " + c.not_after);
    if (c.not_before_epoch > scan_time)
      report(sink, f, "signing.certificate_not_yet_valid", Severity::medium,
             "Signing certificate is not yet valid at scan time: a back-dated or clock-skewed signing setup", "", loc,
             "not before " + c.not_before);
  }
}

void emit_findings(const SigningFacts& f, const SigningOptions& o, AnomalySink& sink) {
  bool any_present = !f.schemes_present.empty();
  if (!f.zip_error.empty()) {
    report(sink, f, "signing.malformed_zip", Severity::high,
           "Signature verifiers (apksigner, Android) cannot read this ZIP: " + f.zip_error, "", "", f.zip_error);
  } else if (!any_present) {
    report(sink, f, "signing.unsigned", Severity::high,
           "The APK is not signed (no JAR signature, no APK Signing Block): Android refuses to install it", "", "", "");
  }
  if (!f.verified && any_present && f.zip_error.empty()) {
    bool only_old_platforms = f.verified_from_sdk24.value_or(false);
    if (only_old_platforms) {
      report(sink, f, "signing.unverifiable_below_sdk24", Severity::medium,
             "Signature verifies on Android 7.0+ only, but minSdkVersion " + std::to_string(f.min_sdk) +
                 " lets older Android install it, and those need a valid v1 (JAR) signature",
             "", "minSdk " + std::to_string(f.min_sdk), f.errors.empty() ? "" : f.errors.front().message);
    } else {
      // One finding per failing scheme, naming the entry when one is at fault.
      for (const SchemeFacts* s : {&f.v31, &f.v3, &f.v2, &f.v1}) {
        std::vector<SigningIssue> errs = s->errors;
        for (const auto& signer : s->signers) errs.insert(errs.end(), signer.errors.begin(), signer.errors.end());
        if (errs.empty()) continue;
        std::set<std::string> entries;
        for (const auto& e : errs) {
          if (entries.size() >= 20 || !entries.insert(e.entry).second) continue;
          report(sink, f, "signing.invalid_signature", Severity::critical,
                 "The " + s->scheme + " signature does not verify: the APK is not what was signed, or the signature is "
                                      "broken",
                 e.entry, s->scheme + " " + e.code, e.message);
        }
      }
      for (const auto& e : f.errors)
        if (e.code == "NO_SIG_FOR_TARGET_SANDBOX_VERSION" || e.code == "MIN_SIG_SCHEME_FOR_TARGET_SDK_NOT_MET" || e.code.find("PAST_SIGNERS") != std::string::npos ||
            e.code.find("MULTIPLE") != std::string::npos || e.code.find("V31_BLOCK") != std::string::npos)
          report(sink, f, "signing.invalid_signature", Severity::critical, "Signature verification fails: " + e.message,
                 "", e.code, e.message);
    }
  }
  // Schemes disagreeing about the signer.
  for (const auto& e : f.errors)
    if (e.code == "V2_SIG_MISSING" || e.code == "JAR_SIG_MISSING" || e.code == "V3_SIG_PAST_SIGNERS_MISMATCH")
      report(sink, f, "signing.signer_mismatch", Severity::critical,
             "Signature schemes name different signers: one of them was added or replaced after signing", "", e.code,
             e.message);
  // Stripping: the JAR signature says a v2/v3 signature was made but it is not there.
  for (const std::string& header : f.jar_apk_signed) {
    std::string value = header.substr(header.find(": ") + 2);
    bool expects_v2 = value.find('2') != std::string::npos, expects_v3 = value.find('3') != std::string::npos;
    if ((expects_v2 && !f.v2.present) || (expects_v3 && !f.v3.present))
      report(sink, f, "signing.stripped_signature", Severity::critical,
             "The JAR signature declares (X-Android-APK-Signed) an APK Signature Scheme signature that is missing: it "
             "was stripped to downgrade verification",
             header.substr(0, header.find(": ")), "X-Android-APK-Signed", value);
  }
  // Janus (CVE-2017-13156): only v1 protects the APK and Android < 7.0 may install it.
  bool v1_only = f.v1.present && !f.v2.present && !f.v3.present && !f.v31.present;
  if (o.app_bundle)
    report(sink, f, "signing.app_bundle_upload_signature", Severity::info,
           "An App Bundle's signature is its developer's upload signature: the APKs a device installs are built from "
           "the bundle and signed again (by Google Play with the app signing key, or by whoever runs bundletool), so "
           "the installed app's signer cannot be read from the bundle",
           "", "", "");
  if (v1_only && f.min_sdk < kN && !o.app_bundle) {
    bool dex_prefix = sink.has("zip.janus_dex_prefix");
    report(sink, f, "signing.janus_v1_only", dex_prefix ? Severity::critical : Severity::medium,
           dex_prefix ? "Signed with v1 (JAR) only, minSdkVersion below 24, and the file starts with a DEX: the Janus "
                        "attack (CVE-2017-13156) is in use"
                      : "Signed with v1 (JAR) only while minSdkVersion is below 24: on unpatched Android 5.0-7.0 a DEX "
                        "can be prepended without breaking the signature (Janus, CVE-2017-13156)",
           "", "minSdk " + std::to_string(f.min_sdk), "v1 only");
  }
  // Weak signature algorithms in the APK signature itself.
  for (const auto& s : f.v1.signers)
    for (const auto& alg : s.signature_algorithms)
      if (alg.rfind("MD5", 0) == 0 || alg.rfind("SHA1", 0) == 0)
        report(sink, f, "signing.weak_signature_algorithm", alg.rfind("MD5", 0) == 0 ? Severity::high : Severity::medium,
               "The JAR signature uses " + alg + "; " +
                   (alg.rfind("MD5", 0) == 0 ? "MD5 collisions are practical"
                                             : "SHA-1 collisions are practical (SHAttered, 2017)"),
               s.name, "v1", alg);
  // Certificates of verified schemes (or of present ones when nothing verifies).
  std::set<std::string> seen;
  for (const SchemeFacts* s : {&f.v31, &f.v3, &f.v2, &f.v1})
    for (const auto& signer : s->signers)
      for (size_t i = 0; i < signer.certificates.size() && i < 1; ++i)
        if (seen.insert(signer.certificates[i].sha256).second)
          certificate_findings(sink, f, signer.certificates[i], s->scheme, o.scan_time);
  // Blocks nobody knows: not fatal, but worth a look (payload smuggling, channel markers).
  for (const auto& p : f.block.pairs)
    if (p.name.empty()) {
      char id[16];
      std::snprintf(id, sizeof id, "0x%08x", p.id);
      report(sink, f, "signing.unknown_block", Severity::info,
             "APK Signing Block holds an entry of unknown type (ignored by Android; sometimes used to carry data)", "",
             Evidence::offset(p.offset), std::string(id) + ", " + std::to_string(p.size) + " bytes");
    }
  if (!f.block.present && !f.block.absent_reason.empty() &&
      f.block.absent_reason.find("No APK Signing Block") == std::string::npos &&
      f.block.absent_reason.find("too small") == std::string::npos)
    report(sink, f, "signing.malformed_block", Severity::high,
           "An APK Signing Block is there but malformed; Android ignores it and falls back to older schemes", "", "",
           f.block.absent_reason);
  if (!f.block.pairs_error.empty())
    report(sink, f, "signing.malformed_block", Severity::high, "The APK Signing Block's entry list is malformed", "",
           Evidence::offset(f.block.offset), f.block.pairs_error);
}

}  // namespace

SigningFacts analyze_signing(const AppPackage& app, const SigningOptions& given, AnomalySink& anomalies) {
  SigningOptions options = given;
  options.app_bundle = app.container() == "aab";
  SigningFacts f = verify_signing(app.signed_archive(), options);
  std::error_code ec;
  if (!options.input_path.empty() && std::filesystem::is_regular_file(options.input_path + ".idsig", ec))
    f.v4_signature_file = options.input_path + ".idsig";
  emit_findings(f, options, anomalies);
  return f;
}

void to_json(Json& j, const SigningFacts& f) {
  j = Json{{"analyzed", f.analyzed},
           {"verified", f.verified},
           {"min_sdk", f.min_sdk},
           {"min_sdk_known", f.min_sdk_known},
           {"schemes_present", f.schemes_present},
           {"schemes_verified", f.schemes_verified},
           {"v1", f.v1},
           {"v2", f.v2},
           {"v3", f.v3},
           {"v3_1", f.v31},
           {"signer_certificates", f.signer_certificates},
           {"exodus_app_uid", f.exodus_app_uid}};
  if (!f.analyzed) return;
  if (!f.part.empty()) j["part"] = f.part;
  if (f.target_sandbox_version != 1) j["target_sandbox_version"] = f.target_sandbox_version;
  j["target_sdk"] = f.target_sdk;
  if (f.verified_from_sdk24) j["verified_from_sdk24"] = *f.verified_from_sdk24;
  if (!f.zip_error.empty()) j["zip_error"] = f.zip_error;
  if (!f.errors.empty()) j["errors"] = f.errors;
  if (!f.warnings.empty()) j["warnings"] = f.warnings;
  Json block{{"present", f.block.present}};
  if (f.block.present) {
    block["offset"] = f.block.offset;
    block["size"] = f.block.size;
    Json pairs = Json::array();
    for (const auto& p : f.block.pairs) {
      char id[16];
      std::snprintf(id, sizeof id, "0x%08x", p.id);
      Json pj{{"id", id}, {"offset", p.offset}, {"size", p.size}};
      if (!p.name.empty()) pj["name"] = p.name;
      pairs.push_back(std::move(pj));
    }
    block["pairs"] = std::move(pairs);
  } else if (!f.block.absent_reason.empty()) {
    block["absent_reason"] = f.block.absent_reason;
  }
  if (!f.block.pairs_error.empty()) block["pairs_error"] = f.block.pairs_error;
  j["signing_block"] = std::move(block);
  if (f.source_stamp) j["source_stamp"] = Json{{"present", true}, {"certificate_sha256", f.source_stamp_sha256}};
  if (!f.v4_signature_file.empty()) j["v4_signature_file"] = f.v4_signature_file;
  if (!f.jar_apk_signed.empty()) j["jar_apk_signed"] = f.jar_apk_signed;
}

}  // namespace apkvet
