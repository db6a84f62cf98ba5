// Turning `apkvet batch` arguments into the list of files to analyse: directories (walked
// recursively, following symbolic links but never into a directory twice, so a link loop ends),
// list files (@list.txt, one path per line) and `-` (paths on standard input).
#pragma once
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "core/file_identity.h"

namespace apkvet::catalogue {

struct InputError {
  std::string path;
  std::string reason;
};

struct ExpandedInputs {
  std::vector<std::string> files;    // absolute, normalised, each once, in the order found
  std::vector<InputError> errors;    // arguments or entries that could not be listed
};

// In directories only files named *.apk, *.apks, *.xapk, *.aab (any case) are taken, so a README or a
// checksum file beside the APKs is not reported as a bad APK; a file named explicitly (argument or
// list entry) is always taken. Hidden files and folders are included.
ExpandedInputs expand_inputs(const std::vector<std::string>& args, std::istream& stdin_paths);

// SHA-256 (lowercase hex) of a regular file's content. Returns "" and sets `error` when the path is
// missing, not a regular file (a FIFO would block), or unreadable. `identity`, when given, is the
// file's identity if it stayed the same while it was read and had not been written in the two
// seconds before (else left as it was).
std::string file_sha256(const std::string& path, uint64_t& size, std::string& error,
                        std::optional<FileIdentity>* identity = nullptr);

// The identity of a regular file that can be opened for reading (read nothing); nullopt with `error`
// set as file_sha256 does otherwise.
std::optional<FileIdentity> readable_file_identity(const std::string& path, std::string& error);

// The key `--shard` splits inputs by: SHA-256 (hex) of the file's size and its first and last 4 KiB.
// It depends only on the bytes, so identical files land in one shard, and a task reads 8 KiB of each
// input that is not its own where a whole-content digest would read all of it (every task of an
// N-task array would read the whole catalogue). Distinct APKs that share size, head and tail share a
// shard, which only moves load. "" with `error` set as file_sha256 does.
// `identity`, when given, is set as file_sha256 sets it.
std::string file_shard_key(const std::string& path, std::string& error, std::optional<FileIdentity>* identity = nullptr);

// SHA-256 of a string (for sharding inputs that cannot be read).
std::string string_sha256(const std::string& s);

// Deterministic shard (0..count-1) of a SHA-256 hex string: its first 64 bits modulo count.
unsigned shard_of(const std::string& sha256_hex, unsigned count);

}  // namespace apkvet::catalogue
