#include "traffic/pcap_library.h"

#include "core/shared_library.h"

namespace apkvet::traffic {

const PcapLibrary& pcap_library() {
  // APKVET_LIBPCAP_SONAME is the SONAME of the libpcap found at configure time (analyzer/CMakeLists.txt).
  return load_functions<PcapLibrary>(APKVET_LIBPCAP_SONAME, "libpcap", [](const SharedLibrary& so, PcapLibrary& lib) {
    so.resolve(lib.open_offline_with_tstamp_precision, "pcap_open_offline_with_tstamp_precision");
    so.resolve(lib.datalink, "pcap_datalink");
    so.resolve(lib.datalink_val_to_name, "pcap_datalink_val_to_name");
    so.resolve(lib.next_ex, "pcap_next_ex");
    so.resolve(lib.geterr, "pcap_geterr");
    so.resolve(lib.close, "pcap_close");
  });
}

}  // namespace apkvet::traffic
