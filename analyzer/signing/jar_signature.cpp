#include "signing/jar_signature.h"

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <unordered_map>

#include "signing/pkcs7.h"
#include "signing/signing_crypto.h"

namespace apkvet::signing {
namespace {

constexpr const char* kManifestName = "META-INF/MANIFEST.MF";
constexpr int kJellyBeanMr2 = 18, kKitKat = 19, kN = 24;
constexpr int kMaxSigners = 10;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}
bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// ---- JAR manifest parsing, line by line as apksigner's ManifestParser ----
class ManifestReader {
 public:
  explicit ManifestReader(Bytes data) : data_(data) {}

  std::optional<JarManifestSection> read_section() {
    size_t start;
    std::optional<std::string> attr;
    do {
      start = offset_;
      attr = read_attribute();
      if (!attr) return std::nullopt;
    } while (attr->empty());
    JarManifestSection s;
    s.start = start;
    s.attributes.push_back(split(*attr));
    while (true) {
      attr = read_attribute();
      if (!attr || attr->empty()) break;
      s.attributes.push_back(split(*attr));
    }
    s.size = offset_ - start;
    return s;
  }

 private:
  static std::pair<std::string, std::string> split(const std::string& a) {
    size_t d = a.find(": ");
    if (d == std::string::npos) return {a, ""};
    return {a.substr(0, d), a.substr(d + 2)};
  }

  std::optional<std::string> read_line() {
    if (offset_ >= data_.size()) return std::nullopt;
    size_t start = offset_, nl_start = data_.size(), nl_end = data_.size();
    for (size_t i = start; i < data_.size(); ++i) {
      if (data_[i] == '\r') {
        nl_start = i;
        nl_end = (i + 1 < data_.size() && data_[i + 1] == '\n') ? i + 2 : i + 1;
        break;
      }
      if (data_[i] == '\n') {
        nl_start = i;
        nl_end = i + 1;
        break;
      }
    }
    offset_ = nl_end;
    return std::string(as_chars(data_.subspan(start, nl_start - start)));
  }

  std::optional<std::string> read_attribute() {
    if (buffered_ && buffered_->empty()) {
      buffered_.reset();
      return std::string();
    }
    auto line = read_line();
    if (!line) {
      if (buffered_) {
        std::string r = std::move(*buffered_);
        buffered_.reset();
        return r;
      }
      return std::nullopt;
    }
    if (line->empty()) {
      if (buffered_) {
        std::string r = std::move(*buffered_);
        buffered_ = std::string();
        return r;
      }
      return std::string();
    }
    std::string attr;
    if (!buffered_) {
      attr = std::move(*line);
    } else {
      if ((*line)[0] != ' ') {
        std::string r = std::move(*buffered_);
        buffered_ = std::move(*line);
        return r;
      }
      attr = std::move(*buffered_) + line->substr(1);
      buffered_.reset();
    }
    while (true) {
      line = read_line();
      if (!line) return attr;
      if (line->empty()) {
        buffered_ = std::string();
        return attr;
      }
      if ((*line)[0] == ' ') {
        attr += line->substr(1);
      } else {
        buffered_ = std::move(*line);
        return attr;
      }
    }
  }

  Bytes data_;
  size_t offset_ = 0;
  std::optional<std::string> buffered_;
};

// ---- digests named in manifest attributes (getDigestsToVerify) ----
struct NamedDigest {
  DigestAlg alg;
  std::vector<uint8_t> digest;
};

int digest_min_sdk_in_manifest(DigestAlg a) {
  switch (a) {
    case DigestAlg::md5: case DigestAlg::sha1: case DigestAlg::sha256: return 0;
    case DigestAlg::sha384: case DigestAlg::sha512: return 9;
    default: return INT_MAX;
  }
}

std::vector<NamedDigest> digests_to_verify(const JarManifestSection& section, const std::string& suffix, int min_sdk,
                                           int max_sdk) {
  std::vector<NamedDigest> result;
  auto decode = [](const std::string& b64) { return base64_decode(b64).value_or(std::vector<uint8_t>{}); };
  if (min_sdk < kJellyBeanMr2) {
    const std::string* algs_attr = section.get("Digest-Algorithms");
    std::string algs = algs_attr ? *algs_attr : "SHA SHA1";
    size_t pos = 0;
    while (pos < algs.size()) {
      size_t b = algs.find_first_not_of(" \t\n\r\f", pos);
      if (b == std::string::npos) break;
      size_t e = algs.find_first_of(" \t\n\r\f", b);
      if (e == std::string::npos) e = algs.size();
      std::string alg = algs.substr(b, e - b);
      pos = e;
      const std::string* value = section.get(alg + suffix);
      if (!value) continue;
      auto canonical = digest_from_jca(alg);
      if (!canonical || digest_min_sdk_in_manifest(*canonical) > min_sdk) continue;
      result.push_back({*canonical, decode(*value)});
      break;
    }
    if (result.empty()) return result;
  }
  if (max_sdk >= kJellyBeanMr2) {
    for (DigestAlg alg : {DigestAlg::sha512, DigestAlg::sha384, DigestAlg::sha256, DigestAlg::sha1}) {
      std::string attr = (alg == DigestAlg::sha1 ? std::string("SHA1") : std::string(jca_name(alg))) + suffix;
      const std::string* value = section.get(attr);
      if (!value) continue;
      auto d = decode(*value);
      bool already = false;
      for (const auto& r : result)
        if (r.alg == alg && r.digest == d) already = true;
      if (!already) result.push_back({alg, std::move(d)});
      break;
    }
  }
  return result;
}

// ---- which digest/signature algorithm pairs Android supports on which API levels (apksig OidConstants) ----
struct Range {
  int lo, hi;
};
constexpr int M = INT_MAX;

enum class SigKey { rsa, dsa, ec, unknown };
struct SigAlgInfo {
  SigKey key = SigKey::unknown;
  std::optional<DigestAlg> combined_digest;  // set for "SHA256withRSA"-style OIDs
  bool known = false;
};

std::optional<DigestAlg> digest_oid(const std::string& oid) {
  if (oid == "1.2.840.113549.2.5") return DigestAlg::md5;
  if (oid == "1.3.14.3.2.26") return DigestAlg::sha1;
  if (oid == "2.16.840.1.101.3.4.2.4") return DigestAlg::sha224;
  if (oid == "2.16.840.1.101.3.4.2.1") return DigestAlg::sha256;
  if (oid == "2.16.840.1.101.3.4.2.2") return DigestAlg::sha384;
  if (oid == "2.16.840.1.101.3.4.2.3") return DigestAlg::sha512;
  return std::nullopt;
}

SigAlgInfo signature_oid(const std::string& oid) {
  static const std::unordered_map<std::string, SigAlgInfo> table = {
      {"1.2.840.113549.1.1.1", {SigKey::rsa, std::nullopt, true}},
      {"1.2.840.113549.1.1.4", {SigKey::rsa, DigestAlg::md5, true}},
      {"1.2.840.113549.1.1.5", {SigKey::rsa, DigestAlg::sha1, true}},
      {"1.2.840.113549.1.1.14", {SigKey::rsa, DigestAlg::sha224, true}},
      {"1.2.840.113549.1.1.11", {SigKey::rsa, DigestAlg::sha256, true}},
      {"1.2.840.113549.1.1.12", {SigKey::rsa, DigestAlg::sha384, true}},
      {"1.2.840.113549.1.1.13", {SigKey::rsa, DigestAlg::sha512, true}},
      {"1.2.840.10040.4.1", {SigKey::dsa, std::nullopt, true}},
      {"1.2.840.10040.4.3", {SigKey::dsa, DigestAlg::sha1, true}},
      {"2.16.840.1.101.3.4.3.1", {SigKey::dsa, DigestAlg::sha224, true}},
      {"2.16.840.1.101.3.4.3.2", {SigKey::dsa, DigestAlg::sha256, true}},
      {"1.2.840.10045.2.1", {SigKey::ec, std::nullopt, true}},
      {"1.2.840.10045.4.1", {SigKey::ec, DigestAlg::sha1, true}},
      {"1.2.840.10045.4.3.1", {SigKey::ec, DigestAlg::sha224, true}},
      {"1.2.840.10045.4.3.2", {SigKey::ec, DigestAlg::sha256, true}},
      {"1.2.840.10045.4.3.3", {SigKey::ec, DigestAlg::sha384, true}},
      {"1.2.840.10045.4.3.4", {SigKey::ec, DigestAlg::sha512, true}},
  };
  auto it = table.find(oid);
  return it == table.end() ? SigAlgInfo{} : it->second;
}

// API ranges on which Android verifies a JAR signature made with (digest, signature) algorithms.
std::vector<Range> supported_api_levels(std::optional<DigestAlg> d, const SigAlgInfo& s) {
  if (!d || !s.known) return {};
  using D = DigestAlg;
  const Range from0{0, M}, r21_23{21, 23}, r21{21, 21};
  if (!s.combined_digest) {  // plain key algorithm OID: the digest algorithm decides
    switch (s.key) {
      case SigKey::rsa:
        if (*d == D::md5 || *d == D::sha1) return {from0};
        if (*d == D::sha224) return {{0, 8}, {21, M}};
        if (*d == D::sha256) return {{0, 8}, {18, M}};
        return {{18, M}};
      case SigKey::dsa:
        if (*d == D::sha1) return {from0};
        if (*d == D::sha224 || *d == D::sha256) return {{22, M}};
        return {};
      case SigKey::ec:
        if (*d == D::md5) return {};
        if (*d == D::sha224) return {{21, M}};
        return {{18, M}};
      default: return {};
    }
  }
  D c = *s.combined_digest;
  if (s.key == SigKey::rsa) {
    if (c == *d) {
      if (c == D::md5) return {{0, 8}, {21, M}};
      if (c == D::sha1) return {from0};
      if (c == D::sha224) return {{0, 8}, {21, M}};
      if (c == D::sha256) return {{0, 8}, {18, M}};
      return {{21, M}};
    }
    if ((*d == D::sha224 && c == D::sha256) || (*d == D::sha256 && c == D::sha1) || (*d == D::sha512 && c == D::sha384))
      return {r21};
    return {r21_23};
  }
  if (s.key == SigKey::dsa) {
    if (c == *d) return c == D::sha1 ? std::vector<Range>{{9, M}} : std::vector<Range>{{21, M}};
    return {r21_23};
  }
  if (c == *d) return c == D::sha1 ? std::vector<Range>{{18, M}} : std::vector<Range>{{21, M}};
  if (*d == D::md5 && c == D::md5) return {};
  return {r21_23};
}

bool range_covered(int lo, int hi, const std::vector<Range>& ranges) {
  // Every level in [lo, hi] must fall into one of the ranges.
  long long cur = lo;
  while (cur <= hi) {
    bool advanced = false;
    for (const auto& r : ranges) {
      if (r.lo <= cur && cur <= r.hi) {
        if (r.hi >= hi) return true;
        cur = static_cast<long long>(r.hi) + 1;
        advanced = true;
      }
    }
    if (!advanced) return false;
  }
  return true;
}

std::string jca_signature_name(DigestAlg d, const SigAlgInfo& s) {
  DigestAlg h = s.combined_digest.value_or(d);
  std::string name = jca_name(h);
  name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
  return name + "with" + (s.key == SigKey::rsa ? "RSA" : s.key == SigKey::dsa ? "DSA" : "ECDSA");
}

// ---- one JAR signer: a .SF file and its signature block ----
struct JarSigner {
  std::string name;
  const ZipEntry* block = nullptr;
  const ZipEntry* sig_file = nullptr;
  SignerFacts result;
  bool ignored = false;
  Bytes sf_bytes;
  std::set<std::string> sf_entry_names;
};

struct SignerInfoOutcome {
  int cert_index = -1;      // verified with this certificate
  std::string exception;    // Java would have thrown: the whole signer fails
  std::string parse_error;  // malformed PKCS #7 content
};

int find_certificate(const std::vector<X509Ptr>& certs, const Pkcs7SignerInfo& si) {
  if (si.issuer.empty()) return -1;
  const unsigned char* p = si.issuer.data();
  X509_NAME* issuer = d2i_X509_NAME(nullptr, &p, static_cast<long>(si.issuer.size()));
  if (!issuer) return -1;
  // Re-wrap the INTEGER content so OpenSSL reads it as the same signed value Java compares.
  std::vector<uint8_t> der{0x02};
  size_t n = si.serial.size();
  if (n < 0x80) der.push_back(static_cast<uint8_t>(n));
  else if (n < 0x100) der.insert(der.end(), {0x81, static_cast<uint8_t>(n)});
  else der.insert(der.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
  der.insert(der.end(), si.serial.begin(), si.serial.end());
  const unsigned char* dp = der.data();
  ASN1_INTEGER* ai = n < 0x10000 ? d2i_ASN1_INTEGER(nullptr, &dp, static_cast<long>(der.size())) : nullptr;
  BIGNUM* serial = ai ? ASN1_INTEGER_to_BN(ai, nullptr) : nullptr;
  ASN1_INTEGER_free(ai);
  int found = -1;
  for (size_t i = 0; i < certs.size() && found < 0; ++i) {
    if (!certs[i]) continue;
    if (X509_NAME_cmp(X509_get_issuer_name(certs[i].get()), issuer) != 0) continue;
    BIGNUM* cs = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certs[i].get()), nullptr);
    if (cs && serial && BN_cmp(cs, serial) == 0) found = static_cast<int>(i);
    BN_free(cs);
  }
  BN_free(serial);
  X509_NAME_free(issuer);
  return found;
}

SignerInfoOutcome verify_signer_info(const Pkcs7SignedData& sd, const std::vector<X509Ptr>& certs,
                                     const Pkcs7SignerInfo& si, Bytes sf, int min_sdk, int max_sdk, JarSigner& signer) {
  SignerInfoOutcome out;
  auto d = digest_oid(si.digest_oid);
  SigAlgInfo s = signature_oid(si.signature_oid);
  if (!range_covered(min_sdk, max_sdk, supported_api_levels(d, s))) {
    add_error(signer.result, "JAR_SIG_UNSUPPORTED_SIG_ALG",
              "JAR signature " + signer.block->name + " uses digest algorithm " + si.digest_oid +
                  " and signature algorithm " + si.signature_oid + " which is not supported on all API levels " +
                  std::to_string(min_sdk) + "+",
              signer.block->name);
    return out;
  }
  int ci = find_certificate(certs, si);
  if (ci < 0) {
    out.exception = "Signing certificate referenced in SignerInfo not found in SignedData";
    return out;
  }
  X509* cert = certs[ci].get();
  uint32_t ku = X509_get_key_usage(cert);
  if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
    out.exception = "Signing certificate not authorized for use in digital signatures: keyUsage extension missing "
                    "digitalSignature and nonRepudiation";
    return out;
  }
  std::vector<uint8_t> attrs_to_verify;
  Bytes data = sf;
  if (si.signed_attributes) {
    if (min_sdk < kKitKat) {
      out.exception = "APKs with Signed Attributes broken on platforms with API Level < 19";
      return out;
    }
    Bytes whole = *si.signed_attributes;
    Asn1Reader r(whole);
    Asn1Element implicit = r.next();
    std::vector<Asn1Attribute> attrs;
    try {
      attrs = parse_attributes(implicit.content);
    } catch (const ParseError&) {
      out.exception = "Failed to parse signed attributes";
      return out;
    }
    std::map<std::string, const Asn1Attribute*> by_oid;
    for (const auto& a : attrs) {
      if (!by_oid.emplace(a.oid, &a).second) {
        out.parse_error = "Duplicate signed attribute: " + a.oid;
        return out;
      }
    }
    auto single = [&](const char* oid, const Asn1Element*& value) -> bool {
      auto it = by_oid.find(oid);
      value = nullptr;
      if (it == by_oid.end() || it->second->values.empty()) return true;
      if (it->second->values.size() > 1) return false;
      value = &it->second->values[0];
      return true;
    };
    const Asn1Element* value = nullptr;
    if (max_sdk >= kN) {
      if (!single(kOidContentType, value)) {
        out.parse_error = "Attribute 1.2.840.113549.1.9.3 has multiple values";
        return out;
      }
      if (!value) {
        out.exception = "No Content Type in signed attributes";
        return out;
      }
      if (value->tag != 0x06) {
        out.parse_error = "Failed to decode OBJECT IDENTIFIER";
        return out;
      }
      if (oid_to_string(value->content) != sd.encap_content_type) return out;
    }
    if (!single(kOidMessageDigest, value)) {
      out.parse_error = "Attribute 1.2.840.113549.1.9.4 has multiple values";
      return out;
    }
    if (!value) {
      out.exception = "No content digest in signed attributes";
      return out;
    }
    if (value->tag != 0x04) {
      out.parse_error = "Failed to decode OCTET STRING";
      return out;
    }
    auto actual = digest(*d, sf);
    if (!std::equal(actual.begin(), actual.end(), value->content.begin(), value->content.end())) return out;
    attrs_to_verify.assign(whole.begin(), whole.end());
    attrs_to_verify[0] = 0x31;  // verified as UNIVERSAL SET over the original encoding, as Android does
    data = attrs_to_verify;
  }
  KeyType expected = s.key == SigKey::rsa ? KeyType::rsa : s.key == SigKey::dsa ? KeyType::dsa : KeyType::ec;
  DigestAlg h = s.combined_digest.value_or(*d);
  auto check = verify_signature(X509_get0_pubkey(cert), expected, h, expected == KeyType::rsa ? Padding::pkcs1 : Padding::none,
                                data, si.signature);
  if (!check.exception.empty()) {
    out.exception = check.exception;
    return out;
  }
  if (check.verified) {
    out.cert_index = ci;
    signer.result.signature_algorithms = {jca_signature_name(*d, s)};
  }
  return out;
}

std::optional<Bytes> read_entry(const ZipArchive& zip, const ZipEntry& e, SchemeFacts& r) {
  auto data = zip.read(e);
  if (!data) r.error("ZIP_ENTRY_UNREADABLE", "Malformed ZIP entry: " + e.name, e.name);
  return data;
}

void verify_block_against_sig_file(const ZipArchive& zip, JarSigner& signer, int min_sdk, int max_sdk, SchemeFacts& r) {
  auto block = read_entry(zip, *signer.block, r);
  auto sf = read_entry(zip, *signer.sig_file, r);
  if (!block || !sf) return;
  signer.sf_bytes = *sf;
  const std::string& bname = signer.block->name;
  const std::string& sfname = signer.sig_file->name;
  Pkcs7SignedData sd;
  try {
    sd = parse_pkcs7(*block);
  } catch (const ParseError& e) {
    add_error(signer.result, "JAR_SIG_PARSE_EXCEPTION", "Failed to parse JAR signature " + bname + ": " + e.what(), bname);
    return;
  }
  if (sd.signer_infos.empty()) {
    add_error(signer.result, "JAR_SIG_NO_SIGNERS", "JAR signature " + bname + " contains no signers", bname);
    return;
  }
  std::vector<X509Ptr> certs;
  for (Bytes c : sd.certificates) {
    certs.push_back(parse_certificate(c));
    if (!certs.back()) {
      add_error(signer.result, "JAR_SIG_PARSE_EXCEPTION",
                "Failed to parse JAR signature " + bname + ": malformed certificate", bname);
      return;
    }
  }
  size_t to_try = min_sdk < kN ? 1 : sd.signer_infos.size();
  int verified_cert = -1;
  for (size_t i = 0; i < to_try; ++i) {
    SignerInfoOutcome o = verify_signer_info(sd, certs, sd.signer_infos[i], *sf, min_sdk, max_sdk, signer);
    if (!signer.result.errors.empty()) return;
    if (!o.parse_error.empty()) {
      add_error(signer.result, "JAR_SIG_PARSE_EXCEPTION", "Failed to parse JAR signature " + bname + ": " + o.parse_error,
                bname);
      return;
    }
    if (!o.exception.empty()) {
      add_error(signer.result, "JAR_SIG_VERIFY_EXCEPTION",
                "Failed to verify JAR signature " + bname + " against " + sfname +
                    ": java.security.SignatureException: " + o.exception,
                bname);
      return;
    }
    if (o.cert_index >= 0 && verified_cert < 0) verified_cert = o.cert_index;
  }
  if (verified_cert < 0) {
    add_error(signer.result, "JAR_SIG_DID_NOT_VERIFY", "JAR signature " + bname + " did not verify against " + sfname,
              bname);
    return;
  }
  // Certificate chain: the signer, then issuers found among the other certificates.
  std::vector<bool> used(certs.size(), false);
  std::vector<int> chain{verified_cert};
  used[verified_cert] = true;
  int root = verified_cert;
  while (X509_NAME_cmp(X509_get_subject_name(certs[root].get()), X509_get_issuer_name(certs[root].get())) != 0) {
    int next = -1;
    for (size_t i = 0; i < certs.size(); ++i)
      if (!used[i] && X509_NAME_cmp(X509_get_issuer_name(certs[root].get()), X509_get_subject_name(certs[i].get())) == 0) {
        next = static_cast<int>(i);
        break;
      }
    if (next < 0) break;
    used[next] = true;
    chain.push_back(next);
    root = next;
  }
  for (int i : chain)
    if (auto facts = describe_certificate(sd.certificates[i])) signer.result.certificates.push_back(*facts);
}

void check_stripping(const JarManifestSection& sf_main, JarSigner& signer, const JarVerifyParams& p) {
  const std::string* header = sf_main.get("X-Android-APK-Signed");
  const std::string& sfname = signer.sig_file->name;
  if (!header) {
    if (!p.found_schemes.empty())
      add_warning(signer.result, "JAR_SIG_NO_APK_SIG_STRIP_PROTECTION",
                  "JAR signature " + sfname + " does not declare stripping protection (X-Android-APK-Signed)", sfname);
    return;
  }
  if (p.supported_schemes.empty()) return;
  std::set<int> expected;
  size_t pos = 0;
  while (pos <= header->size()) {
    size_t comma = std::min(header->find(',', pos), header->size());
    std::string token = header->substr(pos, comma - pos);
    pos = comma + 1;
    size_t b = token.find_first_not_of(" \t"), e = token.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    token = token.substr(b, e - b + 1);
    char* end = nullptr;
    long id = std::strtol(token.c_str(), &end, 10);
    if (!end || *end != '\0' || token.empty()) continue;
    if (p.supported_schemes.count(static_cast<int>(id))) expected.insert(static_cast<int>(id));
    else
      add_warning(signer.result, "JAR_SIG_UNKNOWN_APK_SIG_SCHEME_ID",
                  "JAR signature " + sfname + " references unknown APK signature scheme ID: " + std::to_string(id), sfname);
  }
  for (int id : expected)
    if (!p.found_schemes.count(id))
      add_error(signer.result, "JAR_SIG_MISSING_APK_SIG_REFERENCED",
                "JAR signature " + sfname + " indicates the APK is signed using " + p.supported_schemes.at(id) +
                    " but no such signature was found. Signature stripped?",
                sfname);
}

void verify_sig_file_against_manifest(JarSigner& signer, Bytes manifest, const JarManifestSection& manifest_main,
                                      const std::map<std::string, const JarManifestSection*>& sections,
                                      const JarVerifyParams& p) {
  auto sf_sections = parse_jar_manifest(signer.sf_bytes);
  const std::string& sfname = signer.sig_file->name;
  static const JarManifestSection empty_section;
  const JarManifestSection& sf_main = sf_sections.empty() ? empty_section : sf_sections[0];
  if (sf_sections.empty() || !sf_main.get("Signature-Version")) {
    add_error(signer.result, "JAR_SIG_MISSING_VERSION_ATTR_IN_SIG_FILE", "Missing Signature-Version attribute in " + sfname,
              sfname);
    signer.ignored = true;
    return;
  }
  if (p.max_sdk >= kN) {
    check_stripping(sf_main, signer, p);
    if (!signer.result.errors.empty()) return;
  }
  bool signtool = false;
  if (const std::string* by = sf_main.get("Created-By")) signtool = by->find("signtool") != std::string::npos;
  // Whole-manifest digest.
  bool manifest_verified = true;
  auto expected = digests_to_verify(sf_main, signtool ? "-Digest" : "-Digest-Manifest", p.min_sdk, p.max_sdk);
  if (expected.empty()) {
    add_warning(signer.result, "JAR_SIG_NO_MANIFEST_DIGEST_IN_SIG_FILE",
                "JAR signature " + sfname + " does not contain a digest of " + kManifestName, sfname);
    manifest_verified = false;
  }
  for (const auto& e : expected) {
    auto actual = digest(e.alg, manifest);
    if (actual != e.digest) {
      add_warning(signer.result, "JAR_SIG_ZIP_ENTRY_DIGEST_DID_NOT_VERIFY",
                  std::string(jca_name(e.alg)) + " digest of " + kManifestName +
                      " does not match the digest specified in " + sfname,
                  kManifestName);
      manifest_verified = false;
    }
  }
  if (!signtool) {
    for (const auto& e : digests_to_verify(sf_main, "-Digest-Manifest-Main-Attributes", p.min_sdk, p.max_sdk)) {
      auto actual = digest(e.alg, manifest.subspan(manifest_main.start, manifest_main.size));
      if (actual != e.digest)
        add_error(signer.result, "JAR_SIG_MANIFEST_MAIN_SECTION_DIGEST_DID_NOT_VERIFY",
                  std::string(jca_name(e.alg)) + " digest of " + kManifestName +
                      " main section does not match the digest specified in " + sfname,
                  kManifestName);
    }
  }
  if (!signer.result.errors.empty()) return;
  for (size_t i = 1; i < sf_sections.size(); ++i) {
    const std::string* name = sf_sections[i].name();
    if (!name) {
      add_error(signer.result, "JAR_SIG_UNNNAMED_SIG_FILE_SECTION",
                "Malformed " + sfname + ": invidual section #" + std::to_string(i) + " does not have a name", sfname);
      signer.ignored = true;
      return;
    }
    if (!signer.sf_entry_names.insert(*name).second) {
      add_error(signer.result, "JAR_SIG_DUPLICATE_SIG_FILE_SECTION", sfname + " contains multiple sections for " + *name,
                sfname);
      signer.ignored = true;
      return;
    }
    if (manifest_verified) continue;
    auto ms = sections.find(*name);
    if (ms == sections.end()) {
      add_error(signer.result, "JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_SIG_FILE",
                "No digest for " + *name + " in " + kManifestName + " section referenced by " + sfname, *name);
      signer.ignored = true;
      continue;
    }
    auto section_digests = digests_to_verify(sf_sections[i], "-Digest", p.min_sdk, p.max_sdk);
    if (section_digests.empty()) {
      add_error(signer.result, "JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_SIG_FILE", "No digest for " + *name + " in " + sfname, *name);
      continue;
    }
    size_t start = ms->second->start, size = ms->second->size;
    if (signtool && size >= 2 && manifest[start + size - 1] == '\n' && manifest[start + size - 2] == '\n') --size;
    for (const auto& e : section_digests) {
      if (digest(e.alg, manifest.subspan(start, size)) != e.digest)
        add_error(signer.result, "JAR_SIG_MANIFEST_SECTION_DIGEST_DID_NOT_VERIFY",
                  std::string(jca_name(e.alg)) + " digest of " + kManifestName + " section for " + *name +
                      " does not match the digest specified in " + sfname,
                  *name);
    }
  }
}

bool is_signature_block_name(std::string_view n) {
  return ends_with(n, ".RSA") || ends_with(n, ".DSA") || ends_with(n, ".EC");
}

}  // namespace

const std::string* JarManifestSection::get(std::string_view name) const {
  for (const auto& [k, v] : attributes)
    if (iequals(k, name)) return &v;
  return nullptr;
}

std::vector<JarManifestSection> parse_jar_manifest(Bytes data) {
  std::vector<JarManifestSection> out;
  ManifestReader reader(data);
  while (auto s = reader.read_section()) out.push_back(std::move(*s));
  return out;
}

bool has_jar_signature_files(const ZipArchive& zip) {
  for (const auto& e : zip.entries()) {
    if (!starts_with(e.name, "META-INF/")) continue;
    if (e.name == kManifestName || ends_with(e.name, ".SF") || is_signature_block_name(e.name)) return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> jar_apk_signed_headers(const ZipArchive& zip) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : zip.entries()) {
    if (!starts_with(e.name, "META-INF/") || !ends_with(e.name, ".SF")) continue;
    auto data = zip.read(e);
    if (!data) continue;
    auto sections = parse_jar_manifest(*data);
    if (sections.empty()) continue;
    if (const std::string* v = sections[0].get("X-Android-APK-Signed")) out.emplace_back(e.name, *v);
  }
  return out;
}

SchemeFacts verify_jar_signature(const ZipArchive& zip, const JarVerifyParams& p) {
  SchemeFacts r;
  r.scheme = "v1";
  r.checked = true;
  r.present = has_jar_signature_files(zip);
  const auto& entries = zip.entries();
  const ZipEntry* manifest_entry = nullptr;
  std::map<std::string, const ZipEntry*> sig_files;
  std::vector<const ZipEntry*> sig_blocks;
  std::set<std::string> cd_names;
  for (const auto& e : entries) {
    cd_names.insert(e.name);
    if (!starts_with(e.name, "META-INF/")) continue;
    if (!manifest_entry && e.name == kManifestName) {
      manifest_entry = &e;
      continue;
    }
    if (ends_with(e.name, ".SF")) {
      sig_files[e.name] = &e;
      continue;
    }
    if (is_signature_block_name(e.name)) sig_blocks.push_back(&e);
  }
  if (!manifest_entry) {
    r.error("JAR_SIG_NO_MANIFEST", std::string("Missing ") + kManifestName, kManifestName);
    return r;
  }
  auto manifest = read_entry(zip, *manifest_entry, r);
  if (!manifest) return r;
  auto manifest_sections = parse_jar_manifest(*manifest);
  static const JarManifestSection empty_main;
  const JarManifestSection& manifest_main = manifest_sections.empty() ? empty_main : manifest_sections[0];
  std::map<std::string, const JarManifestSection*> by_name;
  for (size_t i = 1; i < manifest_sections.size(); ++i) {
    const std::string* name = manifest_sections[i].name();
    if (!name) {
      r.error("JAR_SIG_UNNNAMED_MANIFEST_SECTION",
              std::string("Malformed ") + kManifestName + ": invidual section #" + std::to_string(i) +
                  " does not have a name",
              kManifestName);
      continue;
    }
    if (!by_name.emplace(*name, &manifest_sections[i]).second) {
      r.error("JAR_SIG_DUPLICATE_MANIFEST_SECTION", std::string(kManifestName) + " contains multiple sections for " + *name,
              *name);
      continue;
    }
    if (!cd_names.count(*name))
      r.error("JAR_SIG_MISSING_ZIP_ENTRY_REFERENCED_IN_MANIFEST",
              std::string(kManifestName) + " references files not in the APK: " + *name, *name);
  }
  if (r.has_errors()) return r;

  std::vector<JarSigner> signers;
  for (const ZipEntry* block : sig_blocks) {
    std::string sf_name = block->name.substr(0, block->name.rfind('.')) + ".SF";
    auto it = sig_files.find(sf_name);
    if (it == sig_files.end()) {
      r.warning("JAR_SIG_MISSING_FILE", "JAR signature file missing: " + sf_name + " for " + block->name, block->name);
      continue;
    }
    JarSigner s;
    s.name = block->name.substr(9);
    s.block = block;
    s.sig_file = it->second;
    s.result.name = block->name;
    signers.push_back(std::move(s));
  }
  if (signers.empty()) {
    r.error("JAR_SIG_NO_SIGNATURES", "No JAR signatures");
    return r;
  }
  if (signers.size() > kMaxSigners) {
    r.error("JAR_SIG_MAX_SIGNATURES_EXCEEDED", "APK has " + std::to_string(signers.size()) + " JAR signers; at most " +
                                                  std::to_string(kMaxSigners) + " are allowed");
    return r;
  }
  auto flush_failed = [&] {
    for (auto& s : signers)
      if (!s.result.errors.empty()) r.signers.push_back(s.result);
  };
  for (auto& s : signers) verify_block_against_sig_file(zip, s, p.min_sdk, p.max_sdk, r);
  if (r.has_errors()) return r;
  for (auto& s : signers) {
    if (!s.result.errors.empty()) {
      flush_failed();
      return r;
    }
  }
  std::vector<JarSigner*> remaining;
  for (auto& s : signers) {
    verify_sig_file_against_manifest(s, *manifest, manifest_main, by_name, p);
    if (s.ignored) {
      for (auto& w : s.result.errors) r.warnings.push_back(w);  // ignored signers do not fail the APK
      continue;
    }
    if (!s.result.errors.empty()) r.signers.push_back(s.result);
    else remaining.push_back(&s);
  }
  if (r.has_errors()) return r;
  if (remaining.empty()) {
    r.error("JAR_SIG_NO_SIGNATURES", "No JAR signatures");
    return r;
  }

  // Every entry outside META-INF/ must be listed in the manifest, signed by the same signers, and match.
  std::vector<const ZipEntry*> by_offset;
  for (const auto& e : entries) by_offset.push_back(&e);
  std::stable_sort(by_offset.begin(), by_offset.end(),
                   [](const ZipEntry* a, const ZipEntry* b) { return a->local_header_offset < b->local_header_offset; });
  std::optional<std::vector<JarSigner*>> first_signers;
  std::string first_name;
  for (const ZipEntry* e : by_offset) {
    if (starts_with(e->name, "META-INF/") || ends_with(e->name, "/")) continue;
    auto ms = by_name.find(e->name);
    if (ms == by_name.end()) {
      r.error("JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_MANIFEST", "No JAR entry digest in " + std::string(kManifestName) + " for " + e->name,
              e->name);
      continue;
    }
    std::vector<JarSigner*> entry_signers;
    for (JarSigner* s : remaining)
      if (s->sf_entry_names.count(e->name)) entry_signers.push_back(s);
    if (entry_signers.empty()) {
      r.error("JAR_SIG_ZIP_ENTRY_NOT_SIGNED", "JAR entry " + e->name + " is not signed", e->name);
      continue;
    }
    if (!first_signers) {
      first_signers = entry_signers;
      first_name = e->name;
    } else if (entry_signers != *first_signers) {
      r.error("JAR_SIG_ZIP_ENTRY_SIGNERS_MISMATCH",
              "Entries " + first_name + " and " + e->name + " are signed with different sets of signers", e->name);
      continue;
    }
    auto expected = digests_to_verify(*ms->second, "-Digest", p.min_sdk, p.max_sdk);
    if (expected.empty()) {
      r.error("JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_MANIFEST", "No JAR entry digest in " + std::string(kManifestName) + " for " + e->name,
              e->name);
      continue;
    }
    auto data = read_entry(zip, *e, r);
    if (!data) continue;
    for (const auto& d : expected)
      if (digest(d.alg, *data) != d.digest)
        r.error("JAR_SIG_ZIP_ENTRY_DIGEST_DID_NOT_VERIFY",
                std::string(jca_name(d.alg)) + " digest of " + e->name + " does not match the digest specified in " +
                    kManifestName,
                e->name);
  }
  if (!first_signers) {
    r.error("JAR_SIG_NO_SIGNED_ZIP_ENTRIES", "No JAR entries covered by JAR signatures");
    return r;
  }
  if (r.has_errors()) return r;
  std::set<std::string> signature_entries{kManifestName};
  for (JarSigner* s : *first_signers) {
    signature_entries.insert(s->block->name);
    signature_entries.insert(s->sig_file->name);
  }
  for (const auto& e : entries)
    if (starts_with(e.name, "META-INF/") && !ends_with(e.name, "/") && !signature_entries.count(e.name))
      r.warning("JAR_SIG_UNPROTECTED_ZIP_ENTRY",
                e.name + " not protected by signature. Unauthorized modifications to this JAR entry will not be "
                         "detected. Delete or move the entry outside of META-INF/.",
                e.name);
  for (JarSigner* s : remaining)
    if (std::find(first_signers->begin(), first_signers->end(), s) != first_signers->end()) r.signers.push_back(s->result);
  r.verified = true;
  return r;
}

}  // namespace apkvet::signing
