// libzip, loaded when the first archive is cross-checked instead of linked into every apkvet process:
// Debian's libzip needs OpenSSL's shared libcrypto (for WinZip AES), whose loading and ~3,400
// immediate symbol bindings cost each process ~1.2 ms of start-up — more than reading a manifest.
// A scan that leaves out the "archive" area (`--only manifest,resources`) never loads it.
#pragma once
#include <zip.h>

namespace apkvet {

// The libzip functions apkvet calls, resolved from the shared library on first use.
struct LibzipLibrary {
  decltype(&zip_error_init) error_init = nullptr;
  decltype(&zip_error_fini) error_fini = nullptr;
  decltype(&zip_error_strerror) error_strerror = nullptr;
  decltype(&zip_source_buffer_create) source_buffer_create = nullptr;
  decltype(&zip_source_free) source_free = nullptr;
  decltype(&zip_open_from_source) open_from_source = nullptr;
  decltype(&zip_discard) discard = nullptr;
};

// Loads libzip once per process (thread-safe). Throws std::runtime_error naming the library and the
// loader's reason when it is missing or lacks a function.
const LibzipLibrary& libzip_library();

}  // namespace apkvet
