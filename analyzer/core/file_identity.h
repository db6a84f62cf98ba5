// A file's identity as git's index and make trust it: device, inode, size, modification and change
// times. Caches of what apkvet derives from its own data files (parsed rules, the permission index)
// are keyed by it, so an unchanged file is not even read; a batch's worker reuses the digest the batch
// took of an input when the file it opens still has the identity it had then.
#pragma once
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>

namespace apkvet {

struct FileIdentity {
  uint64_t device = 0, inode = 0, size = 0;
  int64_t modified_ns = 0, changed_ns = 0;

  bool operator==(const FileIdentity&) const = default;
};

// nullopt when the file cannot be stat'ed.
std::optional<FileIdentity> file_identity(const std::string& path);
FileIdentity file_identity(const struct stat& st);
// "device inode size modified changed", for a cache key.
std::string to_string(const FileIdentity& id);
// Whether both times are over two seconds old. Only a settled file's identity may key a cache: a file
// written twice within one tick of the file system's clock keeps its identity across the second
// write (git's "racy clean" problem).
bool settled(const FileIdentity& id);

}  // namespace apkvet
