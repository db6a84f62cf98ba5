// libpcap, loaded when the first capture file is read instead of linked into every apkvet process:
// linked, its dependency chain (libdbus, libsystemd, libgcrypt, liblz4, libzstd, libcap...) cost each
// process ~2.4 ms of start-up, paid by every scan although only `apkvet traffic` reads captures.
#pragma once
#include <pcap/pcap.h>

namespace apkvet::traffic {

// The libpcap functions apkvet calls, resolved from the shared library on first use.
struct PcapLibrary {
  decltype(&pcap_open_offline_with_tstamp_precision) open_offline_with_tstamp_precision = nullptr;
  decltype(&pcap_datalink) datalink = nullptr;
  decltype(&pcap_datalink_val_to_name) datalink_val_to_name = nullptr;
  decltype(&pcap_next_ex) next_ex = nullptr;
  decltype(&pcap_geterr) geterr = nullptr;
  decltype(&pcap_close) close = nullptr;
};

// Loads libpcap once per process (thread-safe). Throws std::runtime_error naming the library and
// the loader's reason when it is missing or lacks a function.
const PcapLibrary& pcap_library();

}  // namespace apkvet::traffic
