#include "core/file_identity.h"

#include <sys/stat.h>

#include <chrono>

namespace apkvet {

std::optional<FileIdentity> file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return file_identity(st);
}

FileIdentity file_identity(const struct stat& st) {
  return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                      static_cast<uint64_t>(st.st_size), int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                      int64_t(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec};
}

std::string to_string(const FileIdentity& id) {
  return std::to_string(id.device) + " " + std::to_string(id.inode) + " " + std::to_string(id.size) + " " +
         std::to_string(id.modified_ns) + " " + std::to_string(id.changed_ns);
}

bool settled(const FileIdentity& id) {
  constexpr int64_t kSettledNs = 2'000'000'000;
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  return id.modified_ns <= now - kSettledNs && id.changed_ns <= now - kSettledNs;
}

}  // namespace apkvet
