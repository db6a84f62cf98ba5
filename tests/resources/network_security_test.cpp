// Network security config: Android's XmlConfigSource semantics on text XML (inheritance, defaults by
// targetSdk, debug-overrides, pins and their expiry, what the platform parser rejects), then on real
// APKs built by aapt (fixtures/built) and on every corpus APK (none ships a config: the defaults).
#include <doctest/doctest.h>

#include <algorithm>

#include "resources/network_security.h"
#include "resources_support.h"

using namespace apkvet;

namespace {

pugi::xml_document parse_text(const char* xml) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml));
  return doc;
}

NetworkSecurityInputs inputs(int target_sdk, bool debuggable = false, std::string date = "2025-06-01") {
  NetworkSecurityInputs in;
  in.target_sdk = target_sdk;
  in.debuggable = debuggable;
  in.scan_date = std::move(date);
  return in;
}

bool has_domain(const std::vector<NscDomain>& v, const std::string& name) {
  return std::any_of(v.begin(), v.end(), [&](const NscDomain& d) { return d.name == name; });
}

const char* kConfig = R"(<network-security-config>
  <base-config cleartextTrafficPermitted="false">
    <trust-anchors><certificates src="system"/></trust-anchors>
  </base-config>
  <domain-config cleartextTrafficPermitted="true">
    <domain includeSubdomains="true">Legacy.Example.ORG</domain>
    <domain-config>
      <domain>api.legacy.example.org</domain>
      <trust-anchors><certificates src="user"/><certificates src="@raw/corp_ca" overridePins="true"/></trust-anchors>
    </domain-config>
  </domain-config>
  <domain-config>
    <domain includeSubdomains="true">pinned.example.com</domain>
    <pin-set expiration="2025-01-01">
      <pin digest="SHA-256">7HIpactkIAq2Y49orFOOQKurWxmmSFZhBCoQYcRhJ3Y=</pin>
      <pin digest="SHA-256">fwza0LRMXouZHRC8Ei+4PyuldPDcf3UKgO/04cDM1oE=</pin>
    </pin-set>
    <domain-config cleartextTrafficPermitted="false">
      <domain>cdn.pinned.example.com</domain>
    </domain-config>
  </domain-config>
  <debug-overrides>
    <trust-anchors><certificates src="user"/></trust-anchors>
  </debug-overrides>
</network-security-config>)";

}  // namespace

TEST_CASE("without a config: cleartext and user CAs follow targetSdk and usesCleartextTraffic") {
  AnomalySink sink;
  auto defaults = [&](int sdk, std::optional<bool> uses_cleartext) {
    NetworkSecurityInputs in = inputs(sdk);
    in.uses_cleartext_traffic = uses_cleartext;
    return interpret_network_security_config(parse_text("<network-security-config/>"), "nsc.xml", in, sink);
  };
  // An empty config: platform defaults for the targetSdk (usesCleartextTraffic is ignored with a config).
  CHECK(defaults(27, false).cleartext_permitted_globally);
  CHECK_FALSE(defaults(28, true).cleartext_permitted_globally);
  CHECK(defaults(23, std::nullopt).user_ca_trusted);
  CHECK_FALSE(defaults(24, std::nullopt).user_ca_trusted);
  CHECK(sink.all().empty());
}

TEST_CASE("inheritance: nested domain-configs, base-config and platform defaults") {
  AnomalySink sink;
  auto f = interpret_network_security_config(parse_text(kConfig), "res/xml/nsc.xml", inputs(30), sink);
  CHECK(f.config_valid);
  CHECK(sink.all().empty());
  CHECK(f.source == "network-security-config");
  CHECK_FALSE(f.cleartext_permitted_globally);
  REQUIRE(f.domain_configs.size() == 4);
  // Domains are lower-cased as Android compares them; the nested one inherits cleartext from its parent.
  CHECK(has_domain(f.cleartext_domains, "legacy.example.org"));
  CHECK(has_domain(f.cleartext_domains, "api.legacy.example.org"));
  CHECK(has_domain(f.cleartext_denied_domains, "pinned.example.com"));
  CHECK(has_domain(f.cleartext_denied_domains, "cdn.pinned.example.com"));
  const NscConfig& nested = f.domain_configs[1];
  CHECK(nested.path == "network-security-config/domain-config[1]/domain-config[1]");
  CHECK_FALSE(nested.cleartext_declared.has_value());
  CHECK(nested.cleartext_source == "network-security-config/domain-config[1]");
  CHECK(nested.trusts_user_cas);
  REQUIRE(nested.trust_anchors.size() == 2);
  CHECK(nested.trust_anchors[1].source == "@raw/corp_ca");
  CHECK(nested.trust_anchors[1].override_pins);
  // User CAs: trusted in release for one domain; the base trusts only the system store.
  CHECK(f.user_ca_trusted);
  CHECK(f.user_ca_domains == std::vector<std::string>{"api.legacy.example.org"});
  CHECK_FALSE(f.base.trusts_user_cas);
  CHECK_FALSE(f.user_ca_trusted_debug_only);
  // Pins apply to the domain and, inherited, to its nested domain-config; expired at the scan date.
  REQUIRE(f.pins.size() == 2);
  CHECK(f.pins[0].domains == std::vector<std::string>{"pinned.example.com"});
  CHECK(f.pins[0].pins == 2);
  CHECK(f.pins[0].expiration == "2025-01-01");
  CHECK(f.pins[0].expired);
  CHECK(f.pins[1].domains == std::vector<std::string>{"cdn.pinned.example.com"});
  CHECK(f.has_expired_pins);
  REQUIRE(f.debug_overrides);
  CHECK(f.debug_overrides->trusts_user_cas);
  CHECK(f.debug_overrides->trust_anchors[0].override_pins);  // debug certificates default to overridePins
  CHECK_FALSE(f.debug_overrides_apply);
  // Evidence names the file and the element.
  CHECK(f.pins[0].evidence.file == "res/xml/nsc.xml");
  CHECK(f.pins[0].evidence.location == "network-security-config/domain-config[2]/pin-set[1]");
}

TEST_CASE("pin expiry is judged against the scan date passed in, not the clock") {
  AnomalySink sink;
  auto before = interpret_network_security_config(parse_text(kConfig), "nsc.xml", inputs(30, false, "2024-12-31"), sink);
  auto on = interpret_network_security_config(parse_text(kConfig), "nsc.xml", inputs(30, false, "2025-01-01"), sink);
  CHECK_FALSE(before.pins[0].expired);
  CHECK(on.pins[0].expired);  // SimpleDateFormat gives midnight: the pins stop on that day
  CHECK(utc_date(0) == "1970-01-01");
  CHECK(utc_date(1735689600) == "2025-01-01");
}

TEST_CASE("debug-overrides apply only to debuggable apps and user CAs only there are flagged as such") {
  const char* xml = R"(<network-security-config>
    <base-config><trust-anchors><certificates src="system"/></trust-anchors></base-config>
    <debug-overrides><trust-anchors><certificates src="user"/></trust-anchors></debug-overrides>
  </network-security-config>)";
  AnomalySink sink;
  auto release = interpret_network_security_config(parse_text(xml), "nsc.xml", inputs(30, false), sink);
  auto debug = interpret_network_security_config(parse_text(xml), "nsc.xml", inputs(30, true), sink);
  CHECK_FALSE(release.user_ca_trusted);
  CHECK(release.user_ca_trusted_debug_only);
  CHECK_FALSE(release.debug_overrides_apply);
  CHECK(debug.debug_overrides_apply);
  // targetSdk 23 and below trust user CAs by default: the base inherits that unless it declares anchors.
  auto old = interpret_network_security_config(parse_text("<network-security-config><base-config cleartextTrafficPermitted='false'/></network-security-config>"),
                                               "nsc.xml", inputs(23), sink);
  CHECK(old.user_ca_trusted);
  CHECK(old.user_ca_domains == std::vector<std::string>{"*"});
  CHECK_FALSE(old.cleartext_permitted_globally);
  CHECK(sink.all().empty());
}

TEST_CASE("configs Android's parser rejects are reported, and still read as far as they go") {
  struct Case {
    const char* xml;
    const char* error;
  } cases[] = {
      {"<network-security-config><base-config/><base-config/></network-security-config>", "only one base-config"},
      {"<network-security-config><domain-config cleartextTrafficPermitted='true'/></network-security-config>",
       "no domain elements"},
      {"<network-security-config><domain-config><domain>a.com</domain></domain-config><domain-config><domain>A.com</domain></domain-config></network-security-config>",
       "duplicate domain name a.com"},
      {"<network-security-config><base-config><trust-anchors><certificates src='everyone'/></trust-anchors></base-config></network-security-config>",
       "unknown certificates src"},
      {"<network-security-config><base-config><trust-anchors><certificates/></trust-anchors></base-config></network-security-config>",
       "missing src"},
      {"<network-security-config><domain-config><domain>a.com</domain><pin-set><pin digest='SHA-1'>AAAA</pin></pin-set></domain-config></network-security-config>",
       "unsupported pin digest algorithm"},
      {"<network-security-config><domain-config><domain>a.com</domain><pin-set><pin digest='SHA-256'>AAAA</pin></pin-set></domain-config></network-security-config>",
       "invalid SHA-256 pin digest"},
      {"<network-security-config><domain-config><domain>a.com</domain><pin-set expiration='2025-02-30'/></domain-config></network-security-config>",
       "invalid expiration date"},
      {"<network-security-config><base-config><pin-set/></base-config></network-security-config>", "pin-set element not allowed"},
      {"<network-security-config><base-config><domain>a.com</domain></base-config></network-security-config>",
       "domain element not allowed"},
      {"<network-security-config><domain-config><domain/></domain-config></network-security-config>", "domain name missing"},
      {"<cleartext/>", "not <network-security-config>"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.xml);
    AnomalySink sink;
    auto f = interpret_network_security_config(parse_text(c.xml), "nsc.xml", inputs(30), sink);
    CHECK_FALSE(f.config_valid);
    REQUIRE(!f.config_errors.empty());
    CHECK(f.config_errors.front().find(c.error) != std::string::npos);
    CHECK(sink.has("nsc.invalid_config"));
  }
  // Unknown elements are skipped, as Android skips them.
  AnomalySink sink;
  auto f = interpret_network_security_config(
      parse_text("<network-security-config><certificateTransparency/><base-config><hsts/></base-config></network-security-config>"),
      "nsc.xml", inputs(30), sink);
  CHECK(f.config_valid);
}

namespace {

// The manifest inputs the way scan takes them from the typed manifest, read here from the decoded XML.
NetworkSecurityInputs manifest_inputs(const AppPackage& app, const std::string& date) {
  NetworkSecurityInputs in;
  in.scan_date = date;
  auto bytes = app.base().zip->read("AndroidManifest.xml");
  REQUIRE(bytes);
  AnomalySink sink;
  AxmlDocument doc;
  decode_axml(*bytes, "AndroidManifest.xml", sink, doc);
  const AxmlElement* root = doc.root();
  REQUIRE(root);
  for (size_t i : root->children) {
    const AxmlElement& e = doc.elements[i];
    if (e.name == "uses-sdk")
      if (auto* t = e.android_attr(0x01010270)) in.target_sdk = int(t->data);
    if (e.name != "application") continue;
    if (auto* a = e.android_attr(0x01010527)) in.config_resource = a->data;
    if (auto* a = e.android_attr(0x010104ec)) in.uses_cleartext_traffic = a->data != 0;
    if (auto* a = e.android_attr(0x0101000f)) in.debuggable = a->data != 0;
  }
  return in;
}

}  // namespace

TEST_CASE("the leaky fixture's config (built by aapt) is read from its APK") {
  std::string path = test::fixture("leaky.apk");
  auto t = test::open_table(path);
  REQUIRE(t);
  REQUIRE(t->table);
  NetworkSecurityInputs in = manifest_inputs(*t->app, "2026-03-01");
  REQUIRE(in.config_resource);
  CHECK(in.debuggable);
  CHECK(t->table->resource_name(*in.config_resource) == "gov.test.leaky:xml/network_security_config");
  AnomalySink sink;
  auto f = analyze_network_security(*t->app, t->table.get(), in, sink);
  CHECK(f.source == "network-security-config");
  CHECK(f.config_valid);
  CHECK(f.config.file == "res/xml/network_security_config.xml");
  CHECK(f.config_resource->find("xml/network_security_config") != std::string::npos);
  // usesCleartextTraffic="true" is ignored because a config is present: the base forbids cleartext.
  CHECK(f.uses_cleartext_traffic == true);
  CHECK_FALSE(f.cleartext_permitted_globally);
  REQUIRE(f.cleartext_domains.size() == 1);
  CHECK(f.cleartext_domains[0].name == "cleartext.example.org");
  CHECK(f.cleartext_domains[0].include_subdomains);
  REQUIRE(f.pins.size() == 1);
  CHECK(f.pins[0].domains == std::vector<std::string>{"graph.facebook.com"});
  CHECK(f.pins[0].pins == 2);
  CHECK(f.pins[0].expiration == "2027-01-01");
  CHECK_FALSE(f.pins[0].expired);
  CHECK_FALSE(f.user_ca_trusted);
  CHECK(f.user_ca_trusted_debug_only);
  CHECK(f.debug_overrides_apply);  // the fixture is debuggable
  for (const auto& a : sink.all()) CHECK_MESSAGE(a.id.rfind("nsc.", 0) != 0, a.id << " " << a.message);

  auto later = analyze_network_security(*t->app, t->table.get(), manifest_inputs(*t->app, "2027-01-01"), sink);
  CHECK(later.pins[0].expired);
}

TEST_CASE("tampered fixtures: the config is still read the way Android reads it") {
  size_t read = 0;
  for (const char* name : {"tampered/axml_dummy_chunk.apk", "tampered/axml_trailing_data.apk", "tampered/axml_wrong_namespace.apk",
                           "tampered/axml_string_pool.apk", "tampered/axml_empty_attr_names.apk"}) {
    CAPTURE(name);
    auto t = test::open_table(test::fixture(name));
    if (!t || !t->table) continue;
    NetworkSecurityInputs in = manifest_inputs(*t->app, "2026-03-01");
    if (!in.config_resource) continue;
    AnomalySink sink;
    auto f = analyze_network_security(*t->app, t->table.get(), in, sink);
    CHECK(f.source == "network-security-config");
    CHECK(has_domain(f.cleartext_domains, "cleartext.example.org"));
    ++read;
  }
  CHECK(read >= 1);
}

TEST_CASE("corpus: no APK ships a config, so every one gets the platform defaults without anomalies") {
  size_t apps = 0;
  for (const auto& path : test::corpus_apks()) {
    auto t = test::open_table(path.string());
    if (!t || !t->app->base().zip->find("AndroidManifest.xml")) continue;
    NetworkSecurityInputs in;
    in.target_sdk = 30;
    in.scan_date = "2026-03-01";
    AnomalySink sink;
    auto f = analyze_network_security(*t->app, t->table.get(), in, sink);
    CHECK(f.source == "platform-default");
    CHECK_FALSE(f.cleartext_permitted_globally);
    ++apps;
  }
  CHECK(apps >= 120);
}
