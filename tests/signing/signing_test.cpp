// Signing: differential against apksigner 31 (truth files for the corpus and the signing fixtures),
// fixture-by-fixture assertions of verdicts and findings, and parser unit tests.
#include <doctest/doctest.h>

#include <filesystem>
#include <iostream>

#include "signing/jar_signature.h"
#include "signing/pkcs7.h"
#include "signing/signing_block.h"
#include "signing/signing_crypto.h"
#include "signing_fuzz_body.h"
#include "signing_support.h"

using namespace apkvet;
using namespace apkvet::test;
namespace fs = std::filesystem;

namespace {

std::string fixture_path(const std::string& name) { return fixture("signing/" + name + ".apk"); }

struct FixtureScan {
  SigningFacts facts;
  AnomalySink sink;
};

FixtureScan scan_fixture(const std::string& name, int64_t scan_time = 0) {
  FixtureScan out;
  std::string path = fixture_path(name);
  ManifestLevels levels = manifest_levels(path);
  SigningOptions o;
  o.min_sdk = levels.min_sdk;
  o.target_sdk = levels.target_sdk;
  o.target_sandbox_version = levels.sandbox;
  o.package = "gov.test.clean";
  o.scan_time = scan_time;
  o.input_path = path;
  AppPackage app(path);
  out.facts = analyze_signing(app, o, out.sink);
  for (const auto& a : app.anomalies().all()) out.sink.add(a.id, a.severity, a.message, a.evidence);
  return out;
}

size_t differential(const std::vector<std::pair<std::string, std::string>>& files, const char* what) {
  auto known = known_differences();
  size_t agreed = 0, reviewed = 0;
  for (const auto& [name, apk] : files) {
    std::string truth_file = fs::path(apk).extension() == ".apk" && apk.find("/built/signing/") != std::string::npos
                                 ? fixture("signing/" + name + ".apksigner.txt")
                                 : corpus_dir() + "/truth/" + name + ".apksigner.txt";
    ApksignerTruth truth = parse_apksigner(slurp(truth_file));
    REQUIRE_MESSAGE(truth.exit_code >= 0, "no apksigner truth for ", name);
    OurVerdict ours = verify_file(apk);
    std::string diff = compare(ours, truth);
    if (diff.empty()) {
      ++agreed;
      continue;
    }
    INFO(std::string(what), " ", name, ": differs in ", diff, "; apksigner ",
         truth.errors.empty() ? std::string("verifies") : truth.errors.front(), "; apkvet ",
         ours.facts.errors.empty() ? std::string("verifies") : ours.facts.errors.front().message);
    CHECK_MESSAGE(known.count(name) == 1, "unreviewed disagreement with apksigner");
    ++reviewed;
  }
  std::cout << what << ": " << agreed << " agree with apksigner, " << reviewed << " reviewed differences\n";
  return agreed;
}

}  // namespace

TEST_CASE("corpus: same verdict per scheme and same signer certificate as apksigner 31") {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& p : corpus_apks()) files.emplace_back(p.stem().string(), p.string());
  REQUIRE(files.size() == 137);
  size_t agreed = differential(files, "corpus");
  CHECK(agreed >= 130);
}

TEST_CASE("fixtures: same verdict per scheme and same signer certificate as apksigner 31") {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& e : fs::directory_iterator(fixture("signing")))
    if (e.path().extension() == ".apk") files.emplace_back(e.path().stem().string(), e.path().string());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 16);
  differential(files, "fixtures");
}

TEST_CASE("known differences: every policy_scope row still fails apksigner's range and verifies from SDK 24") {
  size_t rows = 0;
  for (const auto& [name, kind] : known_differences()) {
    if (kind != "policy_scope") continue;
    std::string apk = corpus_dir() + "/apks/" + name + ".apk";
    if (!fs::exists(apk)) apk = fixture_path(name);
    OurVerdict ours = verify_file(apk);
    INFO(name);
    CHECK_FALSE(ours.facts.verified);
    CHECK(ours.facts.verified_from_sdk24 == std::optional<bool>(true));
    ++rows;
  }
  CHECK(rows >= 15);
}

TEST_CASE("fixture v1_v2_v3: every scheme verifies, one release signer, no findings but none expected") {
  auto s = scan_fixture("v1_v2_v3");
  const auto& f = s.facts;
  CHECK(f.verified);
  CHECK(f.v1.verified);
  CHECK(f.v2.verified);
  CHECK(f.v3.verified);
  REQUIRE(f.signer_certificates.size() == 1);
  const auto& c = f.signer_certificates[0];
  CHECK(c.subject == "CN=apkvet release one, O=apkvet tests, C=FR");
  CHECK(c.key_algorithm == "RSA");
  CHECK(c.key_bits == 2048);
  CHECK(c.self_signed);
  CHECK_FALSE(c.android_debug);
  CHECK(c.sha256.size() == 64);
  CHECK(f.block.present);
  CHECK(f.jar_apk_signed.size() == 1);
  CHECK(f.exodus_app_uid.size() == 40);
  CHECK_FALSE(s.sink.has("signing.invalid_signature"));
  CHECK_FALSE(s.sink.has("signing.unsigned"));
  CHECK_FALSE(s.sink.has("signing.debug_certificate"));
  CHECK_FALSE(s.sink.has("signing.janus_v1_only"));
}

TEST_CASE("fixture v1_only: JAR signature verifies but targetSdk 33 needs v2+, Janus exposure flagged") {
  auto s = scan_fixture("v1_only");
  CHECK(s.facts.v1.verified);
  CHECK_FALSE(s.facts.verified);
  CHECK(s.facts.errors.at(0).code == "MIN_SIG_SCHEME_FOR_TARGET_SDK_NOT_MET");
  CHECK(s.sink.has("signing.janus_v1_only"));
}

TEST_CASE("fixture v1_sha1: SHA1withRSA JAR signature is a weak-algorithm finding") {
  auto s = scan_fixture("v1_sha1");
  REQUIRE(s.facts.v1.signers.size() == 1);
  CHECK(s.facts.v1.signers[0].signature_algorithms.at(0) == "SHA1withRSA");
  CHECK(s.sink.has("signing.weak_signature_algorithm"));
}

TEST_CASE("fixture v2_only with minSdk 21: v2 verifies, apksigner's full-range verdict fails on the missing v1") {
  auto s = scan_fixture("v2_only");
  CHECK(s.facts.v2.verified);
  CHECK_FALSE(s.facts.verified);
  CHECK(s.facts.verified_from_sdk24 == std::optional<bool>(true));
  CHECK(s.sink.has("signing.unverifiable_below_sdk24"));
  CHECK_FALSE(s.sink.has("signing.invalid_signature"));
}

TEST_CASE("fixture rotated: v3 lineage old -> new key, v1/v2 keep the old signer") {
  auto s = scan_fixture("rotated");
  const auto& f = s.facts;
  CHECK(f.verified);
  REQUIRE(f.v3.signers.size() == 1);
  REQUIRE(f.v3.signers[0].lineage.size() == 2);
  CHECK(f.v3.signers[0].lineage[0].certificate.subject == "CN=apkvet release one, O=apkvet tests, C=FR");
  CHECK(f.v3.signers[0].lineage[1].certificate.subject == "CN=apkvet release two, O=apkvet tests, C=FR");
  CHECK(f.v3.signers[0].certificates.at(0).key_bits == 3072);
  CHECK(f.v2.signers.at(0).certificates.at(0).subject == "CN=apkvet release one, O=apkvet tests, C=FR");
  REQUIRE(f.signer_certificates.size() == 1);
  CHECK(f.signer_certificates[0].subject == "CN=apkvet release two, O=apkvet tests, C=FR");
  CHECK_FALSE(s.sink.has("signing.signer_mismatch"));
}

TEST_CASE("fixture debug: Android debug certificate is a finding") {
  auto s = scan_fixture("debug");
  CHECK(s.facts.verified);
  CHECK(s.facts.signer_certificates.at(0).android_debug);
  CHECK(s.sink.has("signing.debug_certificate"));
}

TEST_CASE("fixture weak_rsa1024: RSA key below 2048 bits is a finding") {
  auto s = scan_fixture("weak_rsa1024");
  CHECK(s.facts.verified);
  CHECK(s.facts.signer_certificates.at(0).key_bits == 1024);
  CHECK(s.sink.has("signing.weak_key"));
}

TEST_CASE("fixture ec_v1_v2_v3: ECDSA signatures in every scheme") {
  auto s = scan_fixture("ec_v1_v2_v3");
  CHECK(s.facts.verified);
  CHECK(s.facts.signer_certificates.at(0).key_algorithm == "EC");
  CHECK(s.facts.v2.signers.at(0).signature_algorithms.at(0) == "ECDSA_WITH_SHA256");
}

TEST_CASE("fixture unsigned: unsigned finding") {
  auto s = scan_fixture("unsigned");
  CHECK_FALSE(s.facts.verified);
  CHECK(s.facts.schemes_present.empty());
  CHECK(s.sink.has("signing.unsigned"));
}

TEST_CASE("fixture tampered_byte_v1: the changed entry is named") {
  auto s = scan_fixture("tampered_byte_v1");
  CHECK_FALSE(s.facts.verified);
  bool named = false;
  for (const auto& a : s.sink.all())
    if (a.id == "signing.invalid_signature" && a.evidence.file == "resources.arsc") named = true;
  CHECK(named);
}

TEST_CASE("fixture tampered_byte_v1_v2_v3: v3 content digest mismatch is caught") {
  auto s = scan_fixture("tampered_byte_v1_v2_v3");
  CHECK_FALSE(s.facts.verified);
  CHECK(s.facts.errors.at(0).code == "V3_SIG_APK_DIGEST_DID_NOT_VERIFY");
  CHECK(s.sink.has("signing.invalid_signature"));
}

TEST_CASE("fixture added_entry_v1: an entry added after signing is named") {
  auto s = scan_fixture("added_entry_v1");
  CHECK_FALSE(s.facts.verified);
  CHECK(s.facts.errors.at(0).code == "JAR_SIG_NO_ZIP_ENTRY_DIGEST_IN_MANIFEST");
  CHECK(s.facts.errors.at(0).entry == "assets/payload.txt");
}

TEST_CASE("fixture added_entry_v2: appending an entry destroys the v2 block, nothing verifies") {
  auto s = scan_fixture("added_entry_v2");
  CHECK_FALSE(s.facts.verified);
  CHECK_FALSE(s.facts.v2.present);
  CHECK(s.sink.has("signing.unsigned"));
}

TEST_CASE("fixture stripped_v2_v3: X-Android-APK-Signed says 2,3 but the block is gone") {
  auto s = scan_fixture("stripped_v2_v3");
  CHECK_FALSE(s.facts.verified);
  CHECK(s.facts.errors.at(0).code == "JAR_SIG_MISSING_APK_SIG_REFERENCED");
  CHECK(s.sink.has("signing.stripped_signature"));
}

TEST_CASE("fixture v4: the .idsig beside the APK is noted") {
  auto s = scan_fixture("v4");
  CHECK(s.facts.verified);
  CHECK(s.facts.v4_signature_file == fixture_path("v4") + ".idsig");
}

TEST_CASE("certificate validity is judged against the scan time given, not the clock") {
  auto valid = scan_fixture("v1_v2_v3", 1700000000);  // 2023
  CHECK_FALSE(valid.sink.has("signing.certificate_expired"));
  CHECK_FALSE(valid.sink.has("signing.certificate_not_yet_valid"));
  auto early = scan_fixture("v1_v2_v3", 1500000000);  // 2017, before the key's 2020 start date
  CHECK(early.sink.has("signing.certificate_not_yet_valid"));
  auto late = scan_fixture("v1_v2_v3", 4000000000);  // 2096, after its 20000-day validity
  CHECK(late.sink.has("signing.certificate_expired"));
}

TEST_CASE("Janus corpus sample: v1-only with a DEX prefix is critical") {
  // The archive layer flags the DEX prefix; signing escalates the v1-only finding when it sees it.
  for (const auto& p : corpus_apks()) {
    AppPackage* app = nullptr;
    std::unique_ptr<AppPackage> holder;
    try {
      holder = std::make_unique<AppPackage>(p.string());
      app = holder.get();
    } catch (...) {
      continue;
    }
    if (!app->anomalies().has("zip.janus_dex_prefix")) continue;
    SigningOptions o;
    o.min_sdk = manifest_levels(p.string()).min_sdk;
    auto f = analyze_signing(*app, o, app->anomalies());
    if (f.v1.present && !f.v2.present && !f.v3.present && o.min_sdk < 24) {
      bool critical = false;
      for (const auto& a : app->anomalies().all())
        if (a.id == "signing.janus_v1_only" && a.severity == Severity::critical) critical = true;
      CHECK_MESSAGE(critical, p.filename().string());
    }
  }
}

TEST_CASE("JAR manifest: sections, continuation lines, CRLF, and byte ranges as apksigner reads them") {
  std::string mf = "Manifest-Version: 1.0\r\nCreated-By: test\r\n\r\nName: res/a-very-long-na\r\n me.xml\r\nSHA-256-Digest: abc=\r\n\r\nName: b\nSHA1-Digest: x\n";
  auto sections = signing::parse_jar_manifest(Bytes(reinterpret_cast<const uint8_t*>(mf.data()), mf.size()));
  REQUIRE(sections.size() == 3);
  CHECK(sections[0].start == 0);
  CHECK(sections[0].size == 43);  // main section, through its blank line
  CHECK(*sections[1].name() == "res/a-very-long-name.xml");
  CHECK(*sections[1].get("sha-256-digest") == "abc=");
  CHECK(*sections[2].name() == "b");
  CHECK(sections[2].start + sections[2].size == mf.size());
}

TEST_CASE("Base64 decoding is strict like java.util.Base64") {
  CHECK(signing::base64_decode("aGk=") == std::vector<uint8_t>{'h', 'i'});
  CHECK(signing::base64_decode("aGk") == std::vector<uint8_t>{'h', 'i'});
  CHECK_FALSE(signing::base64_decode("a$k=").has_value());
  CHECK_FALSE(signing::base64_decode("a").has_value());
}

TEST_CASE("PKCS #7 and signing-block parsers reject garbage without crashing") {
  std::vector<uint8_t> junk = {0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x84};
  CHECK_THROWS_AS(signing::parse_pkcs7(junk), ParseError);
  std::vector<uint8_t> deep(4000, 0x30);
  for (size_t i = 1; i < deep.size(); i += 2) deep[i] = 0x80;
  CHECK_THROWS_AS(signing::parse_pkcs7(deep), ParseError);
  fuzz_signing_one(junk.data(), junk.size());
  fuzz_signing_one(deep.data(), deep.size());
}

TEST_CASE("fuzz regressions (tests/fuzz/regressions/signing) replay without crashing") {
  fs::path dir = fs::path(APKVET_FIXTURES_DIR) / ".." / "tests" / "fuzz" / "regressions" / "signing";
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    std::string data = slurp(e.path().string());
    fuzz_signing_one(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    ++n;
  }
  MESSAGE(n, " signing fuzz regressions replayed");
}
