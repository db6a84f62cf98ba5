// One DEX section parsed into flat index arrays (ids, class defs, class data) plus what its bytecode
// does (call sites, string/field/type uses). Views into the input; MUTF-8 strings decoded on demand.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/byte_reader.h"
#include "facts/evidence.h"

namespace apkvet::dex {

// "No index" in every index field below (superclass of java.lang.Object, class without source file...).
inline constexpr uint32_t kNoIndex = 0xffffffffu;

// Access flags as the DEX format defines them (class, field and method flags share the values).
enum AccessFlag : uint32_t {
  kAccPublic = 0x1,
  kAccPrivate = 0x2,
  kAccProtected = 0x4,
  kAccStatic = 0x8,
  kAccFinal = 0x10,
  kAccSynchronized = 0x20,
  kAccVolatile = 0x40,  // fields; kAccBridge for methods
  kAccBridge = 0x40,
  kAccTransient = 0x80,  // fields; kAccVarargs for methods
  kAccVarargs = 0x80,
  kAccNative = 0x100,
  kAccInterface = 0x200,
  kAccAbstract = 0x400,
  kAccStrict = 0x800,
  kAccSynthetic = 0x1000,
  kAccAnnotation = 0x2000,
  kAccEnum = 0x4000,
  kAccConstructor = 0x10000,
  kAccDeclaredSynchronized = 0x20000,
};

// The header fields as read (not trusted: see DexFile::usable() and the dex.* anomalies).
struct DexHeader {
  uint32_t version = 0;  // 35, 37, 38, 39, 40, 41 (0 when the magic is not a DEX magic)
  uint32_t checksum = 0;
  uint32_t computed_checksum = 0;  // adler32 as we computed it
  uint32_t file_size = 0, header_size = 0, endian_tag = 0;
  uint32_t link_size = 0, link_off = 0, map_off = 0;
  uint32_t string_ids_size = 0, string_ids_off = 0;
  uint32_t type_ids_size = 0, type_ids_off = 0;
  uint32_t proto_ids_size = 0, proto_ids_off = 0;
  uint32_t field_ids_size = 0, field_ids_off = 0;
  uint32_t method_ids_size = 0, method_ids_off = 0;
  uint32_t class_defs_size = 0, class_defs_off = 0;
  uint32_t data_size = 0, data_off = 0;
  uint32_t container_size = 0, header_offset = 0;  // v041 only
};

struct ProtoId {
  uint32_t shorty_idx = kNoIndex;
  uint32_t return_type_idx = kNoIndex;
  uint32_t parameters_off = 0;  // type_list, 0 = no parameters
};

struct FieldId {
  uint32_t class_idx = kNoIndex;  // type of the class that declares it
  uint32_t type_idx = kNoIndex;   // type of the field
  uint32_t name_idx = kNoIndex;
};

struct MethodId {
  uint32_t class_idx = kNoIndex;
  uint32_t proto_idx = kNoIndex;
  uint32_t name_idx = kNoIndex;
};

// A class defined in this DEX section. Its fields and methods are ranges of fields()/methods().
struct ClassDef {
  uint32_t class_idx = kNoIndex;
  uint32_t access_flags = 0;
  uint32_t superclass_idx = kNoIndex;
  uint32_t interfaces_off = 0;
  uint32_t source_file_idx = kNoIndex;
  uint32_t annotations_off = 0;
  uint32_t class_data_off = 0;
  uint32_t static_values_off = 0;
  uint32_t fields_begin = 0, fields_end = 0;    // [begin, end) in DexFile::fields()
  uint32_t methods_begin = 0, methods_end = 0;  // [begin, end) in DexFile::methods()
  uint32_t interfaces_begin = 0, interfaces_end = 0;  // [begin, end) of its interface list, read once per file
};

// A field defined by a class (from class_data).
struct Field {
  uint32_t field_idx = kNoIndex;
  uint32_t access_flags = 0;
  uint32_t class_def = 0;  // index in DexFile::classes()
};

// A method defined by a class (from class_data), with where its bytecode is.
struct Method {
  uint32_t method_idx = kNoIndex;
  uint32_t access_flags = 0;
  uint32_t class_def = 0;   // index in DexFile::classes()
  uint32_t code_off = 0;    // code_item offset (relative to DexFile::base()), 0 = abstract/native
  uint32_t insns_off = 0;   // first code unit (relative to DexFile::base()), 0 = no code
  uint32_t insns_size = 0;  // in 16-bit code units
  bool direct = false;      // direct_methods (static, private, constructors) vs virtual_methods
};

enum class InvokeKind : uint8_t { kVirtual, kSuper, kDirect, kStatic, kInterface, kPolymorphic, kCustom };
const char* to_string(InvokeKind k);  // "virtual", "super", ...

// One invoke-* instruction. Its caller is the method whose calls_of() range holds it (DexFile::caller_of;
// not stored: 4.9M call sites in a 180k-class app). `target` is a method_idx (method_ids), except for
// kCustom where it is a call_site_idx. `pc` is in code units from the caller's first instruction.
struct CallSite {
  uint32_t target = kNoIndex;
  uint32_t pc = 0;
  InvokeKind kind = InvokeKind::kVirtual;
  bool range = false;      // the /range form
  uint16_t proto_idx = 0;  // invoke-polymorphic only: its proto (low 16 bits as encoded)
};

// const-string / const-string/jumbo.
struct StringUse {
  uint32_t caller = 0;  // index in DexFile::methods()
  uint32_t string_idx = kNoIndex;
  uint32_t pc = 0;
};

enum class FieldOp : uint8_t { kInstanceGet, kInstancePut, kStaticGet, kStaticPut };
const char* to_string(FieldOp op);

// iget*/iput*/sget*/sput* (e.g. sget-object Landroid/os/Build;->SERIAL).
struct FieldUse {
  uint32_t caller = 0;  // index in DexFile::methods()
  uint32_t field_idx = kNoIndex;
  uint32_t pc = 0;
  FieldOp op = FieldOp::kStaticGet;
};

enum class TypeOp : uint8_t { kConstClass, kCheckCast, kInstanceOf, kNewInstance, kNewArray, kFilledNewArray };
const char* to_string(TypeOp op);

// const-class, check-cast, instance-of, new-instance, new-array, filled-new-array(/range).
struct TypeUse {
  uint32_t caller = 0;  // index in DexFile::methods()
  uint32_t type_idx = kNoIndex;
  uint32_t pc = 0;
  TypeOp op = TypeOp::kNewInstance;
};

struct DexParseOptions {
  bool decode_code = true;      // walk every method's bytecode for call sites and uses
  bool verify_checksum = true;  // adler32 over the file (cheap; off only for benchmarks of the walk)
};

// One DEX section: a classes*.dex, a DEX nested elsewhere, or one section of a v041 container.
// Never throws on bad input: damage is reported as dex.* anomalies and whatever is readable is kept.
// All offsets in the model are relative to base() (the file, or for v041 the whole container).
// The bytes must outlive the DexFile. Thread-safe for concurrent const use.
class DexFile {
 public:
  // Parses the section whose header is at `header_offset` in `data` (0 except inside v041 containers).
  static std::unique_ptr<DexFile> parse(Bytes data, std::string evidence_path, AnomalySink& anomalies,
                                        const DexParseOptions& options = {}, size_t header_offset = 0);
  // Parses every section of `data`: one for 035-040, each header of a 041 container in order.
  static std::vector<std::unique_ptr<DexFile>> parse_all(Bytes data, std::string evidence_path, AnomalySink& anomalies,
                                                         const DexParseOptions& options = {});

  DexFile(const DexFile&) = delete;
  DexFile& operator=(const DexFile&) = delete;

  const std::string& path() const { return path_; }  // evidence path, e.g. "base.apk!classes2.dex"
  uint32_t section() const { return section_; }      // 0, or the index of this section in a v041 container
  const DexHeader& header() const { return header_; }
  uint32_t version() const { return header_.version; }
  Bytes base() const { return base_; }     // what every offset is relative to
  bool usable() const { return usable_; }  // the id tables could be read at all
  bool checksum_ok() const { return header_.checksum == header_.computed_checksum; }

  // ---- ids ----
  uint32_t string_count() const { return static_cast<uint32_t>(strings_.size()); }
  // The string decoded to UTF-8 (MUTF-8 NUL and surrogate pairs converted; bad bytes as U+FFFD).
  // A view into the input for ASCII strings (almost all), else into the text decoded when the file was
  // parsed (the raw bytes if a hostile file's overlapping strings exceeded the budget). "" if out of range.
  std::string_view string(uint32_t string_idx) const;
  // The raw MUTF-8 bytes (without the terminating NUL), no decoding. "" if out of range.
  std::string_view string_mutf8(uint32_t string_idx) const;

  std::span<const uint32_t> type_ids() const { return type_ids_; }  // type_idx -> descriptor string_idx
  std::span<const ProtoId> proto_ids() const { return proto_ids_; }
  std::span<const FieldId> field_ids() const { return field_ids_; }
  std::span<const MethodId> method_ids() const { return method_ids_; }

  std::string_view type_descriptor(uint32_t type_idx) const;         // "Ljava/lang/String;", "" if out of range
  std::vector<uint32_t> proto_parameters(uint32_t proto_idx) const;  // type_idx list
  void proto_parameters(uint32_t proto_idx, std::vector<uint32_t>& out) const;  // into a reused vector
  std::span<const uint32_t> class_interfaces(const ClassDef& c) const;  // type_idx list

  // Human-readable names for evidence locations.
  std::string method_descriptor(uint32_t proto_idx) const;   // "(ILjava/lang/String;)V"
  std::string method_signature(uint32_t method_idx) const;   // "Lcom/foo/Bar;->run(I)V"
  std::string field_signature(uint32_t field_idx) const;     // "Lcom/foo/Bar;->NAME:Ljava/lang/String;"
  std::string_view method_class(uint32_t method_idx) const;  // descriptor of the declaring class
  std::string_view method_name(uint32_t method_idx) const;
  std::string_view field_class(uint32_t field_idx) const;
  std::string_view field_name(uint32_t field_idx) const;
  // "Lcom/foo/Bar;->run(I)V @0x1a" for a code location inside methods()[method].
  std::string location(uint32_t method, uint32_t pc) const;

  // ---- classes (defined vs only referenced) ----
  std::span<const ClassDef> classes() const { return classes_; }
  std::span<const Field> fields() const { return fields_; }
  std::span<const Method> methods() const { return methods_; }
  // Whether type_idx is defined by a class_def of this section (else it is only referenced).
  bool is_defined(uint32_t type_idx) const;
  // The index in classes() defining `descriptor`, or kNoIndex.
  uint32_t find_class(std::string_view descriptor) const;
  // Index in classes() for a type_idx defined here, or kNoIndex.
  uint32_t class_of_type(uint32_t type_idx) const;

  // ---- bytecode facts, ordered by caller then pc ----
  std::span<const CallSite> call_sites() const { return calls_; }
  std::span<const StringUse> string_uses() const { return string_uses_; }
  std::span<const FieldUse> field_uses() const { return field_uses_; }
  std::span<const TypeUse> type_uses() const { return type_uses_; }
  // The same, for one method (index in methods()).
  std::span<const CallSite> calls_of(uint32_t method) const;
  std::span<const StringUse> strings_of(uint32_t method) const;
  std::span<const FieldUse> fields_of(uint32_t method) const;
  std::span<const TypeUse> types_of(uint32_t method) const;
  // Index in methods() of the method whose code holds `cs` (an element of call_sites()).
  uint32_t caller_of(const CallSite& cs) const;
  // Code units of a method's bytecode (little-endian 16-bit units), empty when it has none.
  Bytes insns(const Method& m) const;

  size_t memory_bytes() const;  // approximate heap held by the model

  // call_site_ids and method_handles (DEX 038+, from the map list): counts, 0 when absent.
  uint32_t call_site_count() const { return call_site_ids_size_; }
  uint32_t method_handle_count() const { return method_handles_size_; }

 private:
  DexFile() = default;
  friend class DexParser;

  std::string path_;
  uint32_t section_ = 0;
  DexHeader header_;
  Bytes base_;
  bool usable_ = false;
  bool types_sorted_ = false;  // type_ids sorted by descriptor: find_class can binary-search
  uint32_t call_site_ids_size_ = 0, call_site_ids_off_ = 0;
  uint32_t method_handles_size_ = 0, method_handles_off_ = 0;

  // Per string_idx, where its MUTF-8 bytes are in base_ (after the length, up to the NUL): found once
  // when the file is parsed, since the code model, the API matcher and the string scan ask for the
  // same strings again and again.
  struct StringRef {
    uint32_t offset = 0;
    uint32_t length : 31 = 0;
    uint32_t ascii : 1 = 1;  // no byte >= 0x80: the raw bytes are already the UTF-8 text
  };
  std::vector<StringRef> strings_;
  std::vector<uint32_t> type_ids_;
  std::vector<ProtoId> proto_ids_;
  std::vector<FieldId> field_ids_;
  std::vector<MethodId> method_ids_;
  std::vector<ClassDef> classes_;
  std::vector<Field> fields_;
  std::vector<Method> methods_;
  std::vector<uint32_t> class_by_type_;  // type_idx -> classes() index or kNoIndex
  std::vector<uint32_t> interface_types_;  // every distinct interface list, once (ClassDef::interfaces_begin)

  std::vector<CallSite> calls_;
  std::vector<StringUse> string_uses_;
  std::vector<FieldUse> field_uses_;
  std::vector<TypeUse> type_uses_;
  // Per method (size methods()+1): where its records begin in the vectors above.
  std::vector<uint32_t> calls_begin_, strings_begin_, fields_begin_, types_begin_;

  std::unordered_map<uint32_t, std::string> decoded_;  // non-ASCII strings, decoded when parsed
};

// A type_list (u32 size, u16 type_idx...) at `off` of `base`, clipped to the bytes there and to `max`.
std::vector<uint32_t> read_type_list(Bytes base, uint32_t off, uint64_t max);
// How many entries read_type_list(base, off, max) returns, without reading them.
uint64_t read_type_list_length(Bytes base, uint32_t off, uint64_t max);

// Decodes MUTF-8 (as DEX stores strings) to UTF-8.
std::string mutf8_to_utf8(std::string_view mutf8);

}  // namespace apkvet::dex
