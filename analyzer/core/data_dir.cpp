#include "core/data_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "version.h"

namespace apkvet {

std::string executable_dir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "" : exe.parent_path().string();
}

namespace {

// rules/ beside or above the executable, else in the source tree; "" when there is none.
std::string find_rules_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (std::string exe_dir = executable_dir(); !exe_dir.empty()) {
    for (fs::path dir = exe_dir; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      if (fs::is_directory(dir / "rules", ec)) return (dir / "rules").string();
      if (fs::is_directory(dir / "share/apkvet/rules", ec)) return (dir / "share/apkvet/rules").string();
    }
  }
  fs::path source = fs::path(APKVET_SOURCE_DIR) / "rules";
  if (fs::is_directory(source, ec)) return source.string();
  return "";
}

}  // namespace

std::string rules_dir() {
  if (const char* env = std::getenv("APKVET_RULES_DIR"); env && *env) return env;
  // Searched once per process: a scan asks for a dozen data files, and each search was a readlink
  // and a stat per folder up from the executable.
  static const std::string found = find_rules_dir();
  if (found.empty()) throw std::runtime_error("cannot find the rules directory: set APKVET_RULES_DIR");
  return found;
}

std::string rules_path(const std::string& relative) { return rules_dir() + "/" + relative; }

std::string read_text_file(const std::string& path) {
  // One read into a string of the file's size: through a stream the bytes were copied twice.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": cannot read");
  std::string text;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) text.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      throw std::runtime_error(path + ": cannot read");
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

std::string user_cache_dir() {
  if (const char* d = std::getenv("APKVET_CACHE_DIR"); d && *d) return std::string(d) == "off" ? "" : d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/apkvet";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/apkvet";
  return "";
}

std::string cache_entry_path(const std::string& name) {
  std::string dir = user_cache_dir();
  return dir.empty() ? "" : dir + "/" + name;
}

std::optional<std::string> read_cache_entry(const std::string& name) {
  std::string path = cache_entry_path(name);
  if (path.empty()) return std::nullopt;
  try {
    return read_text_file(path);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void write_cache_entry(const std::string& name, std::string_view bytes) {
  std::string dir = user_cache_dir();
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string file = dir + "/" + name, tmp = file + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace apkvet
