// Every canary the fixture scripts sent (tools/make-traffic-fixtures.sh: curl, openssl s_client,
// dig + dnsmasq, recorded by tcpdump) is found with its encoding, host, owner and place in the
// message; nothing else is reported.
#include <doctest/doctest.h>

#include "traffic_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

// Compares the leaks found in `capture` with `expected` (written by the fixture driver): the same set,
// and each with the expected owner, transport and server address.
void check_expected(const std::string& capture, const std::string& expected_file, const std::string& key_log = "") {
  traffic::TrafficFacts f = analyze({capture}, key_log);
  Json expected = read_json(traffic_fixture(expected_file));
  REQUIRE(expected.size() > 0);
  std::set<LeakKey> want;
  for (const auto& e : expected) {
    LeakKey k{e["identifier"], e["encoding"], e["host"], e["location"], e.value("field", "")};
    want.insert(k);
    const traffic::Leak* found = nullptr;
    for (const auto& l : f.leaks)
      if (key(l) == k) found = &l;
    INFO(capture << ": " << std::get<0>(k) << " " << std::get<1>(k) << " -> " << std::get<2>(k) << " in "
                 << std::get<3>(k) << " " << std::get<4>(k));
    REQUIRE(found != nullptr);
    CHECK(found->transport == e["transport"].get<std::string>());
    if (e["owner"].is_null()) CHECK(found->owner.empty());
    else CHECK(found->owner == e["owner"].get<std::string>());
    if (e.contains("ip")) CHECK(found->ip == e["ip"].get<std::string>());
    CHECK(found->packet > 0);
    CHECK(!found->time.empty());
    CHECK(found->party == "third");
  }
  for (const auto& l : f.leaks) {
    INFO("unexpected leak: " << l.identifier << " " << l.encoding << " -> " << l.host << " " << l.location << " "
                             << l.field << ": " << l.snippet);
    CHECK(want.count(key(l)) == 1);
  }
}

}  // namespace

TEST_CASE("every canary in every encoding over HTTP is found with host and owner") {
  check_expected("http-canaries.pcap", "http-canaries.expected.json");
  // The fixture covers each identifier type and each encoding at least once.
  Json expected = read_json(traffic_fixture("http-canaries.expected.json"));
  std::set<std::string> ids, encs, places;
  for (const auto& e : expected) ids.insert(e["identifier"]), encs.insert(e["encoding"]), places.insert(e["location"]);
  CHECK(ids.size() == 16);
  for (const char* enc : {"plain", "url", "json", "base64", "base64url", "hex", "md5", "sha1", "sha256", "decimal"})
    CHECK_MESSAGE(encs.count(enc), std::string(enc));
  for (const char* p : {"path", "query", "header", "cookie", "body"}) CHECK_MESSAGE(places.count(p), std::string(p));
}

TEST_CASE("IPv6 over the loopback address in a pcapng file") { check_expected("ipv6.pcapng", "ipv6.expected.json"); }

TEST_CASE("HAR from a TLS-intercepting proxy counts as TLS") { check_expected("proxy.har", "proxy.expected.json"); }

TEST_CASE("TLS ClientHello SNI names the host and an identifier inside the SNI is a leak") {
  traffic::TrafficFacts f = analyze({"tls-sni.pcap"});
  REQUIRE(f.captures.size() == 1);
  CHECK(f.captures[0].tls_client_hellos == 2);
  bool named = false;
  for (const auto& h : f.hosts) named = named || (h.host == "log.tiktokv.com" && h.sources.count("sni"));
  CHECK(named);
  REQUIRE(f.leaks.size() == 1);
  const auto& l = f.leaks[0];
  CHECK(l.identifier == "imei");
  CHECK(l.location == "sni");
  CHECK(l.transport == "tls");
  CHECK(l.host == "356938035643809.device.byteoversea.com");
  CHECK(l.owner == "bytedance");
  CHECK(l.jurisdiction == "CN");
}

TEST_CASE("DNS answers name raw TCP and UDP destinations - an identifier in a query name is a leak") {
  traffic::TrafficFacts f = analyze({"dns-raw.pcap"});
  CHECK(f.dns_names["127.0.0.2"] == "alog.umeng.com");
  CHECK(f.dns_names["127.0.0.3"] == "report.appmetrica.yandex.net");
  std::set<LeakKey> want = {
      {"imei", "plain", "alog.umeng.com", "payload", ""},
      {"android_id", "plain", "report.appmetrica.yandex.net", "payload", ""},
      {"imei", "hex", "333536393338303335363433383039.t.qq.com", "dns_query", ""},
  };
  CHECK(keys(f) == want);
  for (const auto& l : f.leaks) {
    if (l.location == "payload") CHECK(l.host_source == "dns");
    CHECK(!l.owner.empty());
  }
}

TEST_CASE("clean traffic and near misses raise nothing") {
  traffic::TrafficFacts f = analyze({"clean.pcap"});
  REQUIRE(f.captures[0].http_requests >= 14);  // the requests were decoded, not skipped
  for (const auto& l : f.leaks) INFO(l.identifier << " " << l.encoding << ": " << l.snippet);
  CHECK(f.leaks.empty());
}
