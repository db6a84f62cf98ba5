#include "catalogue/inputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <unordered_set>

#include "core/digest.h"

namespace apkvet::catalogue {

namespace fs = std::filesystem;

namespace {

bool has_app_extension(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* ext : {".apk", ".apks", ".xapk", ".aab"}) {
    size_t n = std::strlen(ext);
    if (lower.size() > n && lower.compare(lower.size() - n, n, ext) == 0) return true;
  }
  return false;
}

std::string normalised(const std::string& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  return (ec ? fs::path(p) : abs).lexically_normal().string();
}

struct Walker {
  ExpandedInputs out;
  std::unordered_set<std::string> seen_files;
  std::set<std::pair<dev_t, ino_t>> seen_dirs;  // directories entered, by identity: ends symlink loops

  void add_file(const std::string& path) {
    std::string p = normalised(path);
    if (seen_files.insert(p).second) out.files.push_back(p);
  }

  // Directory entries in sorted order, so two runs list the same tree the same way.
  void walk(const std::string& dir) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0) {
      out.errors.push_back({normalised(dir), std::string("cannot read directory: ") + std::strerror(errno)});
      return;
    }
    if (!seen_dirs.insert({st.st_dev, st.st_ino}).second) return;  // a loop or a second link to it
    std::vector<fs::path> entries;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
    if (ec) {
      out.errors.push_back({normalised(dir), "cannot list directory: " + ec.message()});
      return;
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) {
      struct stat es{};
      if (::stat(e.c_str(), &es) != 0) {
        // A dangling link or an entry gone since listing: worth telling only if it looked like an APK.
        if (has_app_extension(e.filename().string()))
          out.errors.push_back({normalised(e.string()), std::string("unreadable: ") + std::strerror(errno)});
        continue;
      }
      if (S_ISDIR(es.st_mode)) walk(e.string());
      else if (S_ISREG(es.st_mode) && has_app_extension(e.filename().string())) add_file(e.string());
    }
  }

  void add_argument(const std::string& a) {
    struct stat st{};
    if (::stat(a.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) walk(a);
    else add_file(a);  // missing or odd files are reported when hashed, with the reason
  }

  void add_list(std::istream& in, const std::string& list_name) {
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      // Relative entries of a list file are relative to the list (stdin: to the working directory).
      fs::path p(line);
      if (p.is_relative() && !list_name.empty()) p = fs::path(list_name).parent_path() / p;
      add_argument(p.string());
    }
  }
};

}  // namespace

ExpandedInputs expand_inputs(const std::vector<std::string>& args, std::istream& stdin_paths) {
  Walker w;
  for (const auto& a : args) {
    if (a == "-") {
      w.add_list(stdin_paths, "");
    } else if (a.size() > 1 && a[0] == '@') {
      std::ifstream list(a.substr(1));
      if (!list) {
        w.out.errors.push_back({normalised(a.substr(1)), std::string("cannot read list file: ") + std::strerror(errno)});
        continue;
      }
      w.add_list(list, a.substr(1));
    } else {
      w.add_argument(a);
    }
  }
  return w.out;
}

namespace {

// A regular file opened for reading, with its stat; -1 with `error` set (the same words for every
// reader here) when it cannot be opened or is not a regular file. O_NONBLOCK: opening a FIFO for
// reading would otherwise wait for a writer forever.
int open_regular(const std::string& path, struct stat& st, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = std::string("unreadable: ") + std::strerror(errno);
    return -1;
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = "not a regular file";
    return -1;
  }
  return fd;
}

// The identity `fd`'s file had when opened (`opened`), if it still has it now that it has been read
// and is settled. Only a settled file's identity stands for its content: one written twice within a
// tick of the file system's clock keeps its identity across the second write (file_identity.h).
std::optional<FileIdentity> held_settled(int fd, const struct stat& opened) {
  struct stat now{};
  FileIdentity before = file_identity(opened);
  if (::fstat(fd, &now) != 0 || file_identity(now) != before || !settled(before)) return std::nullopt;
  return before;
}

}  // namespace

std::string file_sha256(const std::string& path, uint64_t& size, std::string& error, std::optional<FileIdentity>* identity) {
  struct stat st{};
  int fd = open_regular(path, st, error);
  if (fd < 0) return "";
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::array<unsigned char, 128 << 10> buf;  // on the stack: not allocated and zeroed again per file
  size = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::string("unreadable: ") + std::strerror(errno);
      ::close(fd);
      return "";
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), size_t(n));
    size += uint64_t(n);
  }
  if (identity)
    if (std::optional<FileIdentity> held = held_settled(fd, st); held && held->size == size) *identity = held;
  ::close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return to_hex(md, len);
}

std::optional<FileIdentity> readable_file_identity(const std::string& path, std::string& error) {
  struct stat st{};
  int fd = open_regular(path, st, error);
  if (fd < 0) return std::nullopt;
  ::close(fd);
  return file_identity(st);
}

std::string file_shard_key(const std::string& path, std::string& error, std::optional<FileIdentity>* identity) {
  struct stat st{};
  int fd = open_regular(path, st, error);
  if (fd < 0) return "";
  constexpr size_t kEdge = 4096;
  const uint64_t size = uint64_t(st.st_size);
  std::string keyed(8, '\0');
  for (int i = 0; i < 8; ++i) keyed[size_t(i)] = char((size >> (8 * i)) & 0xff);
  auto read_at = [&](uint64_t offset, size_t n) {
    std::string part(n, '\0');
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd, part.data() + got, n - got, off_t(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      got += size_t(r);
    }
    keyed += part;
    return true;
  };
  const size_t head = size_t(std::min<uint64_t>(kEdge, size));
  const size_t tail = size_t(std::min<uint64_t>(kEdge, size));
  errno = 0;
  bool ok = read_at(0, head) && read_at(size - tail, tail);
  int read_errno = errno;
  if (ok && identity) *identity = held_settled(fd, st);
  ::close(fd);
  if (!ok) {
    error = std::string("unreadable: ") + (read_errno ? std::strerror(read_errno) : "shorter than its size");
    return "";
  }
  return sha256_hex(keyed);
}

std::string string_sha256(const std::string& s) { return sha256_hex(s); }

unsigned shard_of(const std::string& sha256_hex, unsigned count) {
  if (count <= 1) return 0;
  uint64_t v = std::stoull(sha256_hex.substr(0, 16), nullptr, 16);
  return unsigned(v % count);
}

}  // namespace apkvet::catalogue
