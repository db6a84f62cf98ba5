// The per-app string pool: every string the app carries, each with where it came from (DEX string
// ids, resources.arsc, binary XML, text assets, native libraries, other files). Adapters fill it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include "archive/app_package.h"
#include "facts/evidence.h"

namespace apkvet {
namespace dex {
class DexCorpus;
class DexFile;
}

// binary: printable ASCII runs of a file read as strings(1) reads it; binary_utf16: runs of UTF-16LE
// ASCII characters (strings -el), taken where a string pool that would decode them is unreadable.
enum class StringOrigin : uint8_t { dex, resources, binary_xml, text, native, binary, binary_utf16, emulated };
const char* to_string(StringOrigin o);

// One file inside the input that strings came from.
struct StringSource {
  StringOrigin origin = StringOrigin::binary;
  std::string file;  // evidence path ("base.apk!assets/index.android.bundle")
};

// One string. `text` views the input (or the pool's arena). Its location in the file is `where`:
//   dex: string_idx; resources/binary_xml: pool index; native/binary/binary_utf16: file offset of the
//   first byte (binary_utf16 text is the ASCII of two-byte characters: byte offsets are twice its);
//   text: 0 (the whole file is one string; a match's location is its line and column);
//   emulated: the virtual address it was decoded at, or kRunTimeValue (heap, handed to Java, logged).
struct PooledString {
  std::string_view text;
  uint32_t source = 0;      // index in AppStringPool::sources()
  uint64_t where = 0;
  uint32_t name = kNoName;  // index in names(): a resource key ("string/api_key") for arsc strings
  uint32_t users_begin = 0, users_end = 0;  // range in users(): DEX code that loads it (const-string)

  static constexpr uint32_t kNoName = 0xffffffffu;
};

// A place in DEX code that loads a string (const-string). Kept as indexes and formatted only when a
// finding cites it: an app has tens of thousands of these and few become evidence.
struct StringUser {
  const dex::DexFile* file = nullptr;  // outlives the pool (the scan's DEX corpus)
  uint32_t method = 0;                 // index in file->methods()
  uint32_t pc = 0;
};

struct PoolLimits {
  uint64_t max_file_bytes = 64ull << 20;    // a larger file is scanned up to this many bytes
  uint64_t max_total_bytes = 1024ull << 20;  // stop adding strings beyond this
  size_t min_run = 5;                        // shortest printable run taken from binary files
  size_t max_users_per_string = 8;           // DEX methods kept per string
};

class AppStringPool {
 public:
  explicit AppStringPool(PoolLimits limits = {}) : limits_(limits) {}

  const std::vector<StringSource>& sources() const { return sources_; }
  const std::vector<PooledString>& strings() const { return strings_; }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<StringUser>& users() const { return users_; }
  // "Lcom/foo/Bar;->run()V @0x1a" for users()[u].
  std::string user_location(uint32_t u) const;
  const PoolLimits& limits() const { return limits_; }

  uint32_t add_source(StringOrigin origin, std::string file);
  // Adds a string; a non-view string is copied into the arena. Returns false when the pool is full.
  bool add(uint32_t source, std::string_view text, uint64_t where, uint32_t name = PooledString::kNoName);
  bool add_owned(uint32_t source, std::string text, uint64_t where, uint32_t name = PooledString::kNoName);
  uint32_t add_name(std::string name);
  // Room for `more` strings (an adapter that knows its count saves the vector's regrowth copies).
  // At least doubling, as growth would: an exact reserve per DEX file of a many-DEX app would copy
  // every string added before it once per file.
  void reserve(size_t more) {
    size_t want = strings_.size() + more;
    if (want > strings_.capacity()) strings_.reserve(std::max(want, 2 * strings_.capacity()));
  }
  // Attaches users (code that loads it) to the last added string.
  void add_users_to_last(const std::vector<StringUser>& users);
  // Printable ASCII runs of `data` (like strings(1)), each with its file offset.
  void add_printable_runs(uint32_t source, Bytes data, uint64_t base_offset = 0);
  // Runs of printable ASCII characters stored as UTF-16LE (like strings -el), as ASCII text, each with
  // the file offset of its first byte. At either byte alignment.
  void add_utf16le_runs(uint32_t source, Bytes data);

  // Human-readable location of byte `pos` inside string `s` ("line 3:14", "offset 0x1a2b", ...).
  std::string location(const PooledString& s, size_t pos) const;

  uint64_t bytes() const { return bytes_; }
  bool full() const { return bytes_ >= limits_.max_total_bytes; }
  size_t truncated_files = 0;  // files scanned only up to max_file_bytes

  // App class packages, from DEX type descriptors ("com/foo/bar"): to tell package names from hosts.
  std::vector<std::string> class_packages;  // dotted, sorted, unique ("com.foo.bar")

 private:
  PoolLimits limits_;
  std::vector<StringSource> sources_;
  std::vector<PooledString> strings_;
  std::vector<std::string> names_;
  std::vector<StringUser> users_;
  std::deque<std::string> arena_;
  mutable std::mutex newline_mutex_;
  mutable std::unordered_map<uint32_t, std::vector<uint32_t>> newlines_;  // text source -> '\n' offsets
  uint64_t bytes_ = 0;
};

// Fills the pool from every origin the app has: DEX (through `corpus` when given, else a light
// reader of the string table), resources.arsc, binary XML, text files, native libraries, other files.
void build_string_pool(const AppPackage& app, const dex::DexCorpus* corpus, AppStringPool& pool, AnomalySink& anomalies);

// Adapters, one per origin (exposed for tests).
void add_dex_strings(const std::string& file, Bytes dex, AppStringPool& pool);
// Printable runs of a DEX file outside its string data [begin, end) (strings hidden in array payloads
// or other data), as origin "binary" with file offsets.
void add_dex_outside_strings(const std::string& file, Bytes dex, size_t begin, size_t end, AppStringPool& pool);
void add_dex_corpus_strings(const dex::DexCorpus& corpus, AppStringPool& pool);
void add_arsc_strings(const std::string& file, Bytes arsc, AppStringPool& pool);
void add_binary_xml_strings(const std::string& file, Bytes xml, AppStringPool& pool);
// An App Bundle's protobuf files (XML, resources.pb): every length-delimited field that reads as text.
void add_proto_strings(const std::string& file, Bytes data, StringOrigin origin, AppStringPool& pool);
void add_text_file(const std::string& file, Bytes text, AppStringPool& pool);
void add_native_strings(const std::string& file, Bytes elf, AppStringPool& pool);

// A string a native library produced when its initialisers and JNI_OnLoad ran under the emulator
// (native facts: ElfEmulation), which its file does not contain as text.
struct EmulatedString {
  static constexpr uint64_t kRunTimeValue = ~uint64_t(0);
  std::string file;   // the library's evidence path
  std::string value;
  uint64_t address = kRunTimeValue;  // where in the library's image it was decoded, if there
};
void add_emulated_strings(const std::vector<EmulatedString>& strings, AppStringPool& pool);

// Sniffs whether bytes look like text (no NULs, mostly printable/UTF-8).
bool looks_like_text(Bytes head);

}  // namespace apkvet
