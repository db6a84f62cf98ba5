// Where apkvet's data files (rules/) are: $APKVET_RULES_DIR, else rules/ beside or above the
// executable (build tree and install tree), else the source tree it was built from.
#pragma once
#include <string>

namespace apkvet {

// The rules directory, without a trailing slash. Throws std::runtime_error if none exists.
std::string rules_dir();
// rules_dir() + "/" + relative, e.g. rules_path("permissions/android_permissions.json").
std::string rules_path(const std::string& relative);
// Where apkvet keeps derived data between runs (compiled pattern databases, parsed rules):
// $APKVET_CACHE_DIR, else $XDG_CACHE_HOME/apkvet, else $HOME/.cache/apkvet; "" when caching is off
// (APKVET_CACHE_DIR=off) or no home is known. Caches are optimisations: any problem means rebuild.
std::string user_cache_dir();
// Reads a whole data file; throws std::runtime_error naming the file when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace apkvet
