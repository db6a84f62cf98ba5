// Fuzzes the tolerant ZIP reader: central directory, local headers, inflate limits, peek.
#include <cstddef>
#include <cstdint>

#include "archive/zip_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  apkvet::AnomalySink anomalies;
  apkvet::ZipOptions limits;
  limits.max_total_inflate = 64u << 20;
  limits.max_entry_size = 16u << 20;
  try {
    apkvet::ZipArchive zip(apkvet::Bytes(data, size), "", anomalies, limits);
    for (const auto& e : zip.entries()) {
      (void)zip.peek(e, 8);
      (void)zip.read(e);
      (void)zip.find(e.name);
    }
  } catch (const apkvet::ParseError&) {
  }
  return 0;
}
