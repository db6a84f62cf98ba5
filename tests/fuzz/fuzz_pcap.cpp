// Fuzzes packet decoding and TCP reassembly: a pcap/pcapng file (read by libpcap from memory) or, for
// other inputs, a list of frames [link-type selector][u16 length][frame]... fed to the analyzer with
// two canaries, through HTTP/DNS/TLS decoding (TLS decrypted with the secrets a pcapng carries) and the
// canary scan.
#include <pcap/pcap.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "traffic/tls_keylog.h"
#include "traffic/traffic_analysis.h"

namespace {
const apkvet::traffic::DeviceProfile& profile() {
  static const auto p = apkvet::traffic::parse_device_profile(
      R"({"imei": "356938035643809", "android_id": "9774d56d682e549c", "gps": {"lat": 52.52, "lon": 13.405}})");
  return p;
}
constexpr int kLinkTypes[] = {0, 1, 12, 101, 108, 113, 228, 229, 276};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto matcher = std::make_shared<const apkvet::traffic::CanaryMatcher>(profile());
  apkvet::traffic::TrafficAnalyzer analyzer(profile(), matcher);
  // TLS secrets carried by a pcapng (Decryption Secrets Blocks): the fixture that has them takes the
  // fuzzer through TLS record decryption, HTTP/2 framing and HPACK.
  for (const auto& log : apkvet::traffic::pcapng_tls_key_logs(std::string_view(reinterpret_cast<const char*>(data), size)))
    analyzer.add_tls_key_log(log);
  if (size >= 4 && (data[0] == 0xD4 || data[0] == 0xA1 || data[0] == 0x0A || data[0] == 0x4D)) {
    if (FILE* f = fmemopen(const_cast<uint8_t*>(data), size, "rb")) {
      char err[PCAP_ERRBUF_SIZE];
      if (pcap_t* h = pcap_fopen_offline(f, err)) {  // takes ownership of f
        analyzer.begin_capture("fuzz", "pcap");
        int lt = pcap_datalink(h);
        pcap_pkthdr* hdr;
        const u_char* pkt;
        while (pcap_next_ex(h, &hdr, &pkt) == 1) analyzer.add_packet(lt, hdr->ts.tv_sec, apkvet::Bytes(pkt, hdr->caplen));
        pcap_close(h);
      } else {
        fclose(f);
      }
    }
  } else if (size > 0) {
    int lt = kLinkTypes[data[0] % (sizeof kLinkTypes / sizeof kLinkTypes[0])];
    analyzer.begin_capture("fuzz", "frames");
    size_t at = 1;
    int64_t t = 0;
    while (at + 2 <= size) {
      size_t n = size_t(data[at]) << 8 | data[at + 1];
      at += 2;
      if (n > size - at) n = size - at;
      analyzer.add_packet(lt, ++t, apkvet::Bytes(data + at, n));
      at += n;
    }
  }
  (void)analyzer.finish(nullptr);
  return 0;
}
