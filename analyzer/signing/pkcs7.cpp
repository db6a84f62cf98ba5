#include "signing/pkcs7.h"

namespace apkvet::signing {
namespace {
constexpr int kMaxDepth = 32;
constexpr uint8_t kSequence = 0x30, kSet = 0x31, kOid = 0x06, kInteger = 0x02, kOctetString = 0x04;
}  // namespace

Asn1Element Asn1Reader::next() {
  if (depth_ > kMaxDepth) throw ParseError("ASN.1 nesting too deep", pos_);
  size_t start = pos_;
  if (pos_ + 2 > data_.size()) throw ParseError("ASN.1 element truncated", pos_);
  uint8_t tag = data_[pos_++];
  if ((tag & 0x1f) == 0x1f) throw ParseError("ASN.1 high tag numbers are not supported", start);
  uint8_t first = data_[pos_++];
  size_t content_start = pos_;
  size_t content_len = 0;
  size_t end = 0;
  if (first == 0x80) {
    // Indefinite length (BER): constructed only, ends with two zero bytes.
    if (!(tag & 0x20)) throw ParseError("indefinite length on a primitive ASN.1 element", start);
    Asn1Reader inner(data_.subspan(content_start), depth_ + 1);
    while (true) {
      if (inner.pos_ + 2 <= inner.data_.size() && inner.data_[inner.pos_] == 0 && inner.data_[inner.pos_ + 1] == 0) break;
      inner.next();
    }
    content_len = inner.pos_;
    end = content_start + content_len + 2;
  } else {
    if (first < 0x80) {
      content_len = first;
    } else {
      size_t n = first & 0x7f;
      if (n > 4) throw ParseError("ASN.1 length too large", start);
      if (pos_ + n > data_.size()) throw ParseError("ASN.1 length truncated", start);
      for (size_t i = 0; i < n; ++i) content_len = (content_len << 8) | data_[pos_++];
      content_start = pos_;
    }
    if (content_len > data_.size() - content_start) throw ParseError("ASN.1 element runs past its parent", start);
    end = content_start + content_len;
  }
  pos_ = end;
  return {tag, data_.subspan(content_start, content_len), data_.subspan(start, end - start)};
}

Asn1Element Asn1Reader::expect(uint8_t tag, const char* what) {
  size_t at = pos_;
  Asn1Element e = next();
  if (e.tag != tag) throw ParseError(std::string("unexpected ASN.1 tag for ") + what, at);
  return e;
}

std::optional<Asn1Element> Asn1Reader::optional(uint8_t tag) {
  if (done() || data_[pos_] != tag) return std::nullopt;
  return next();
}

std::string oid_to_string(Bytes c) {
  std::string out;
  uint64_t value = 0;
  bool first = true;
  for (uint8_t b : c) {
    if (value > (uint64_t(1) << 56)) return "(invalid)";
    value = (value << 7) | (b & 0x7f);
    if (b & 0x80) continue;
    if (first) {
      uint64_t a = value < 40 ? 0 : value < 80 ? 1 : 2;
      out = std::to_string(a) + "." + std::to_string(value - 40 * a);
      first = false;
    } else {
      out += "." + std::to_string(value);
    }
    value = 0;
  }
  return out;
}

namespace {

std::string read_oid(Asn1Reader& r, const char* what) { return oid_to_string(r.expect(kOid, what).content); }

std::string algorithm_oid(const Asn1Element& alg_id) {
  Asn1Reader r(alg_id.content);
  return read_oid(r, "algorithm identifier");
}

Pkcs7SignerInfo parse_signer_info(const Asn1Element& e) {
  Pkcs7SignerInfo si;
  Asn1Reader r(e.content);
  r.expect(kInteger, "SignerInfo.version");
  Asn1Element sid = r.next();
  if (sid.tag == kSequence) {
    Asn1Reader ias(sid.content);
    si.issuer = ias.next().encoded;
    si.serial = ias.expect(kInteger, "serialNumber").content;
  } else if (sid.tag != 0x80) {
    throw ParseError("unsupported SignerInfo.sid", 0);
  }
  si.digest_oid = algorithm_oid(r.expect(kSequence, "digestAlgorithm"));
  if (auto attrs = r.optional(0xa0)) si.signed_attributes = attrs->encoded;
  si.signature_oid = algorithm_oid(r.expect(kSequence, "signatureAlgorithm"));
  si.signature = r.expect(kOctetString, "signature").content;
  return si;
}

}  // namespace

Pkcs7SignedData parse_pkcs7(Bytes data) {
  Pkcs7SignedData out;
  Asn1Reader top(data);
  Asn1Element content_info = top.expect(kSequence, "ContentInfo");
  Asn1Reader ci(content_info.content);
  out.content_type = read_oid(ci, "ContentInfo.contentType");
  if (out.content_type != kOidSignedData)
    throw ParseError("Unsupported ContentInfo.contentType: " + out.content_type, 0);
  Asn1Element explicit0 = ci.expect(0xa0, "ContentInfo.content");
  Asn1Reader ex(explicit0.content);
  Asn1Element signed_data = ex.expect(kSequence, "SignedData");
  Asn1Reader sd(signed_data.content);
  sd.expect(kInteger, "SignedData.version");
  sd.expect(kSet, "SignedData.digestAlgorithms");
  Asn1Element encap = sd.expect(kSequence, "SignedData.encapContentInfo");
  Asn1Reader en(encap.content);
  out.encap_content_type = read_oid(en, "eContentType");
  if (auto certs = sd.optional(0xa0)) {
    Asn1Reader cr(certs->content);
    while (!cr.done()) {
      Asn1Element c = cr.next();
      if (c.tag == kSequence) out.certificates.push_back(c.encoded);
    }
  }
  sd.optional(0xa1);  // crls
  Asn1Element infos = sd.expect(kSet, "SignedData.signerInfos");
  Asn1Reader ir(infos.content);
  while (!ir.done()) out.signer_infos.push_back(parse_signer_info(ir.expect(kSequence, "SignerInfo")));
  return out;
}

std::vector<Asn1Attribute> parse_attributes(Bytes content) {
  std::vector<Asn1Attribute> out;
  Asn1Reader r(content);
  while (!r.done()) {
    Asn1Element attr = r.expect(kSequence, "Attribute");
    Asn1Reader ar(attr.content);
    Asn1Attribute a;
    a.oid = read_oid(ar, "Attribute.attrType");
    Asn1Element values = ar.expect(kSet, "Attribute.attrValues");
    Asn1Reader vr(values.content);
    while (!vr.done()) a.values.push_back(vr.next());
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace apkvet::signing
