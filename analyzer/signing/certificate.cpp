#include "signing/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

#include "signing/signing_crypto.h"

namespace apkvet::signing {
namespace {

std::string name_string(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  unsigned long flags = (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC;
  X509_NAME_print_ex(bio, name, 0, flags);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len > 0 ? len : 0));
  BIO_free(bio);
  return out;
}

bool to_epoch(const ASN1_TIME* t, int64_t& epoch, std::string& iso) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  epoch = static_cast<int64_t>(timegm(&tm));
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  iso = buf;
  return true;
}

std::optional<CertificateFacts> describe(Bytes der) {
  X509Ptr cert = parse_certificate(der);
  if (!cert) return std::nullopt;
  CertificateFacts c;
  c.subject = name_string(X509_get_subject_name(cert.get()));
  c.issuer = name_string(X509_get_issuer_name(cert.get()));
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get())) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
    if (bn) {
      char* h = BN_bn2hex(bn);
      c.serial = h;
      for (auto& ch : c.serial) ch = static_cast<char>(ch >= 'A' && ch <= 'F' ? ch + 32 : ch);
      OPENSSL_free(h);
      BN_free(bn);
    }
  }
  to_epoch(X509_get0_notBefore(cert.get()), c.not_before_epoch, c.not_before);
  to_epoch(X509_get0_notAfter(cert.get()), c.not_after_epoch, c.not_after);

  if (EVP_PKEY* key = X509_get0_pubkey(cert.get())) {
    c.key_bits = EVP_PKEY_get_bits(key);
    switch (EVP_PKEY_get_base_id(key)) {
      case EVP_PKEY_RSA: c.key_algorithm = "RSA"; break;
      case EVP_PKEY_RSA_PSS: c.key_algorithm = "RSASSA-PSS"; break;
      case EVP_PKEY_EC: {
        c.key_algorithm = "EC";
        char group[64] = {0};
        size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) == 1) c.curve = group;
        break;
      }
      case EVP_PKEY_DSA: c.key_algorithm = "DSA"; break;
      case EVP_PKEY_ED25519: c.key_algorithm = "Ed25519"; break;
      default: c.key_algorithm = OBJ_nid2sn(EVP_PKEY_get_base_id(key)); break;
    }
    c.public_key_der = encode_public_key(key);
    c.public_key_sha256 = hex(digest(DigestAlg::sha256, c.public_key_der));
  } else {
    c.key_algorithm = "unknown";
  }
  int sig_nid = X509_get_signature_nid(cert.get());
  c.signature_algorithm = sig_nid == NID_undef ? "unknown" : OBJ_nid2ln(sig_nid);
  int md_nid = NID_undef, pk_nid = NID_undef;
  if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid))
    c.weak_signature_hash = md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_md2 || md_nid == NID_md4;
  c.sha256 = hex(digest(DigestAlg::sha256, der));
  c.sha1 = hex(digest(DigestAlg::sha1, der));
  c.md5 = hex(digest(DigestAlg::md5, der));
  c.self_signed = X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0;
  c.android_debug = c.subject == "CN=Android Debug, O=Android, C=US";
  return c;
}

}  // namespace

std::optional<CertificateFacts> describe_certificate(Bytes der) {
  // Describing costs ~0.1 ms (OpenSSL 3 decodes and re-encodes the public key through its provider
  // framework), a few per cent of an APK's analysis when every scheme describes the same certificate.
  thread_local std::vector<std::pair<std::vector<uint8_t>, std::optional<CertificateFacts>>> recent;
  for (const auto& [bytes, facts] : recent)
    if (std::equal(bytes.begin(), bytes.end(), der.begin(), der.end())) return facts;
  std::optional<CertificateFacts> facts = describe(der);
  if (recent.size() >= 8) recent.erase(recent.begin());
  recent.emplace_back(std::vector<uint8_t>(der.begin(), der.end()), facts);
  return facts;
}

void to_json(Json& j, const CertificateFacts& c) {
  j = Json{{"subject", c.subject},
           {"issuer", c.issuer},
           {"serial", c.serial},
           {"not_before", c.not_before},
           {"not_after", c.not_after},
           {"key_algorithm", c.key_algorithm},
           {"key_bits", c.key_bits},
           {"signature_algorithm", c.signature_algorithm},
           {"sha256", c.sha256},
           {"sha1", c.sha1},
           {"md5", c.md5},
           {"public_key_sha256", c.public_key_sha256},
           {"self_signed", c.self_signed},
           {"android_debug", c.android_debug}};
  if (!c.curve.empty()) j["curve"] = c.curve;
}

}  // namespace apkvet::signing
