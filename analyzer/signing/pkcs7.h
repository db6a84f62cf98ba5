// PKCS #7 / CMS SignedData as JAR signature blocks (META-INF/*.RSA|DSA|EC) carry it: a small BER reader
// that keeps the original encodings apksigner verifies against (signed attributes, certificates).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.h"

namespace apkvet::signing {

// One BER element: tag byte (low-tag-number form only), its content, and its whole encoding.
struct Asn1Element {
  uint8_t tag = 0;
  Bytes content;
  Bytes encoded;
  bool constructed() const { return tag & 0x20; }
};

// Reads consecutive BER elements from a buffer (definite and indefinite lengths). Throws ParseError.
class Asn1Reader {
 public:
  explicit Asn1Reader(Bytes data, int depth = 0) : data_(data), depth_(depth) {}
  bool done() const { return pos_ >= data_.size(); }
  Asn1Element next();
  Asn1Element expect(uint8_t tag, const char* what);
  std::optional<Asn1Element> optional(uint8_t tag);

 private:
  Bytes data_;
  size_t pos_ = 0;
  int depth_;
};

std::string oid_to_string(Bytes oid_content);  // "1.2.840.113549.1.7.2"

struct Pkcs7SignerInfo {
  Bytes issuer;         // encoded Name of IssuerAndSerialNumber (empty when the sid is a key identifier)
  Bytes serial;         // INTEGER content
  std::string digest_oid;
  std::string signature_oid;
  std::optional<Bytes> signed_attributes;  // the whole [0] IMPLICIT encoding, as in the file
  Bytes signature;
};

struct Pkcs7SignedData {
  std::string content_type;       // ContentInfo.contentType (must be signedData)
  std::string encap_content_type;  // SignedData.encapContentInfo.eContentType
  std::vector<Bytes> certificates;  // each certificate's whole encoding
  std::vector<Pkcs7SignerInfo> signer_infos;
};

// Throws ParseError on anything that is not a SignedData ContentInfo.
Pkcs7SignedData parse_pkcs7(Bytes data);

// Signed attributes, each an OID with its value elements.
struct Asn1Attribute {
  std::string oid;
  std::vector<Asn1Element> values;
};
std::vector<Asn1Attribute> parse_attributes(Bytes implicit_set_content);

inline constexpr const char* kOidSignedData = "1.2.840.113549.1.7.2";
inline constexpr const char* kOidData = "1.2.840.113549.1.7.1";
inline constexpr const char* kOidContentType = "1.2.840.113549.1.9.3";
inline constexpr const char* kOidMessageDigest = "1.2.840.113549.1.9.4";

}  // namespace apkvet::signing
