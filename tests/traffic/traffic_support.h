// Helpers for the traffic tests: run the analyzer over fixture captures, read expected.json, and
// re-frame real captured packets (other link types, split/shuffled TCP segments).
#pragma once
#include <doctest/doctest.h>
#include <pcap/pcap.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "strings/owners.h"
#include "test_support.h"
#include "traffic/traffic_analysis.h"

namespace apkvet::test {

inline std::string traffic_fixture(const std::string& name) { return fixtures_dir() + "/traffic/" + name; }

inline traffic::DeviceProfile device() { return traffic::load_device_profile(traffic_fixture("device.json")); }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The fixture captures (each must be readable), with the TLS secrets `key_log_text` when given.
inline traffic::TrafficFacts analyze_with_secrets(const std::vector<std::string>& files, const std::string& key_log_text) {
  traffic::TrafficAnalyzer a(device());
  if (!key_log_text.empty()) a.add_tls_key_log(key_log_text);
  for (const auto& f : files) CHECK(a.add_file(traffic_fixture(f)));
  return a.finish(OwnerRules::builtin().get());
}

// The same with the TLS key log `key_log` (a fixture file name) when given.
inline traffic::TrafficFacts analyze(const std::vector<std::string>& files, const std::string& key_log = "") {
  return analyze_with_secrets(files, key_log.empty() ? "" : read_text(traffic_fixture(key_log)));
}

using LeakKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
inline LeakKey key(const traffic::Leak& l) { return {l.identifier, l.encoding, l.host, l.location, l.field}; }
inline std::set<LeakKey> keys(const traffic::TrafficFacts& f) {
  std::set<LeakKey> out;
  for (const auto& l : f.leaks) out.insert(key(l));
  return out;
}

inline Json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

// The output lines of `tshark -r CAPTURE ARGS` (fields mode), empty when tshark is not available.
inline std::vector<std::string> tshark_lines(const std::string& capture, const std::string& args) {
  std::vector<std::string> lines;
  std::istringstream out(run_command("tshark -r " + traffic_fixture(capture) + " " + args + " 2>/dev/null"));
  for (std::string line; std::getline(out, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// A TLS key log fixture with every secret damaged in its last hex digit.
inline std::string damaged_key_log(const std::string& name) {
  std::string text = read_text(traffic_fixture(name));
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1))
    if (at > 0) text[at - 1] = text[at - 1] == '0' ? '1' : '0';
  return text;
}

struct Frame {
  int linktype;
  int64_t time_us;
  std::vector<uint8_t> bytes;
};

// Every packet of a capture file, read with libpcap.
inline std::vector<Frame> read_frames(const std::string& path) {
  std::vector<Frame> out;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* h = pcap_open_offline(path.c_str(), err);
  if (!h) return out;
  int lt = pcap_datalink(h);
  pcap_pkthdr* hdr;
  const u_char* data;
  while (pcap_next_ex(h, &hdr, &data) == 1)
    out.push_back(Frame{lt, int64_t(hdr->ts.tv_sec) * 1000000 + hdr->ts.tv_usec, std::vector<uint8_t>(data, data + hdr->caplen)});
  pcap_close(h);
  return out;
}

inline traffic::TrafficFacts analyze_frames(const std::vector<Frame>& frames) {
  traffic::TrafficAnalyzer a(device());
  a.begin_capture("frames", "test");
  for (const auto& f : frames) a.add_packet(f.linktype, f.time_us, Bytes(f.bytes.data(), f.bytes.size()));
  a.end_capture();
  return a.finish(OwnerRules::builtin().get());
}

}  // namespace apkvet::test
