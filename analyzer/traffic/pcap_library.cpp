#include "traffic/pcap_library.h"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace apkvet::traffic {

namespace {

PcapLibrary load() {
  // APKVET_LIBPCAP_SONAME is the SONAME of the libpcap found at configure time (CMakeLists.txt).
  void* handle = dlopen(APKVET_LIBPCAP_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error(std::string("cannot load libpcap (") + APKVET_LIBPCAP_SONAME + "): " + dlerror());
  PcapLibrary lib;
  auto resolve = [&](auto& fn, const char* name) {
    void* sym = dlsym(handle, name);
    if (!sym) throw std::runtime_error(std::string(APKVET_LIBPCAP_SONAME " has no ") + name);
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
  };
  resolve(lib.open_offline_with_tstamp_precision, "pcap_open_offline_with_tstamp_precision");
  resolve(lib.datalink, "pcap_datalink");
  resolve(lib.datalink_val_to_name, "pcap_datalink_val_to_name");
  resolve(lib.next_ex, "pcap_next_ex");
  resolve(lib.geterr, "pcap_geterr");
  resolve(lib.close, "pcap_close");
  return lib;  // the handle stays open for the life of the process
}

}  // namespace

const PcapLibrary& pcap_library() {
  static const PcapLibrary lib = load();  // a throw leaves it unset: the next call tries again
  return lib;
}

}  // namespace apkvet::traffic
