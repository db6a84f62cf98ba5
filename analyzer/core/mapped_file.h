// A read-only memory map of an input file. Parsers get views into it; nothing copies the APK.
#pragma once
#include <string>

#include "core/byte_reader.h"
#include "core/file_identity.h"

namespace apkvet {

class MappedFile {
 public:
  // Throws std::runtime_error with a one-line reason naming the file when it cannot be mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  Bytes bytes() const { return {static_cast<const uint8_t*>(data_), size_}; }
  const std::string& path() const { return path_; }
  const FileIdentity& identity() const { return identity_; }  // as it was when mapped

 private:
  std::string path_;
  FileIdentity identity_;
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace apkvet
