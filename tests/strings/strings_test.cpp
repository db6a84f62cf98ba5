// Endpoints, owners, jurisdictions, false positives and secrets: on text written here (every rule
// once), on the built fixtures (each origin: DEX, resources, asset bundle, native) and on the corpus.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "archive/app_package.h"
#include "dex/dex_corpus.h"
#include "strings/domain.h"
#include "strings/string_pool.h"
#include "strings/strings_facts.h"
#include "test_support.h"

using namespace apkvet;

namespace {

StringsFacts analyze_text(const std::string& text, FirstPartyHints hints = {}, const std::string& file = "assets/app.js") {
  AppStringPool pool;
  uint32_t src = pool.add_source(StringOrigin::text, file);
  pool.add(src, text, 0);
  return analyze_string_pool(pool, hints);
}

const Endpoint* endpoint(const StringsFacts& f, const std::string& kind, const std::string& value) {
  for (const auto& e : f.endpoints)
    if (e.kind == kind && e.value == value) return &e;
  return nullptr;
}

const SetAside* aside(const StringsFacts& f, const std::string& value) {
  for (const auto& a : f.set_aside)
    if (a.value == value) return &a;
  return nullptr;
}

const Secret* secret(const StringsFacts& f, const std::string& type) {
  for (const auto& s : f.secrets)
    if (s.type == type) return &s;
  return nullptr;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string dump(const StringsFacts& f) {
  Json j = f;
  return j.dump();
}

// The leaky fixture, or nothing (said in a message) when the fixtures are not built.
std::unique_ptr<AppPackage> leaky_app() {
  std::string path = test::fixture("leaky.apk");
  if (!std::filesystem::exists(path)) {
    MESSAGE("fixture not built: " << path);
    return nullptr;
  }
  return std::make_unique<AppPackage>(path);
}

// The app at `path`, or nothing when it cannot be read as an app at all (the archive tests cover those).
std::unique_ptr<AppPackage> open_app(const std::string& path) {
  try {
    return std::make_unique<AppPackage>(path);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// The first pool string that contains `text`, and where in it (null when none does).
std::pair<const PooledString*, size_t> find_in_pool(const AppStringPool& pool, std::string_view text) {
  for (const PooledString& s : pool.strings())
    if (size_t at = s.text.find(text); at != std::string_view::npos) return {&s, at};
  return {nullptr, 0};
}

}  // namespace

TEST_CASE("the public suffix list gives registrable domains, not a regex guess") {
  CHECK(registrable_domain("api.tiktokv.com") == "tiktokv.com");
  CHECK(registrable_domain("a.b.example.co.uk") == "example.co.uk");
  CHECK(registrable_domain("foo.appspot.com") == "appspot.com");  // ICANN section: appspot.com is registrable
  CHECK(shared_hosting_suffix("foo.appspot.com") == "appspot.com");
  CHECK_FALSE(registrable_domain("co.uk"));
  CHECK_FALSE(registrable_domain("foo.notatld"));
  CHECK(is_icann_tld("io"));
  CHECK(is_icann_tld("app"));
  CHECK_FALSE(is_icann_tld("gms"));
  CHECK_FALSE(psl_date().empty());
}

TEST_CASE("owner, jurisdiction and policy groups of ByteDance and Meta endpoints") {
  auto f = analyze_text(R"(fetch("https://api.tiktokv.com/aweme/v1/device/register/"); g="http://graph.facebook.com/v12.0/me";)");
  const Endpoint* tt = endpoint(f, "url", "https://api.tiktokv.com/aweme/v1/device/register/");
  REQUIRE(tt);
  REQUIRE(tt->owner);
  CHECK(tt->owner->id == "bytedance");
  CHECK(tt->owner->matched_suffix == "tiktokv.com");
  CHECK(tt->jurisdiction == "CN");
  CHECK(tt->jurisdiction_basis == "owner_headquarters");
  CHECK(has(tt->jurisdiction_groups, "intelligence_cooperation_laws"));
  CHECK(tt->party == "third");
  CHECK_FALSE(tt->cleartext);
  CHECK(tt->registrable_domain == "tiktokv.com");
  // Only redistributable sources are shipped: every licence on the matched row allows it.
  CHECK_FALSE(tt->owner->licences.empty());

  const Endpoint* fb = endpoint(f, "url", "http://graph.facebook.com/v12.0/me");
  REQUIRE(fb);
  REQUIRE(fb->owner);
  CHECK(fb->owner->id == "meta");
  CHECK(fb->jurisdiction == "US");
  CHECK(fb->cleartext);
  CHECK(has(fb->jurisdiction_groups, "five_eyes"));
  CHECK_FALSE(has(fb->jurisdiction_groups, "intelligence_cooperation_laws"));
  CHECK_FALSE(fb->trackers.empty());  // Exodus network signatures for Facebook match \.facebook\.com
  REQUIRE(fb->evidence.size() == 1);
  CHECK(fb->evidence[0].file == "assets/app.js");
  CHECK(fb->evidence[0].location == "line 1:64");

  // The host summary carries the same answer once per host.
  auto h = std::find_if(f.hosts.begin(), f.hosts.end(), [](const HostSummary& x) { return x.host == "graph.facebook.com"; });
  REQUIRE(h != f.hosts.end());
  CHECK(h->cleartext);
  CHECK(h->owner == "meta");
}

TEST_CASE("known false-positive families are set aside with the reason, not dropped") {
  auto f = analyze_text(
      "xmlns:android=\"http://schemas.android.com/apk/res/android\"\n"
      "see https://developer.android.com/reference/android/app/Activity\n"
      "url = \"https://api.example.com/v1\"\n"
      "pkg=android.media x=java.io y=com.facebook.ads z=android.app.Activity com.google.android.gms.common\n"
      "load(\"libfoo.so\"); el.style=1; this.app=x; R.layout.main\n"
      "http://www.apache.org/licenses/LICENSE-2.0\n"
      "String u = \"http://\" + host;\n");
  CHECK(f.endpoints.empty());
  auto reason = [&](const std::string& v) { return aside(f, v) ? aside(f, v)->reason : std::string("<none>"); };
  CHECK(reason("http://schemas.android.com/apk/res/android") == "xml_namespace");
  CHECK(reason("https://developer.android.com/reference/android/app/Activity") == "documentation");
  CHECK(reason("https://api.example.com/v1") == "reserved_example_domain");
  CHECK(reason("android.media") == "package_name");
  CHECK(reason("java.io") == "package_name");
  CHECK(reason("com.facebook.ads") == "package_name");  // .ads is a real TLD: the package root decides
  CHECK(reason("libfoo.so") == "file_name");
  CHECK(reason("el.style") == "uncommon_tld_identifier");
  CHECK(reason("this.app") == "code_identifier");
  CHECK(reason("http://www.apache.org/licenses/LICENSE-2.0") == "licence_text");
  CHECK(reason("http://") == "dynamic_host");
  CHECK(f.set_aside_counts.at("package_name") == 3);
  // Names that end in no top-level domain are not host candidates at all.
  CHECK_FALSE(aside(f, "com.google.android.gms.common"));
  CHECK_FALSE(aside(f, "android.app.Activity"));
  CHECK_FALSE(aside(f, "R.layout.main"));
}

TEST_CASE("class-name lookalikes are checked against the app's own classes") {
  AppStringPool pool;
  pool.class_packages = {"de.ecspride.MainActivity", "io.myapp.cloud.Client"};
  uint32_t src = pool.add_source(StringOrigin::text, "assets/config.txt");
  std::string text = "a io.myapp.cloud b; c io.other.cloud d; e de.ecspride.main f";
  pool.add(src, text, 0);
  auto f = analyze_string_pool(pool, {});
  REQUIRE(aside(f, "io.myapp.cloud"));
  CHECK(aside(f, "io.myapp.cloud")->reason == "class_name");
  REQUIRE(aside(f, "io.other.cloud"));  // io.* is a package root of this app
  CHECK(aside(f, "io.other.cloud")->reason == "package_name");
  CHECK(f.endpoints.empty());
}

TEST_CASE("bare hosts, IP literals and e-mail addresses are validated and classified") {
  auto f = analyze_text(
      "host=api.mycompany.io\n"
      "dns=8.8.8.8 lan=192.168.1.10 lo=127.0.0.1 ver=v1.2.3.4 oid=1.2.840.113549.1 doc=203.0.113.7\n"
      "v6=2001:4860:4860::8888 time=12:30:45 mac=aa:bb:cc:dd:ee:ff\n"
      "mail=support@mycompany.io icon=icon@2x.png\n");
  CHECK(endpoint(f, "host", "api.mycompany.io"));
  const Endpoint* dns = endpoint(f, "ip", "8.8.8.8");
  REQUIRE(dns);
  CHECK(dns->ip_scope == "public");
  if (f.geoip.kind != "none") {
    CHECK(dns->ip_country == "US");
    CHECK(dns->jurisdiction == "US");
    CHECK(dns->jurisdiction_basis == "ip_geolocation");
    CHECK_FALSE(f.geoip.date.empty());
  }
  REQUIRE(endpoint(f, "ip", "192.168.1.10"));
  CHECK(endpoint(f, "ip", "192.168.1.10")->ip_scope == "private");
  CHECK(endpoint(f, "ip", "2001:4860:4860::8888"));
  CHECK(aside(f, "127.0.0.1")->reason == "loopback");
  CHECK(aside(f, "1.2.3.4")->reason == "version_or_oid");
  CHECK(aside(f, "203.0.113.7")->reason == "documentation_address");
  CHECK_FALSE(endpoint(f, "ip", "1.2.840.113549"));
  CHECK(endpoint(f, "email", "support@mycompany.io"));
  for (const auto& e : f.endpoints) CHECK(e.value.find("2x.png") == std::string::npos);
  CHECK(f.endpoints.size() == 5);
}

TEST_CASE("bare names need corroboration unless they read clearly as hosts") {
  auto f = analyze_text(
      "a=os.name b=slide.in c=westpac.com.au d=www.primer.si e=tracker.cdn-x.in f=https://login.cdn-x.in/ g=coverage.ec "
      "v=5.1.1.8 w=1.1.1.1 x=9.2.230.20\n");
  CHECK(aside(f, "os.name")->reason == "uncommon_tld_identifier");
  CHECK(aside(f, "slide.in")->reason == "unconfirmed_bare_name");
  CHECK(aside(f, "coverage.ec")->reason == "unconfirmed_bare_name");
  CHECK(endpoint(f, "host", "westpac.com.au"));   // multi-label public suffix
  CHECK(endpoint(f, "host", "www.primer.si"));    // www.
  CHECK(endpoint(f, "host", "tracker.cdn-x.in"));  // the app uses cdn-x.in in a URL
  CHECK(aside(f, "5.1.1.8")->reason == "version_like_number");
  CHECK(endpoint(f, "ip", "1.1.1.1"));
  CHECK(endpoint(f, "ip", "9.2.230.20"));
}

TEST_CASE("first party: the package name read as a domain, and declared hosts") {
  FirstPartyHints hints;
  hints.package = "io.mycompany.app";
  hints.declared_hosts = {"*.deeplinks.example-shop.de"};
  auto f = analyze_text("https://api.mycompany.io/v2 https://m.example-shop.de/x https://api.tiktokv.com/", hints);
  CHECK(endpoint(f, "url", "https://api.mycompany.io/v2")->party == "first");
  CHECK(endpoint(f, "url", "https://api.mycompany.io/v2")->party_basis == "package_name");
  CHECK(endpoint(f, "url", "https://m.example-shop.de/x")->party == "first");
  CHECK(endpoint(f, "url", "https://m.example-shop.de/x")->party_basis == "declared_host");
  CHECK(endpoint(f, "url", "https://api.tiktokv.com/")->party == "third");
  CHECK(f.first_party_domains.at("mycompany.io") == "package_name");
}

TEST_CASE("JSON-escaped URLs are read, and credentials inside URLs are masked") {
  std::string key = "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW";
  REQUIRE(key.size() == 39);
  auto f = analyze_text("{\"u\":\"https:\\/\\/bob:hunter2hunter2@cdn.myhost.com:8443\\/a?key=" + key + "&v=1\"}");
  const Endpoint* e = endpoint(f, "url", "https://bob:***@cdn.myhost.com:8443/a?key=AIza***&v=1");
  REQUIRE(e);
  CHECK(e->port == 8443);
  std::string j = dump(f);
  CHECK(j.find(key) == std::string::npos);
  CHECK(j.find("hunter2") == std::string::npos);
  REQUIRE(secret(f, "google_api_key"));
  CHECK(secret(f, "google_api_key")->masked == "AIzaSyA1****");
}

TEST_CASE("secrets of known formats and named high-entropy values, masked everywhere") {
  const std::string aws = "AKIAIOSFODNN7EXAMPL3";
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  const std::string stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
  const std::string slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
  const std::string named = "8f3kZ9qLmT2vX7pR4wY1c6Nb";
  const std::string xml_named = "Zr7Qp2Lx9Vb4Nm8Kc1Wd5Hs3";
  std::string text = "aws=" + aws + "\ntoken: \"" + jwt + "\"\nstripe=" + stripe + "\nslack " + slack +
                     "\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAxyz\n-----END RSA PRIVATE KEY-----\n"
                     "api_secret=" + named + "\n<string name=\"stripe_token\">" + xml_named + "</string>\n"
                     "password=your_password_here_123\nclient_secret=${CLIENT_SECRET_VALUE}\n";
  auto f = analyze_text(text, {}, "assets/config.properties");
  REQUIRE(secret(f, "aws_access_key_id"));
  CHECK(secret(f, "aws_access_key_id")->masked == "AKIAI****");
  REQUIRE(secret(f, "jwt"));
  CHECK(secret(f, "jwt")->masked == "eyJhbGci****");
  REQUIRE(secret(f, "stripe_key"));
  CHECK(secret(f, "stripe_key")->confidence == "high");
  REQUIRE(secret(f, "slack_token"));
  REQUIRE(secret(f, "private_key"));
  CHECK(secret(f, "private_key")->masked == "-----BEGIN RSA PRIVATE KEY----- ****");
  CHECK(secret(f, "private_key")->evidence.at(0).location == "line 5:1");
  size_t named_count = 0;
  for (const auto& s : f.secrets)
    if (s.type == "named_secret") {
      ++named_count;
      CHECK((s.name == "api_secret" || s.name == "stripe_token"));
      CHECK(s.confidence == "medium");
    }
  CHECK(named_count == 2);  // placeholders are not secrets
  std::string j = dump(f);
  for (const auto& v : {aws, jwt, stripe, slack, named, xml_named, std::string("MIIEpAIBAAKCAQEAxyz")})
    CHECK(j.find(v) == std::string::npos);
}

TEST_CASE("one list of secret names: what the named_secret pattern matches is kept, in code, XML, resources and URLs") {
  // Names the pattern has always matched but a second, shorter list then dropped (access.key,
  // private-key), and one only the XML check knew (client_key).
  const std::string v1 = "Qm8Zt3Lp9Xc2Vb7Nk4Wr1Hy6", v2 = "Jd5Rs8Tq2Wm7Zx4Lc9Vb3Nh1", v3 = "Pk2Lm9Qw4Zr7Xt3Nc8Vb5Hd6";
  const std::string v4 = "Gf7Hj2Kl9Mn4Pq8Rs3Tv6Wx1";
  auto f = analyze_text("s3.access.key=" + v1 + "\nupload.private-key: \"" + v2 + "\"\n<string name=\"oauth_client_key\">" +
                        v3 + "</string>\nsdk.client_key=" + v4 +
                        "\nGET https://api.example-vendor.com/v1/push?access_key=" + v1 + "&lang=en\n");
  std::set<std::string> names;
  for (const auto& s : f.secrets)
    if (s.type == "named_secret") names.insert(s.name);
  CHECK(names == std::set<std::string>{"s3.access.key", "upload.private-key", "oauth_client_key", "sdk.client_key"});
  // As a URL parameter the same name is a credential, masked in the endpoint.
  CHECK(endpoint(f, "url", "https://api.example-vendor.com/v1/push?access_key=Qm8Z***&lang=en"));
  std::string j = dump(f);
  for (const auto& v : {v1, v2, v3, v4}) CHECK(j.find(v) == std::string::npos);
}

TEST_CASE("the leaky fixture: every origin, owners, jurisdictions and masking") {
  auto leaky = leaky_app();
  if (!leaky) return;
  AppPackage& app = *leaky;
  AnomalySink& sink = app.anomalies();
  auto corpus = dex::load_dex_corpus(app, sink, {}, 1);
  auto f = analyze_strings(app, corpus.get(), nullptr, nullptr, sink);

  // DEX origin, with the method that loads the string.
  const Endpoint* tt = endpoint(f, "url", "https://api.tiktokv.com/aweme/v1/device/register/");
  REQUIRE(tt);
  CHECK(tt->owner->id == "bytedance");
  CHECK(tt->jurisdiction == "CN");
  CHECK(has(tt->jurisdiction_groups, "intelligence_cooperation_laws"));
  CHECK(tt->origins.count("dex"));
  REQUIRE_FALSE(tt->evidence.empty());
  CHECK(tt->evidence[0].file == "classes.dex");
  CHECK(tt->evidence[0].location == "Lgov/test/leaky/NetClient;->okhttpPost()V @0xa");

  const Endpoint* fb = endpoint(f, "url", "https://graph.facebook.com/v12.0/me/friends");
  REQUIRE(fb);
  CHECK(fb->owner->id == "meta");
  CHECK(fb->jurisdiction == "US");

  // resources.arsc origin, named by its resource.
  const Endpoint* log = endpoint(f, "url", "https://log.byteoversea.com/service/2/app_log/");
  REQUIRE(log);
  CHECK(log->owner->id == "bytedance");
  CHECK(log->origins.count("resources"));
  CHECK(log->evidence.at(0).location == "@string/log_endpoint");

  // Asset JS bundle origin (React Native), with line and column.
  const Endpoint* ya = endpoint(f, "url", "https://mc.yandex.ru/watch/90000001");
  REQUIRE(ya);
  CHECK(ya->owner->id == "yandex");
  CHECK(ya->jurisdiction == "RU");
  CHECK(ya->evidence.at(0).file == "assets/index.android.bundle");
  CHECK(ya->evidence.at(0).location == "line 3:16");

  // The e-mail address, and the planted cleartext/IP endpoints on reserved names set aside with the reason.
  CHECK(endpoint(f, "email", "exfil@leakyapp.net"));
  REQUIRE(aside(f, "http://cleartext.example.org/collect?device="));
  CHECK(aside(f, "http://cleartext.example.org/collect?device=")->reason == "reserved_example_domain");
  REQUIRE(aside(f, "http://203.0.113.7:8080/upload"));
  CHECK(aside(f, "http://203.0.113.7:8080/upload")->reason == "documentation_address");

  // Secrets, masked, with DEX evidence.
  for (const char* type : {"google_api_key", "aws_access_key_id", "jwt", "private_key", "firebase_database_url"}) {
    CAPTURE(type);
    REQUIRE(secret(f, type));
    CHECK(secret(f, type)->origins.count("dex"));
  }
  CHECK(secret(f, "google_api_key")->masked == "AIzaSyFA****");
  CHECK(secret(f, "aws_access_key_id")->masked == "AKIAF****");
  CHECK(secret(f, "firebase_database_url")->masked == "https://leaky-fixture.firebaseio.com");
  REQUIRE_FALSE(secret(f, "firebase_database_url")->evidence.empty());
  CHECK(secret(f, "firebase_database_url")->evidence[0].location == "Lgov/test/leaky/Secrets;->all()V @0x19");
  std::string j = dump(f);
  CHECK(j.find("AIzaSyFAKEfixtureKEY") == std::string::npos);
  CHECK(j.find("AKIAFAKE0000TEST1234") == std::string::npos);
  CHECK(j.find("MIIEpAIBAAKCAQEAfake") == std::string::npos);
  CHECK(j.find("eyJzdWIiOiJhcGt2ZXQtZml4dHVyZSIs") == std::string::npos);
}

TEST_CASE("native library literals keep their file offset") {
  std::string path = test::fixture("native/native-vet.apk");
  if (!std::filesystem::exists(path)) {
    MESSAGE("fixture not built: " << path);
    return;
  }
  AppPackage app(path);
  auto f = analyze_strings(app, nullptr, nullptr, nullptr, app.anomalies());
  CHECK(f.strings_by_origin.count("native"));
  const SetAside* c2 = aside(f, "https://c2.rodata-endpoint.test/api/v1/beacon");
  REQUIRE(c2);  // .test is a reserved name: set aside, with where it was seen
  CHECK(c2->reason == "reserved_example_domain");
  // The first place it was seen: an ELF hidden in assets/ or one under lib/, both read as native.
  CHECK((c2->evidence.file == "assets/payload.dat" || c2->evidence.file.rfind("lib/", 0) == 0));
  CHECK(c2->evidence.location.rfind("offset 0x", 0) == 0);
  CHECK(c2->occurrences >= 2);
}

TEST_CASE("strings hidden outside the DEX string table are read (corpus malware: byte-array URLs)") {
  std::string path = test::corpus_dir() + "/apks/135d6acff3ca27e6.apk";  // android-malware braintest/ghostpush
  if (!std::filesystem::exists(path)) return;
  AppPackage app(path);
  auto f = analyze_strings(app, nullptr, nullptr, nullptr, app.anomalies());
  const Endpoint* e = endpoint(f, "url", "http://52.10.211.223/logcat/log");
  REQUIRE(e);  // not a string_data item: bytes inside the code section
  CHECK(e->cleartext);
  CHECK(e->origins.count("binary"));
  CHECK(e->evidence.at(0).file == "classes.dex");
  CHECK(e->evidence.at(0).location == "offset 0x5470");
  if (f.geoip.kind != "none") CHECK(e->ip_country == "US");
  CHECK(endpoint(f, "url", "http://ipinfo.io/json"));
}

TEST_CASE("a DEX file whose string table the model cannot read still gives up its strings, as printable runs with offsets") {
  auto leaky = leaky_app();
  if (!leaky) return;
  AppPackage& app = *leaky;
  auto dex = app.base().zip->read("classes.dex");
  REQUIRE(dex);
  const std::string url = "https://api.tiktokv.com/aweme/v1/device/register/";
  // Two damages: string_ids_off (header offset 0x3c) pointed past the end, so no string id can be
  // read (the parser keeps going, with a dex.section_out_of_bounds anomaly and no strings); and a
  // version that is not digits ("dex\n0x5"), so the model cannot use the file at all.
  std::vector<uint8_t> no_table(dex->begin(), dex->end()), no_header(dex->begin(), dex->end());
  uint32_t past_end = uint32_t(no_table.size() + 0x1000);
  std::memcpy(no_table.data() + 0x3c, &past_end, 4);
  no_header[5] = 'x';
  const std::vector<uint8_t>* variants[] = {nullptr, &no_table, &no_header};
  for (const std::vector<uint8_t>* damaged : variants) {
    bool damage = damaged != nullptr;
    CAPTURE(damage);
    AnomalySink sink;
    dex::DexCorpus corpus;
    corpus.add(dex::DexFile::parse(damage ? Bytes(*damaged) : *dex, "classes.dex", sink));
    corpus.index();
    REQUIRE(corpus.files().size() == 1);
    const dex::DexFile& parsed = *corpus.files()[0];
    CHECK(parsed.usable() == (damaged != &no_header));
    CHECK((parsed.usable() && parsed.string_count() == parsed.header().string_ids_size) == !damage);
    AppStringPool pool;
    add_dex_corpus_strings(corpus, pool);
    auto [found, at] = find_in_pool(pool, url);
    REQUIRE(found);
    const StringSource& src = pool.sources()[found->source];
    CHECK(src.file == "classes.dex");
    if (!damage) {
      CHECK(src.origin == StringOrigin::dex);
      CHECK(pool.location(*found, at).rfind("string_id 0x", 0) == 0);
    } else {
      CHECK(src.origin == StringOrigin::binary);
      // The offset names where the URL's bytes are in the file.
      size_t offset = found->where + at;
      CHECK(std::string_view(reinterpret_cast<const char*>(damaged->data()) + offset, url.size()) == url);
      CHECK(pool.location(*found, at) == "offset 0x" + [&] {
        char b[32];
        std::snprintf(b, sizeof b, "%zx", offset);
        return std::string(b);
      }());
    }
  }
}

TEST_CASE("resources.arsc or binary XML whose string pool cannot be read still give up their strings, as printable runs") {
  auto leaky = leaky_app();
  if (!leaky) return;
  AppPackage& app = *leaky;
  // The first string pool of each file (right after the file's own header) gets a header size below
  // a pool header's, which Android's ResStringPool refuses too. The manifest's pool is UTF-16, the
  // other two UTF-8.
  struct Case {
    std::string entry, text;
    StringOrigin intact;
    bool utf16;
  };
  for (const Case& c : {Case{"resources.arsc", "https://log.byteoversea.com/service/2/app_log/", StringOrigin::resources, false},
                        Case{"res/xml/network_security_config.xml", "graph.facebook.com", StringOrigin::binary_xml, false},
                        Case{"AndroidManifest.xml", "android.permission.READ_CONTACTS", StringOrigin::binary_xml, true}}) {
    CAPTURE(c.entry);
    auto bytes = app.base().zip->read(c.entry);
    REQUIRE(bytes);
    std::vector<uint8_t> damaged(bytes->begin(), bytes->end());
    size_t pool_at = size_t(damaged[2]) | size_t(damaged[3]) << 8;  // the file header's size
    REQUIRE(damaged[pool_at] == 0x01);                                // RES_STRING_POOL_TYPE
    CHECK(bool(damaged[pool_at + 17] & 0x01) == !c.utf16);           // the pool's UTF-8 flag (0x100)
    damaged[pool_at + 2] = 8;
    for (bool damage : {false, true}) {
      CAPTURE(damage);
      Bytes data = damage ? Bytes(damaged) : *bytes;
      AppStringPool pool;
      if (c.intact == StringOrigin::resources) add_arsc_strings(c.entry, data, pool);
      else add_binary_xml_strings(c.entry, data, pool);
      auto [found, at] = find_in_pool(pool, c.text);
      REQUIRE(found);
      StringOrigin origin = pool.sources()[found->source].origin;
      CHECK(pool.sources()[found->source].file == c.entry);
      if (!damage) {
        CHECK(origin == c.intact);
        continue;
      }
      CHECK(origin == (c.utf16 ? StringOrigin::binary_utf16 : StringOrigin::binary));
      // The location names the offset of the text's first byte in the file.
      std::string location = pool.location(*found, at);
      REQUIRE(location.rfind("offset 0x", 0) == 0);
      size_t offset = std::stoul(location.substr(9), nullptr, 16);
      std::string stored;
      for (size_t i = 0; i < c.text.size(); ++i) stored += char(damaged.at(offset + (c.utf16 ? 2 * i : i)));
      CHECK(stored == c.text);
      if (c.utf16) CHECK(damaged.at(offset + 1) == 0);
    }
  }
}

TEST_CASE("DEX strings carry the code that loads them: at most N places each, distinct, the first ones in code order") {
  // The oracle is the DEX model's own list of const-string uses, walked in code order.
  auto apks = test::corpus_apks();
  if (apks.empty()) return;
  size_t checked_files = 0, strings_with_users = 0, capped = 0;
  for (const auto& p : apks) {
    auto app = open_app(p.string());
    if (!app) continue;
    auto corpus = dex::load_dex_corpus(*app, app->anomalies(), {}, 1);
    if (!corpus) continue;
    AppStringPool pool;
    add_dex_corpus_strings(*corpus, pool);
    const size_t cap = pool.limits().max_users_per_string;
    // Pool strings of each DEX source, by string id.
    std::map<std::string, const dex::DexFile*> by_path;
    for (const auto& f : corpus->files())
      if (f && f->usable() && !f->section()) by_path[f->path()] = f.get();
    for (const PooledString& s : pool.strings()) {
      const auto& src = pool.sources()[s.source];
      if (src.origin != StringOrigin::dex || !by_path.count(src.file)) continue;
      const dex::DexFile& file = *by_path[src.file];
      auto methods = file.methods();
      std::vector<std::pair<uint32_t, uint32_t>> expected;  // (method id, pc), distinct, code order
      size_t distinct = 0;
      for (const dex::StringUse& u : file.string_uses()) {
        if (u.string_idx != s.where || u.caller >= methods.size()) continue;
        std::pair<uint32_t, uint32_t> place{methods[u.caller].method_idx, u.pc};
        if (std::find(expected.begin(), expected.end(), place) != expected.end()) continue;
        ++distinct;
        if (expected.size() < cap) expected.push_back(place);
      }
      std::vector<std::pair<uint32_t, uint32_t>> got;
      for (uint32_t u = s.users_begin; u < s.users_end; ++u) {
        const StringUser& user = pool.users()[u];
        CHECK(user.file == &file);
        got.push_back({methods[user.method].method_idx, user.pc});
      }
      CHECK(got == expected);
      if (!got.empty()) ++strings_with_users;
      if (distinct > cap) ++capped;
    }
    ++checked_files;
  }
  CHECK(checked_files > 100);
  CHECK(strings_with_users > 50000);
  CHECK(capped > 100);  // the cap is exercised
}

TEST_CASE("every corpus APK: the strings facts are produced and deterministic") {
  auto apks = test::corpus_apks();
  if (apks.empty()) return;
  size_t analysed = 0, with_endpoints = 0;
  for (const auto& p : apks) {
    CAPTURE(p.string());
    auto app = open_app(p.string());
    if (!app) continue;  // not readable as an app at all: the archive tests cover it
    auto a = analyze_strings(*app, nullptr, nullptr, nullptr, app->anomalies());
    std::string ja = dump(a);
    if (analysed % 10 == 0) {  // determinism, on every tenth file to keep the test short
      auto b = analyze_strings(*app, nullptr, nullptr, nullptr, app->anomalies());
      CHECK(ja == dump(b));
    }
    ++analysed;
    if (!a.endpoints.empty()) ++with_endpoints;
  }
  CHECK(analysed > 100);
  CHECK(with_endpoints > 20);
}

TEST_CASE("nested and clean fixtures: a DEX inside an asset JAR keeps its nested path, nothing in a clean app") {
  std::string nested = test::fixture("nested.apk"), clean = test::fixture("clean.apk");
  if (!std::filesystem::exists(nested) || !std::filesystem::exists(clean)) {
    MESSAGE("fixtures not built");
    return;
  }
  AppPackage app(nested);
  auto corpus = dex::load_dex_corpus(app, app.anomalies(), {}, 1);
  auto f = analyze_strings(app, corpus.get(), nullptr, nullptr, app.anomalies());
  const Endpoint* e = endpoint(f, "url", "https://plugin.tiktokv.com/collect");
  REQUIRE(e);
  CHECK(e->owner->id == "bytedance");
  CHECK(e->evidence.at(0).file == "assets/plugin.jar!classes.dex");
  CHECK(e->evidence.at(0).location.rfind("Lgov/test/plugin/Plugin;->run(", 0) == 0);

  AppPackage capp(clean);
  auto c = analyze_strings(capp, nullptr, nullptr, nullptr, capp.anomalies());
  CHECK(c.endpoints.empty());
  CHECK(c.secrets.empty());
}

// Not run by default: tools/bench-strings.sh runs it (string pool + endpoint extraction per corpus APK).
TEST_CASE("benchmark: string pool and endpoint extraction per corpus APK" * doctest::skip()) {
  // CPU time of this thread (the machine may be shared: wall time is printed too, but CPU time is the
  // figure to compare).
  auto cpu_ms = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  };
  using clock = std::chrono::steady_clock;
  auto wall_ms = [](clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::vector<std::filesystem::path> apks = test::corpus_apks();
  if (const char* only = std::getenv("APKVET_BENCH_FILES"); only && *only) {
    apks.clear();
    std::string list = only;
    for (size_t a = 0, b; a < list.size(); a = b + 1) {
      b = list.find(':', a);
      if (b == std::string::npos) b = list.size();
      apks.emplace_back(list.substr(a, b - a));
    }
  }
  double c0 = cpu_ms();
  (void)analyze_string_pool(AppStringPool(), {});  // compile the Hyperscan databases, load rules, PSL, GeoIP
  std::printf("# one-time setup (Hyperscan compile, rules, PSL, GeoIP): %.1f ms CPU\n", cpu_ms() - c0);
  std::printf("file\tbytes\tpool_strings\tpool_bytes\tpool_cpu_ms\textract_cpu_ms\twall_ms\tendpoints\tset_aside\tsecrets\n");
  double pool_total = 0, extract_total = 0, wall_total = 0;
  size_t n = 0;
  for (const auto& p : apks) {
    auto app = open_app(p.string());
    if (!app) continue;
    auto w0 = clock::now();
    double t0 = cpu_ms();
    AppStringPool pool;
    build_string_pool(*app, nullptr, pool, app->anomalies());
    double t1 = cpu_ms();
    auto f = analyze_string_pool(pool, {});
    double t2 = cpu_ms();
    double wall = wall_ms(clock::now() - w0);
    pool_total += t1 - t0;
    extract_total += t2 - t1;
    wall_total += wall;
    ++n;
    size_t aside_total = 0;
    for (const auto& [r, k] : f.set_aside_counts) aside_total += k;
    std::printf("%s\t%llu\t%zu\t%llu\t%.2f\t%.2f\t%.1f\t%zu\t%zu\t%zu\n", p.filename().c_str(),
                static_cast<unsigned long long>(std::filesystem::file_size(p)), pool.strings().size(),
                static_cast<unsigned long long>(pool.bytes()), t1 - t0, t2 - t1, wall, f.endpoints.size(), aside_total,
                f.secrets.size());
  }
  std::printf("TOTAL\t%zu apks\t\t\t%.1f\t%.1f\t%.1f\n", n, pool_total, extract_total, wall_total);
}

namespace {
// strings(1) the plain way: every run of printable ASCII or tab of at least `min_run` bytes.
std::vector<std::pair<uint64_t, std::string>> printable_runs_reference(const std::vector<uint8_t>& data, size_t min_run) {
  std::vector<std::pair<uint64_t, std::string>> out;
  size_t i = 0;
  while (i < data.size()) {
    auto printable = [](uint8_t c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; };
    while (i < data.size() && !printable(data[i])) ++i;
    size_t start = i;
    while (i < data.size() && printable(data[i])) ++i;
    if (i - start >= min_run) out.emplace_back(start, std::string(data.begin() + long(start), data.begin() + long(i)));
  }
  return out;
}

std::vector<std::pair<uint64_t, std::string>> printable_runs(const std::vector<uint8_t>& data, uint64_t base = 0,
                                                            size_t min_run = PoolLimits{}.min_run) {
  PoolLimits limits;
  limits.min_run = min_run;
  AppStringPool pool(limits);
  pool.add_printable_runs(pool.add_source(StringOrigin::binary, "lib.so"), Bytes(data.data(), data.size()), base);
  std::vector<std::pair<uint64_t, std::string>> out;
  for (const auto& s : pool.strings()) out.emplace_back(s.where - base, std::string(s.text));
  return out;
}
}  // namespace

TEST_CASE("printable runs are found at every length and across every 64-byte block edge, as strings(1) finds them") {
  // Runs ending, starting and spanning at the block edges, bytes just outside the printable range
  // (0x1f, 0x7f, 0x80, 0xff, 0x0a) and tabs inside runs.
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
  const uint8_t kEdges[] = {0x00, 0x09, 0x0a, 0x1f, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0xe9, 0xff};
  for (size_t size = 0; size < 300; ++size) {
    for (int round = 0; round < 6; ++round) {
      std::vector<uint8_t> data(size);
      // Alternate long printable stretches with short gaps, so runs of every length meet the edges.
      // (Round 4: rarer gaps, for runs of 60 to 150 bytes.)
      const uint32_t gap = round == 4 ? 90 : 7;
      for (size_t i = 0; i < size; ++i)
        data[i] = (next() % gap == 0) ? kEdges[next() % std::size(kEdges)] : uint8_t(0x20 + next() % 95);
      if (round == 5) std::fill(data.begin(), data.end(), uint8_t('A'));  // one run the whole length
      INFO("size " << size << " round " << round);
      REQUIRE(printable_runs(data, 0x1000) == printable_runs_reference(data, PoolLimits{}.min_run));
      // The walk looks min_run bytes ahead (into the next block, too) for where a run worth keeping
      // starts: other lengths, up to and past a block's 64 bytes.
      for (size_t min_run : {size_t(1), size_t(2), size_t(8), size_t(63), size_t(64), size_t(65), size_t(130)}) {
        INFO("min_run " << min_run);
        REQUIRE(printable_runs(data, 0x1000, min_run) == printable_runs_reference(data, min_run));
      }
    }
  }
  // Real binaries: every native library of the corpus APKs that carry some.
  size_t libraries = 0;
  for (const auto& apk : test::corpus_apks()) {
    if (libraries >= 12) break;
    std::unique_ptr<AppPackage> app;
    try {
      app = std::make_unique<AppPackage>(apk.string());
    } catch (const std::exception&) {
      continue;
    }
    for (const auto& part : app->parts())
      for (const auto& e : part.zip->entries()) {
        if (e.name.rfind("lib/", 0) != 0 || e.name.size() < 4 || e.name.substr(e.name.size() - 3) != ".so") continue;
        auto bytes = part.zip->read(e);
        if (!bytes) continue;
        std::vector<uint8_t> data(bytes->begin(), bytes->end());
        INFO(apk << "!" << e.name);
        CHECK(printable_runs(data) == printable_runs_reference(data, PoolLimits{}.min_run));
        ++libraries;
      }
  }
  CHECK(libraries >= 12);
}
