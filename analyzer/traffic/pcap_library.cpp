#include "traffic/pcap_library.h"

#include "core/shared_library.h"

namespace apkvet::traffic {

namespace {

PcapLibrary load() {
  // APKVET_LIBPCAP_SONAME is the SONAME of the libpcap found at configure time (analyzer/CMakeLists.txt).
  SharedLibrary so(APKVET_LIBPCAP_SONAME, "libpcap");
  PcapLibrary lib;
  so.resolve(lib.open_offline_with_tstamp_precision, "pcap_open_offline_with_tstamp_precision");
  so.resolve(lib.datalink, "pcap_datalink");
  so.resolve(lib.datalink_val_to_name, "pcap_datalink_val_to_name");
  so.resolve(lib.next_ex, "pcap_next_ex");
  so.resolve(lib.geterr, "pcap_geterr");
  so.resolve(lib.close, "pcap_close");
  return lib;
}

}  // namespace

const PcapLibrary& pcap_library() {
  static const PcapLibrary lib = load();  // a throw leaves it unset: the next call tries again
  return lib;
}

}  // namespace apkvet::traffic
