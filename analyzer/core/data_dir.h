// Where apkvet's data files (rules/) are: $APKVET_RULES_DIR, else rules/ beside or above the
// executable (build tree and install tree), else the source tree it was built from.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace apkvet {

// The directory of the running executable (from /proc/self/exe); "" when it cannot be read.
std::string executable_dir();
// The rules directory, without a trailing slash. Throws std::runtime_error if none exists.
std::string rules_dir();
// rules_dir() + "/" + relative, e.g. rules_path("permissions/android_permissions.json").
std::string rules_path(const std::string& relative);
// Where apkvet keeps derived data between runs (compiled pattern databases, parsed rules):
// $APKVET_CACHE_DIR, else $XDG_CACHE_HOME/apkvet, else $HOME/.cache/apkvet; "" when caching is off
// (APKVET_CACHE_DIR=off) or no home is known. Caches are optimisations: any problem means rebuild.
std::string user_cache_dir();
// Where the cache entry `name` is (or would be) kept; "" when caching is off.
std::string cache_entry_path(const std::string& name);
// A cache entry's bytes, or nullopt when there is none (or it cannot be read).
std::optional<std::string> read_cache_entry(const std::string& name);
// Stores a cache entry: written to a temporary file and renamed, so a concurrent reader (batch
// workers, parallel tests) never sees half of it. Failures are ignored: the cache is optional.
void write_cache_entry(const std::string& name, std::string_view bytes);
// Reads a whole data file; throws std::runtime_error naming the file when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace apkvet
