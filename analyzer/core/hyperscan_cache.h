// Compiled Hyperscan databases kept on disk between runs. Compiling the tracker and endpoint
// signatures takes most of a single scan's CPU (about 1 s against ~20 ms for a small APK); the
// serialized database of the same expressions, flags, ids, mode and Hyperscan version loads in
// milliseconds. The cache is an optimisation only: any problem with it falls back to compiling.
#pragma once
#include <hs/hs.h>

#include <string>
#include <vector>

namespace apkvet {

// Like hs_compile_multi (same arguments and error contract), consulting the cache first.
// Cache directory: $APKVET_CACHE_DIR, else $XDG_CACHE_HOME/apkvet, else $HOME/.cache/apkvet;
// APKVET_CACHE_DIR=off disables it.
hs_error_t compile_multi_cached(const char* const* expressions, const unsigned* flags, const unsigned* ids,
                                unsigned count, unsigned mode, hs_database_t** db, hs_compile_error_t** error);

// Same for hs_compile_lit_multi (literal patterns with explicit lengths).
hs_error_t compile_lit_multi_cached(const char* const* literals, const unsigned* flags, const unsigned* ids,
                                    const size_t* lengths, unsigned count, unsigned mode, hs_database_t** db,
                                    hs_compile_error_t** error);

}  // namespace apkvet
