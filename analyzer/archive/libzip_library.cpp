#include "archive/libzip_library.h"

#include "core/shared_library.h"

namespace apkvet {

const LibzipLibrary& libzip_library() {
  // APKVET_LIBZIP_SONAME is the SONAME of the libzip found at configure time (analyzer/CMakeLists.txt).
  return load_functions<LibzipLibrary>(APKVET_LIBZIP_SONAME, "libzip", [](const SharedLibrary& so, LibzipLibrary& lib) {
    so.resolve(lib.error_init, "zip_error_init");
    so.resolve(lib.error_fini, "zip_error_fini");
    so.resolve(lib.error_strerror, "zip_error_strerror");
    so.resolve(lib.source_buffer_create, "zip_source_buffer_create");
    so.resolve(lib.source_free, "zip_source_free");
    so.resolve(lib.open_from_source, "zip_open_from_source");
    so.resolve(lib.discard, "zip_discard");
  });
}

}  // namespace apkvet
