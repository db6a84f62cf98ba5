#include "signing/signing_block.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "signing/signing_crypto.h"

namespace apkvet::signing {
namespace {

constexpr char kMagic[] = "APK Sig Block 42";
constexpr int kN = 24, kP = 28;

enum ContentDigest { kChunkedSha256 = 1, kChunkedSha512 = 2, kVeritySha256 = 3 };
const char* content_digest_name(int d) {
  return d == kChunkedSha256 ? "CHUNKED_SHA256" : d == kChunkedSha512 ? "CHUNKED_SHA512" : "VERITY_CHUNKED_SHA256";
}
// How apksigner ranks content digests: SHA-512 > verity SHA-256 > SHA-256.
int digest_strength(int d) { return d == kChunkedSha256 ? 0 : d == kVeritySha256 ? 1 : 2; }

struct SigAlgorithm {
  uint32_t id;
  const char* name;
  KeyType key;
  DigestAlg md;
  Padding padding;
  int content;
  int min_sdk;
};
constexpr SigAlgorithm kAlgorithms[] = {
    {0x0101, "RSA_PSS_WITH_SHA256", KeyType::rsa, DigestAlg::sha256, Padding::pss, kChunkedSha256, kN},
    {0x0102, "RSA_PSS_WITH_SHA512", KeyType::rsa, DigestAlg::sha512, Padding::pss, kChunkedSha512, kN},
    {0x0103, "RSA_PKCS1_V1_5_WITH_SHA256", KeyType::rsa, DigestAlg::sha256, Padding::pkcs1, kChunkedSha256, kN},
    {0x0104, "RSA_PKCS1_V1_5_WITH_SHA512", KeyType::rsa, DigestAlg::sha512, Padding::pkcs1, kChunkedSha512, kN},
    {0x0201, "ECDSA_WITH_SHA256", KeyType::ec, DigestAlg::sha256, Padding::none, kChunkedSha256, kN},
    {0x0202, "ECDSA_WITH_SHA512", KeyType::ec, DigestAlg::sha512, Padding::none, kChunkedSha512, kN},
    {0x0301, "DSA_WITH_SHA256", KeyType::dsa, DigestAlg::sha256, Padding::none, kChunkedSha256, kN},
    {0x0421, "VERITY_RSA_PKCS1_V1_5_WITH_SHA256", KeyType::rsa, DigestAlg::sha256, Padding::pkcs1, kVeritySha256, kP},
    {0x0423, "VERITY_ECDSA_WITH_SHA256", KeyType::ec, DigestAlg::sha256, Padding::none, kVeritySha256, kP},
    {0x0425, "VERITY_DSA_WITH_SHA256", KeyType::dsa, DigestAlg::sha256, Padding::none, kVeritySha256, kP},
};
const SigAlgorithm* find_algorithm(uint32_t id) {
  for (const auto& a : kAlgorithms)
    if (a.id == id) return &a;
  return nullptr;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Length-prefixed (uint32 LE) slices, as the signing block nests everything. Throws ParseError.
Bytes lp_slice(ByteReader& r) {
  uint32_t n = r.u32();
  return r.view(n);
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

std::vector<uint8_t> chunked_digest(DigestAlg alg, const std::array<Bytes, 3>& sections) {
  constexpr size_t kChunk = 1 << 20;
  size_t chunks = 0;
  for (Bytes s : sections) chunks += (s.size() + kChunk - 1) / kChunk;
  const EVP_MD* md = evp_md(alg);
  const size_t md_size = static_cast<size_t>(EVP_MD_get_size(md));
  std::vector<uint8_t> top{0x5a};
  put_u32(top, static_cast<uint32_t>(chunks));
  top.reserve(5 + chunks * md_size);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  for (Bytes s : sections) {
    for (size_t off = 0; off < s.size(); off += kChunk) {
      size_t len = std::min(kChunk, s.size() - off);
      uint8_t prefix[5] = {0xa5, static_cast<uint8_t>(len), static_cast<uint8_t>(len >> 8),
                           static_cast<uint8_t>(len >> 16), static_cast<uint8_t>(len >> 24)};
      unsigned char out[EVP_MAX_MD_SIZE];
      unsigned int out_len = 0;
      EVP_DigestInit_ex(ctx, md, nullptr);
      EVP_DigestUpdate(ctx, prefix, sizeof prefix);
      EVP_DigestUpdate(ctx, s.data() + off, len);
      EVP_DigestFinal_ex(ctx, out, &out_len);
      top.insert(top.end(), out, out + out_len);
    }
  }
  EVP_MD_CTX_free(ctx);
  return digest(alg, top);
}

// SHA-256 over an 8-byte zero salt and the data, as apksigner's VerityTreeBuilder(new byte[8]).
std::vector<uint8_t> salted_sha256(Bytes data) {
  static const uint8_t salt[8] = {0};
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, evp_md(DigestAlg::sha256), nullptr);
  EVP_DigestUpdate(ctx, salt, sizeof salt);
  EVP_DigestUpdate(ctx, data.data(), data.size());
  EVP_DigestFinal_ex(ctx, out, &len);
  EVP_MD_CTX_free(ctx);
  return std::vector<uint8_t>(out, out + len);
}

// fs-verity style Merkle tree over 4096-byte pages (zero salt); returns root hash + total size (LE64).
std::vector<uint8_t> verity_digest(const std::array<Bytes, 3>& sections) {
  constexpr size_t kPage = 4096;
  uint64_t total = 0;
  for (Bytes s : sections) total += s.size();
  std::vector<uint8_t> level;
  {
    std::vector<uint8_t> page;
    page.reserve(kPage);
    auto flush = [&] {
      page.resize(kPage, 0);
      auto d = salted_sha256(page);
      level.insert(level.end(), d.begin(), d.end());
      page.clear();
    };
    for (Bytes s : sections) {
      size_t off = 0;
      while (off < s.size()) {
        size_t take = std::min(kPage - page.size(), s.size() - off);
        page.insert(page.end(), s.begin() + static_cast<std::ptrdiff_t>(off), s.begin() + static_cast<std::ptrdiff_t>(off + take));
        off += take;
        if (page.size() == kPage) flush();
      }
    }
    if (!page.empty()) flush();
  }
  level.resize((level.size() + kPage - 1) / kPage * kPage, 0);
  if (level.empty()) level.resize(kPage, 0);
  while (level.size() > kPage) {
    std::vector<uint8_t> next;
    for (size_t off = 0; off < level.size(); off += kPage) {
      auto d = salted_sha256(Bytes(level).subspan(off, kPage));
      next.insert(next.end(), d.begin(), d.end());
    }
    next.resize((next.size() + kPage - 1) / kPage * kPage, 0);
    level = std::move(next);
  }
  auto root = salted_sha256(Bytes(level).subspan(0, kPage));
  for (int i = 0; i < 8; ++i) root.push_back(static_cast<uint8_t>(total >> (8 * i)));
  return root;
}

std::string scheme_title(int version) {
  return version == 2 ? "APK Signature Scheme v2" : version == 3 ? "APK Signature Scheme v3" : "APK Signature Scheme v3.1";
}
std::string issue_prefix(int version) { return version == 2 ? "V2_SIG_" : version == 3 ? "V3_SIG_" : "V31_SIG_"; }

struct SupportedSignature {
  const SigAlgorithm* algorithm;
  Bytes signature;
};

// apksigner's getSignaturesToVerify: the strongest algorithm for each platform level where one is needed.
std::optional<std::vector<SupportedSignature>> signatures_to_verify(const std::vector<SupportedSignature>& sigs,
                                                                    int min_sdk, int max_sdk, std::string& why) {
  std::map<int, SupportedSignature> best;
  int min_provided = 0x7fffffff;
  for (const auto& s : sigs) {
    int m = s.algorithm->min_sdk;
    if (m > max_sdk) continue;
    min_provided = std::min(min_provided, m);
    auto it = best.find(m);
    if (it == best.end() || digest_strength(s.algorithm->content) > digest_strength(it->second.algorithm->content))
      best.insert_or_assign(m, s);
  }
  if (min_sdk < min_provided) {
    why = "Minimum provided signature version " + std::to_string(min_provided) + " > minSdkVersion " + std::to_string(min_sdk);
    return std::nullopt;
  }
  if (best.empty()) {
    why = "No supported signature";
    return std::nullopt;
  }
  std::vector<SupportedSignature> out;
  for (auto& [k, v] : best) out.push_back(v);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.algorithm->id < b.algorithm->id; });
  return out;
}

// v3 proof-of-rotation: a chain of certificates, each signed by the previous one's key.
struct LineageParse {
  std::vector<LineageNode> nodes;
  std::vector<std::vector<uint8_t>> certs_der;
  std::string security_error;  // a signature or ordering check failed
  std::string format_error;
};

LineageParse parse_lineage(Bytes value) {
  LineageParse out;
  try {
    ByteReader r(value);
    uint32_t version = r.u32();
    if (version != 1) {
      out.format_error = "unsupported lineage version " + std::to_string(version);
      return out;
    }
    X509Ptr last;
    uint32_t last_alg = 0;
    int count = 0;
    while (r.remaining() > 0) {
      ++count;
      Bytes node_bytes = lp_slice(r);
      ByteReader node(node_bytes);
      Bytes signed_data = lp_slice(node);
      uint32_t flags = node.u32();
      uint32_t alg_id = node.u32();
      Bytes signature = lp_slice(node);
      if (last) {
        const SigAlgorithm* a = find_algorithm(last_alg);
        if (!a) {
          out.format_error = "unknown signature algorithm " + hex32(last_alg) + " in lineage";
          return out;
        }
        auto check = verify_signature(X509_get0_pubkey(last.get()), a->key, a->md, a->padding, signed_data, signature);
        if (!check.verified) {
          out.security_error = "Unable to verify signature of certificate #" + std::to_string(count) + " using " +
                               a->name + " when verifying V3SigningCertificateLineage object";
          return out;
        }
      }
      ByteReader sd(signed_data);
      Bytes cert = lp_slice(sd);
      uint32_t signed_alg = sd.u32();
      if (last && signed_alg != last_alg) {
        out.security_error = "Signing algorithm ID mismatch for certificate #" + std::to_string(count);
        return out;
      }
      last = parse_certificate(cert);
      if (!last) {
        out.format_error = "malformed certificate #" + std::to_string(count) + " in lineage";
        return out;
      }
      std::vector<uint8_t> der(cert.begin(), cert.end());
      if (std::find(out.certs_der.begin(), out.certs_der.end(), der) != out.certs_der.end()) {
        out.security_error = "Encountered duplicate entries in SigningCertificateLineage at certificate #" + std::to_string(count);
        return out;
      }
      out.certs_der.push_back(der);
      LineageNode n;
      if (auto c = describe_certificate(cert)) n.certificate = *c;
      n.flags = flags;
      if (const SigAlgorithm* sa = find_algorithm(signed_alg); sa && count > 1) n.signed_with = sa->name;
      out.nodes.push_back(std::move(n));
      last_alg = alg_id;
    }
  } catch (const ParseError& e) {
    out.format_error = e.what();
  }
  return out;
}

struct ParsedSigner {
  SignerFacts facts;
  std::vector<std::vector<uint8_t>> lineage_der;
};

// Parses and verifies one signer; errors land in signer.facts.errors. Returns false on a malformed
// signer (apksigner then stops reading further signers).
void parse_signer(Bytes signer_bytes, int version, const SchemeParams& p, std::set<int>& digests_to_check,
                  ParsedSigner& ps) {
  SignerFacts& s = ps.facts;
  const std::string prefix = issue_prefix(version);
  const std::string who = scheme_title(version) + " signer #" + std::to_string(s.index + 1) + ": ";
  ByteReader r(signer_bytes);
  Bytes signed_data = lp_slice(r);
  int64_t signer_min = 0, signer_max = 0;
  if (version != 2) {
    signer_min = static_cast<int32_t>(r.u32());
    signer_max = static_cast<int32_t>(r.u32());
    s.min_sdk = signer_min;
    s.max_sdk = signer_max;
    if (signer_min < 0 || signer_min > signer_max)
      add_error(s, prefix + "INVALID_SDK_VERSIONS", who + "invalid SDK versions " + std::to_string(signer_min) + "-" +
                                                        std::to_string(signer_max));
  }
  Bytes signatures = lp_slice(r);
  Bytes public_key = lp_slice(r);

  std::vector<uint32_t> signature_ids;
  std::vector<SupportedSignature> supported;
  {
    ByteReader sr(signatures);
    int count = 0;
    while (sr.remaining() > 0) {
      ++count;
      try {
        ByteReader one(lp_slice(sr));
        uint32_t id = one.u32();
        Bytes sig = lp_slice(one);
        signature_ids.push_back(id);
        const SigAlgorithm* a = find_algorithm(id);
        if (!a) {
          add_warning(s, prefix + "UNKNOWN_SIG_ALGORITHM", who + "Unknown signature algorithm: " + hex32(id));
          continue;
        }
        s.signature_algorithms.push_back(a->name);
        supported.push_back({a, sig});
      } catch (const ParseError&) {
        add_error(s, prefix + "MALFORMED_SIGNATURE", who + "Malformed signature #" + std::to_string(count));
        return;
      }
    }
  }
  if (signature_ids.empty()) {
    add_error(s, prefix + "NO_SIGNATURES", who + "No signatures");
    return;
  }
  std::string why;
  int check_min = version == 2 ? p.min_sdk : static_cast<int>(std::max<int64_t>(signer_min, 0));
  int check_max = version == 2 ? p.max_sdk : static_cast<int>(std::min<int64_t>(signer_max, 0x7fffffff));
  auto to_verify = signatures_to_verify(supported, check_min, check_max, why);
  if (!to_verify) {
    add_error(s, prefix + "NO_SUPPORTED_SIGNATURES", who + "No supported signatures: " + why);
    return;
  }
  // The signed data's first certificate carries this key, and describing it below parses it anyway,
  // its key through the same OpenSSL 3 decoders (~1M instructions a key). Parsed first, the key is
  // then taken from it instead of being decoded twice. Nothing of the certificate is used before the
  // signature verifies; a certificate that does not parse is simply not cached and fails below as ever.
  try {
    ByteReader sd(signed_data);
    (void)lp_slice(sd);  // digests
    ByteReader certificates(lp_slice(sd));
    if (certificates.remaining() > 0) (void)parse_certificate(lp_slice(certificates));
  } catch (const ParseError&) {
  }
  PkeyPtr key = parse_public_key(public_key);
  for (const auto& sig : *to_verify) {
    if (!key || key_type(key.get()) != sig.algorithm->key) {
      add_error(s, prefix + "MALFORMED_PUBLIC_KEY", who + "Malformed public key");
      return;
    }
    auto check = verify_signature(key.get(), sig.algorithm->key, sig.algorithm->md, sig.algorithm->padding, signed_data,
                                  sig.signature);
    if (!check.exception.empty()) {
      add_error(s, prefix + "VERIFY_EXCEPTION",
                who + "Failed to verify " + sig.algorithm->name + " signature: " + check.exception);
      return;
    }
    if (!check.verified) {
      add_error(s, prefix + "DID_NOT_VERIFY", who + sig.algorithm->name + " signature over signed-data did not verify");
      return;
    }
    digests_to_check.insert(sig.algorithm->content);
  }

  // The signature verified: the signed data can be trusted and parsed.
  ByteReader sd(signed_data);
  Bytes digests = lp_slice(sd);
  Bytes certificates = lp_slice(sd);
  if (version != 2) {
    int64_t smin = static_cast<int32_t>(sd.u32());
    if (smin != signer_min)
      add_error(s, prefix + "MIN_SDK_VERSION_MISMATCH_BETWEEN_SIGNER_AND_SIGNED_DATA_RECORD",
                who + "minSdkVersion mismatch between signed and unsigned data: " + std::to_string(signer_min) + " vs " +
                    std::to_string(smin));
    int64_t smax = static_cast<int32_t>(sd.u32());
    if (smax != signer_max)
      add_error(s, prefix + "MAX_SDK_VERSION_MISMATCH_BETWEEN_SIGNER_AND_SIGNED_DATA_RECORD",
                who + "maxSdkVersion mismatch between signed and unsigned data: " + std::to_string(signer_max) + " vs " +
                    std::to_string(smax));
  }
  Bytes attributes = lp_slice(sd);

  std::vector<std::vector<uint8_t>> cert_der;
  std::vector<uint8_t> cert_key;  // the first certificate's public key, as OpenSSL encodes it
  {
    ByteReader cr(certificates);
    int index = 0;
    while (cr.remaining() > 0) {
      ++index;
      Bytes c = lp_slice(cr);
      auto facts = describe_certificate(c);
      if (!facts) {
        add_error(s, prefix + "MALFORMED_CERTIFICATE", who + "Malformed certificate #" + std::to_string(index));
        return;
      }
      if (cert_der.empty()) cert_key = facts->public_key_der;
      s.certificates.push_back(std::move(*facts));
      cert_der.emplace_back(c.begin(), c.end());
    }
  }
  if (cert_der.empty()) {
    add_error(s, prefix + "NO_CERTIFICATES", who + "No certificates");
    return;
  }
  {
    if (!std::equal(cert_key.begin(), cert_key.end(), public_key.begin(), public_key.end())) {
      add_error(s, prefix + "PUBLIC_KEY_MISMATCH_BETWEEN_CERTIFICATE_AND_SIGNATURES_RECORD",
                who + "Public key mismatch between certificate and signature record");
      return;
    }
  }
  std::vector<uint32_t> digest_ids;
  {
    ByteReader dr(digests);
    int count = 0;
    while (dr.remaining() > 0) {
      ++count;
      try {
        ByteReader one(lp_slice(dr));
        digest_ids.push_back(one.u32());
        lp_slice(one);
      } catch (const ParseError&) {
        add_error(s, prefix + "MALFORMED_DIGEST", who + "Malformed digest #" + std::to_string(count));
        return;
      }
    }
  }
  if (digest_ids != signature_ids) {
    auto list = [](const std::vector<uint32_t>& v) {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
      return out + "]";
    };
    add_error(s, prefix + "SIG_ALG_MISMATCH_BETWEEN_SIGNATURES_AND_DIGESTS_RECORDS",
              who + "Signature algorithms mismatch between signatures and digests records: " + list(signature_ids) +
                  " vs " + list(digest_ids));
    return;
  }
  std::set<int> expected_schemes;
  {
    ByteReader ar(attributes);
    int count = 0;
    while (ar.remaining() > 0) {
      ++count;
      try {
        ByteReader one(lp_slice(ar));
        uint32_t id = one.u32();
        Bytes value = one.view(one.remaining());
        s.additional_attributes.push_back(id);
        if (version == 2 && id == kStrippingProtectionAttr) {
          ByteReader vr(value);
          int scheme = static_cast<int>(vr.u32());
          if (p.supported_schemes.count(scheme)) expected_schemes.insert(scheme);
          else add_warning(s, prefix + "UNKNOWN_APK_SIG_SCHEME_ID", who + "Unknown APK signature scheme ID " + std::to_string(scheme));
        } else if (version != 2 && id == kProofOfRotationAttr) {
          LineageParse lp = parse_lineage(value);
          s.lineage = lp.nodes;
          ps.lineage_der = lp.certs_der;
          if (!lp.security_error.empty()) {
            add_error(s, prefix + "POR_DID_NOT_VERIFY", who + "SigningCertificateLineage attribute did not verify: " + lp.security_error);
          } else if (!lp.format_error.empty()) {
            add_error(s, prefix + "MALFORMED_LINEAGE", who + "Malformed SigningCertificateLineage: " + lp.format_error);
          } else {
            auto it = std::find(lp.certs_der.begin(), lp.certs_der.end(), cert_der[0]);
            if (it == lp.certs_der.end() || it + 1 != lp.certs_der.end())
              add_error(s, prefix + "POR_CERT_MISMATCH",
                        who + "SigningCertificateLineage does not end with the signer's certificate");
          }
        } else {
          add_warning(s, prefix + "UNKNOWN_ADDITIONAL_ATTRIBUTE", who + "Unknown additional attribute: ID " + hex32(id));
        }
      } catch (const ParseError&) {
        add_error(s, prefix + "MALFORMED_ADDITIONAL_ATTRIBUTE", who + "Malformed additional attribute #" + std::to_string(count));
        return;
      }
    }
  }
  for (int id : expected_schemes)
    if (!p.found_schemes.count(id))
      add_error(s, prefix + "MISSING_APK_SIG_REFERENCED",
                who + "references " + p.supported_schemes.at(id) + " but no such signature was found. Signature stripped?");
}

std::vector<std::pair<uint32_t, std::vector<uint8_t>>> signer_digests(Bytes signer_bytes, int version) {
  std::vector<std::pair<uint32_t, std::vector<uint8_t>>> out;
  try {
    ByteReader r(signer_bytes);
    ByteReader sd(lp_slice(r));
    (void)version;
    ByteReader dr(lp_slice(sd));
    while (dr.remaining() > 0) {
      ByteReader one(lp_slice(dr));
      uint32_t id = one.u32();
      Bytes d = lp_slice(one);
      out.emplace_back(id, std::vector<uint8_t>(d.begin(), d.end()));
    }
  } catch (const ParseError&) {
  }
  return out;
}

SchemeFacts verify_scheme(Bytes block_value, ApkContentDigests& content, const SchemeParams& p, int version) {
  SchemeFacts r;
  r.scheme = version == 2 ? "v2" : version == 3 ? "v3" : "v3.1";
  r.present = true;
  r.checked = true;
  const std::string prefix = issue_prefix(version);
  const std::string base = version == 2 ? "V2" : version == 3 ? "V3" : "V31";
  std::vector<Bytes> signer_blobs;
  std::vector<ParsedSigner> parsed;
  std::set<int> digests_to_check;
  Bytes signers;
  try {
    ByteReader br(block_value);
    signers = lp_slice(br);
  } catch (const ParseError&) {
    r.error(prefix + "MALFORMED_SIGNERS", "Malformed list of signers");
    return r;
  }
  if (signers.empty()) {
    r.error(prefix + "NO_SIGNERS", "No signers in " + scheme_title(version) + " signature");
    return r;
  }
  ByteReader sr(signers);
  int index = 0;
  while (sr.remaining() > 0) {
    ParsedSigner ps;
    ps.facts.index = index++;
    try {
      Bytes blob = lp_slice(sr);
      signer_blobs.push_back(blob);
      parse_signer(blob, version, p, digests_to_check, ps);
    } catch (const ParseError&) {
      add_error(ps.facts, prefix + "MALFORMED_SIGNER",
                scheme_title(version) + " signer #" + std::to_string(ps.facts.index + 1) + ": Malformed signer block");
      parsed.push_back(std::move(ps));
      break;
    }
    parsed.push_back(std::move(ps));
  }
  for (auto& ps : parsed) r.signers.push_back(ps.facts);
  if (r.has_errors()) return r;

  // Content digests: every digest a verified signature vouches for must match the APK.
  for (size_t i = 0; i < signer_blobs.size(); ++i) {
    SignerFacts& s = r.signers[i];
    for (const auto& [id, expected] : signer_digests(signer_blobs[i], version)) {
      const SigAlgorithm* a = find_algorithm(id);
      if (!a || !digests_to_check.count(a->content)) continue;
      auto actual = content.get(a->content);
      if (!actual || *actual != expected) {
        add_error(s, prefix + "APK_DIGEST_DID_NOT_VERIFY",
                  scheme_title(version) + " signer #" + std::to_string(s.index + 1) + ": APK integrity check failed. " +
                      content_digest_name(a->content) + " digest mismatch. Expected: <" + hex(expected) + ">, actual: <" +
                      (actual ? hex(*actual) : std::string("not computable")) + ">");
        continue;
      }
      s.verified_digests.push_back(content_digest_name(a->content));
    }
  }
  if (r.has_errors()) return r;

  if (version != 2) {
    // Signers must cover the platform range without gaps; lineages may only grow with newer platforms.
    std::vector<size_t> order(parsed.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return parsed[a].facts.min_sdk < parsed[b].facts.min_sdk; });
    int64_t first_min = -1, last_max = 0;
    size_t last_lineage = 0;
    std::vector<const std::vector<std::vector<uint8_t>>*> lineages;
    for (size_t i : order) {
      const auto& f = parsed[i].facts;
      if (first_min < 0) first_min = f.min_sdk;
      else if (f.min_sdk != last_max + 1) {
        r.error(base + "_INCONSISTENT_SDK_VERSIONS",
                scheme_title(version) + " signers supported min/max SDK versions are not continuous");
        break;
      }
      last_max = f.max_sdk;
      if (!parsed[i].lineage_der.empty()) {
        if (parsed[i].lineage_der.size() < last_lineage) {
          r.error(base + "_INCONSISTENT_LINEAGES",
                  scheme_title(version) + " signers have inconsistent proof-of-rotation lineages");
          break;
        }
        last_lineage = parsed[i].lineage_der.size();
        lineages.push_back(&parsed[i].lineage_der);
      }
    }
    int64_t need_min = p.min_sdk, need_max = p.max_sdk;
    if (version == 3 && p.v3_rotation_min_sdk > 0) need_max = p.v3_rotation_min_sdk - 1;
    if (version == 31) need_max = first_min;  // v3.1 signers start at the rotation level and need not cover below it
    if (version != 31 && (first_min > need_min || last_max < need_max))
      r.error(base + "_MISSING_SDK_VERSIONS",
              scheme_title(version) + " signers only support SDK versions " + std::to_string(first_min) + " to " +
                  std::to_string(last_max) + ", but the APK needs " + std::to_string(need_min) + " to " +
                  (need_max >= 0x7fffffff ? std::string("the newest") : std::to_string(need_max)));
    // Lineages must all be prefixes of the longest one.
    const std::vector<std::vector<uint8_t>>* longest = nullptr;
    for (auto* l : lineages)
      if (!longest || l->size() > longest->size()) longest = l;
    for (auto* l : lineages)
      if (!std::equal(l->begin(), l->end(), longest->begin())) {
        r.error(base + "_INCONSISTENT_LINEAGES",
                scheme_title(version) + " signers have inconsistent proof-of-rotation lineages");
        break;
      }
  }
  if (!r.has_errors()) r.verified = true;
  return r;
}

}  // namespace

const SigningBlockPair* SigningBlock::find(uint32_t id) const {
  for (const auto& p : pairs)
    if (p.id == id) return &p;
  return nullptr;
}

const char* block_id_name(uint32_t id) {
  switch (id) {
    case kV2BlockId: return "APK Signature Scheme v2";
    case kV3BlockId: return "APK Signature Scheme v3";
    case kV31BlockId: return "APK Signature Scheme v3.1";
    case kSourceStampV1Id: return "source stamp v1";
    case kSourceStampV2Id: return "source stamp v2";
    case kVerityPaddingId: return "verity padding";
    case 0x2146444e: return "Google Play frosting";
    case 0x504b4453: return "Google Play dependency metadata";
    case 0x71777777: return "Walle channel info";
    default: return "";
  }
}

SigningBlockLookup find_signing_block(Bytes apk, const ZipSections& zip) {
  SigningBlockLookup out;
  ByteReader r(apk);
  if (zip.cd_offset < 32 || zip.cd_offset > apk.size()) {
    out.reason = "APK too small for APK Signing Block. ZIP Central Directory offset: " + std::to_string(zip.cd_offset);
    return out;
  }
  uint64_t footer = zip.cd_offset - 24;
  if (std::memcmp(apk.data() + footer + 8, kMagic, 16) != 0) {
    out.reason = "No APK Signing Block before ZIP Central Directory";
    return out;
  }
  uint64_t size_in_footer = r.u64_at(footer);
  if (size_in_footer < 24 || size_in_footer > 0x7fffffff - 8) {
    out.reason = "APK Signing Block size out of range: " + std::to_string(size_in_footer);
    return out;
  }
  uint64_t total = size_in_footer + 8;
  if (total > zip.cd_offset) {
    out.reason = "APK Signing Block offset out of range";
    return out;
  }
  uint64_t start = zip.cd_offset - total;
  uint64_t size_in_header = r.u64_at(start);
  if (size_in_header != size_in_footer) {
    out.reason = "APK Signing Block sizes in header and footer do not match: " + std::to_string(size_in_header) + " vs " +
                 std::to_string(size_in_footer);
    return out;
  }
  SigningBlock block;
  block.offset = start;
  block.size = total;
  Bytes pairs = apk.subspan(start + 8, total - 8 - 24);
  ByteReader pr(pairs);
  int count = 0;
  while (pr.remaining() > 0) {
    ++count;
    if (pr.remaining() < 8) {
      block.pairs_error = "Insufficient data to read size of APK Signing Block entry #" + std::to_string(count);
      break;
    }
    uint64_t len = pr.u64();
    if (len < 4 || len > 0x7fffffff) {
      block.pairs_error = "APK Signing Block entry #" + std::to_string(count) + " size out of range: " + std::to_string(len);
      break;
    }
    if (len > pr.remaining()) {
      block.pairs_error = "APK Signing Block entry #" + std::to_string(count) + " size out of range: " + std::to_string(len) +
                          ", available: " + std::to_string(pr.remaining());
      break;
    }
    size_t value_at = pr.pos() + 4;
    uint32_t id = pr.u32();
    Bytes value = pr.view(len - 4);
    block.pairs.push_back({id, start + 8 + value_at, value});
  }
  out.block = std::move(block);
  return out;
}

std::optional<std::vector<uint8_t>> ApkContentDigests::get(int content_digest) {
  auto it = cache_.find(content_digest);
  if (it != cache_.end()) return it->second;
  std::optional<std::vector<uint8_t>> result;
  if (zip_.cd_offset + zip_.cd_size <= apk_.size() && zip_.eocd_offset + 22 <= apk_.size() &&
      block_offset_ <= zip_.cd_offset) {
    Bytes before = apk_.subspan(0, block_offset_);
    Bytes cd = apk_.subspan(zip_.cd_offset, zip_.cd_size);
    std::vector<uint8_t> eocd(apk_.begin() + static_cast<std::ptrdiff_t>(zip_.eocd_offset), apk_.end());
    for (int i = 0; i < 4; ++i) eocd[16 + i] = static_cast<uint8_t>(block_offset_ >> (8 * i));
    std::array<Bytes, 3> sections{before, cd, Bytes(eocd)};
    if (content_digest == kChunkedSha256) result = chunked_digest(DigestAlg::sha256, sections);
    else if (content_digest == kChunkedSha512) result = chunked_digest(DigestAlg::sha512, sections);
    else if (content_digest == kVeritySha256 && before.size() % 4096 == 0) result = verity_digest(sections);
  }
  cache_[content_digest] = result;
  return result;
}

SchemeFacts verify_v2(Bytes block_value, ApkContentDigests& digests, const SchemeParams& params) {
  return verify_scheme(block_value, digests, params, 2);
}

SchemeFacts verify_v3(Bytes block_value, ApkContentDigests& digests, const SchemeParams& params, bool v31) {
  return verify_scheme(block_value, digests, params, v31 ? 31 : 3);
}

std::string source_stamp_certificate_sha256(Bytes block_value) {
  try {
    ByteReader r(block_value);
    ByteReader signer(lp_slice(r));
    Bytes cert = lp_slice(signer);
    if (auto c = describe_certificate(cert)) return c->sha256;
  } catch (const ParseError&) {
  }
  return "";
}

}  // namespace apkvet::signing
