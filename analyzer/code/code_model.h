// The app's classes and methods across every DEX file as flat integer tables (class ids, method
// nodes, interned name+proto keys, class hierarchy), the call graph over them, and reachability from
// entry points by BFS. Sized for 180k-class apps: arrays indexed by ids, no per-node string maps.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dex/dex_corpus.h"

namespace apkvet::code {

inline constexpr uint32_t kNone = 0xffffffffu;

// Open-addressing hash table from 64-bit keys (any but ~0) to 32-bit values: 12 bytes a slot, no node
// per entry (the 180k-class apps have close to a million keys).
class FlatMap64 {
 public:
  void reserve(size_t n);
  // The value stored for `key`; else stores `value` and returns it. second: whether it was stored now.
  std::pair<uint32_t, bool> try_emplace(uint64_t key, uint32_t value);
  uint32_t find(uint64_t key, uint32_t missing = kNone) const;
  size_t size() const { return used_; }
  size_t memory_bytes() const { return keys_.capacity() * 8 + values_.capacity() * 4; }
  void release() { *this = FlatMap64(); }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  size_t home(uint64_t key) const { return static_cast<size_t>((key * 0x9e3779b97f4a7c15ull) >> 24) & (keys_.size() - 1); }
  void rehash(size_t slots);
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;
  size_t used_ = 0;
};

// Dense ids for string views (which must outlive it), by open addressing over the ids with each
// view's hash kept: no node per entry, and a probe compares bytes only when the hashes agree. The
// classes, method names and other type descriptors of a 180k-class app are each one of these.
class ViewInterner {
 public:
  uint32_t intern(std::string_view s);      // its id; added if new
  uint32_t find(std::string_view s) const;  // kNone if not interned
  std::string_view operator[](uint32_t id) const { return views_[id]; }
  uint32_t size() const { return static_cast<uint32_t>(views_.size()); }
  void reserve(size_t n);
  size_t memory_bytes() const { return views_.capacity() * sizeof(std::string_view) + (hashes_.capacity() + slots_.capacity()) * 4; }

 private:
  void rehash(size_t slots);
  std::vector<std::string_view> views_;
  std::vector<uint32_t> hashes_;  // per id
  std::vector<uint32_t> slots_;   // id, or kNone; a power of two, load <= 3/4
};

class CodeModel {
 public:
  explicit CodeModel(const dex::DexCorpus& corpus);

  const dex::DexCorpus& corpus() const { return corpus_; }
  const dex::DexFile& file(uint32_t f) const { return *corpus_.files()[f]; }
  uint32_t file_count() const { return static_cast<uint32_t>(corpus_.files().size()); }

  // ---- classes: every class descriptor seen in any DEX (defined or only referenced) ----
  uint32_t class_count() const { return classes_.size(); }
  std::string_view class_name(uint32_t c) const { return classes_[c]; }
  bool defined(uint32_t c) const { return def_file_[c] != kNone; }
  uint32_t def_file(uint32_t c) const { return def_file_[c]; }
  uint32_t def_index(uint32_t c) const { return def_index_[c]; }  // index in file(def_file).classes()
  uint32_t superclass(uint32_t c) const { return super_[c]; }      // kNone when unknown / not defined
  std::span<const uint32_t> interfaces(uint32_t c) const {
    return {iface_ids_.data() + iface_begin_[c], iface_begin_[c + 1] - iface_begin_[c]};
  }
  std::span<const uint32_t> subtypes(uint32_t c) const {  // direct subclasses and implementors
    return {sub_ids_.data() + sub_begin_[c], sub_begin_[c + 1] - sub_begin_[c]};
  }
  uint32_t type_class(uint32_t f, uint32_t type_idx) const {
    const auto& v = type_class_[f];
    return type_idx < v.size() ? v[type_idx] : kNone;
  }
  uint32_t find_class(std::string_view descriptor) const { return classes_.find(descriptor); }
  // The first class up the superclass chain that the app does not define (the framework/library
  // class an app class extends), or c itself when c is not defined. kNone if the chain is broken.
  uint32_t first_external_ancestor(uint32_t c) const;

  // ---- methods: one node per defined method of every file ----
  uint32_t node_count() const { return static_cast<uint32_t>(node_key_.size()); }
  uint32_t node(uint32_t f, uint32_t method) const { return method_base_[f] + method; }
  uint32_t node_file(uint32_t n) const;
  uint32_t node_method(uint32_t n) const { return n - method_base_[node_file(n)]; }
  uint32_t node_class(uint32_t n) const { return node_class_[n]; }
  uint32_t node_key(uint32_t n) const { return node_key_[n]; }
  uint32_t node_access(uint32_t n) const;
  std::string node_signature(uint32_t n) const;  // "Lcom/foo/Bar;->run()V"
  // Interned (name, proto) key of a method id of file f.
  uint32_t method_key(uint32_t f, uint32_t method_idx) const {
    const auto& v = mid_key_[f];
    return method_idx < v.size() ? v[method_idx] : kNone;
  }
  std::string_view key_name(uint32_t key) const { return names_[key_name_[key]]; }
  uint32_t key_count() const { return static_cast<uint32_t>(key_name_.size()); }
  uint32_t key_for(std::string_view name, std::string_view proto) const;  // kNone if unseen
  // The method with `key` defined in exactly class c (first definition of c), or kNone.
  uint32_t find_method(uint32_t c, uint32_t key) const;
  std::span<const std::pair<uint32_t, uint32_t>> class_methods(uint32_t c) const {  // (key, node)
    return {class_methods_.data() + cm_begin_[c], cm_begin_[c + 1] - cm_begin_[c]};
  }
  // Resolves up the app-defined superclass chain (invoke-direct/static/super semantics).
  uint32_t resolve_up(uint32_t c, uint32_t key) const;
  // Whether some method id names `key` on a class the app does not define (a framework signature).
  bool external_key(uint32_t key) const { return key < external_key_.size() && external_key_[key]; }

  size_t memory_bytes() const;

 private:
  const dex::DexCorpus& corpus_;
  ViewInterner classes_;  // class id -> descriptor
  std::vector<std::vector<uint32_t>> type_class_;  // per file: type_idx -> class id
  std::vector<uint32_t> def_file_, def_index_, super_;
  std::vector<uint32_t> iface_begin_, iface_ids_, sub_begin_, sub_ids_;

  ViewInterner names_;  // method names
  std::vector<uint32_t> key_name_, key_proto_;
  FlatMap64 key_ids_;

  // Protos, interned as the list of their types (the return type first): a class type by its class
  // id, any other type (primitive, array) by kOtherType | an id of its own. Comparing ids, where
  // building each proto's descriptor string and hashing it was ~2.5% of a batch's CPU. With
  // well-formed type descriptors two protos have the same list exactly when their descriptors are
  // equal; malformed ones (a hostile DEX) whose concatenations happen to match stay apart.
  static constexpr uint32_t kOtherType = 0x80000000u;
  uint32_t intern_proto(const std::vector<uint32_t>& types);
  uint32_t find_proto(const std::vector<uint32_t>& types) const;
  ViewInterner other_types_;  // primitive and array descriptors (and "" for a bad type index)
  std::vector<uint32_t> proto_types_, proto_begin_{0};  // CSR: proto id -> its types
  std::vector<uint64_t> proto_hash_;
  std::vector<uint32_t> proto_slots_;  // open addressing over proto ids, or kNone
  std::vector<std::vector<uint32_t>> mid_key_;  // per file: method_idx -> key
  std::vector<uint8_t> external_key_;

  std::vector<uint32_t> method_base_;  // per file, plus total at the end
  std::vector<uint32_t> node_key_, node_class_;
  std::vector<uint32_t> cm_begin_;
  std::vector<std::pair<uint32_t, uint32_t>> class_methods_;
};

// Why a node is an entry point.
struct RootReason {
  std::string text;
};

// The call graph (class-hierarchy analysis: a virtual call to C.m reaches m in C or its nearest
// app-defined ancestor, and m in every app subclass/implementor of C) and BFS reachability with
// lazily added callbacks: a class instantiated (new-instance / const-class) in reachable code has its
// framework callbacks (overrides: on*, run, call, ...) become reachable; a static use triggers <clinit>;
// a reachable native method makes its class's methods reachable (JNI may call back).
class Reachability {
 public:
  explicit Reachability(const CodeModel& model);

  // Entry points: a component class (activity, service, receiver, provider, application...).
  void add_component(uint32_t c, const std::string& reason);
  void run();

  bool has_roots() const { return !roots_.empty(); }
  bool reachable(uint32_t node) const { return visited_[node] != 0; }
  uint64_t reachable_count() const;
  // Call edges out of the reachable methods (the ones the walk resolved).
  uint64_t edge_count() const { return edges_walked_; }
  uint64_t root_count() const { return roots_.size(); }
  // Entry point first, `node` last; at most max_len methods (the middle elided as "...").
  std::pair<std::string, std::vector<std::string>> path(uint32_t node, size_t max_len) const;
  // A reachable method of class c (lowest node), or kNone.
  uint32_t reachable_method_of(uint32_t c) const;

 private:
  uint32_t dispatch_target(uint32_t f, uint32_t method_idx, bool virtual_call);
  void visit(uint32_t target, uint32_t parent, uint32_t reason);
  void instantiate(uint32_t c, uint32_t parent, uint32_t reason);
  void trigger_clinit(uint32_t c, uint32_t parent);
  bool callback_like(uint32_t node);

  const CodeModel& m_;
  uint32_t nodes_ = 0;
  // Targets: [0, nodes_) are methods, [nodes_, nodes_ + sets) are dispatch sets.
  std::vector<uint32_t> set_begin_, set_members_;
  uint64_t edges_walked_ = 0;
  // Only during the walk (released after): per file method_idx -> target, and the targets by
  // (class, key, virtual) across files.
  std::vector<std::vector<uint32_t>> mid_target_virtual_, mid_target_direct_;
  FlatMap64 dispatch_cache_;
  std::vector<uint32_t> mark_;  // per class, epoch marks for subtype walks
  uint32_t epoch_ = 0;

  std::vector<uint8_t> visited_;
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> root_reason_;  // per node: index in reasons_ or kNone
  std::vector<std::string> reasons_;
  std::vector<std::pair<uint32_t, uint32_t>> roots_;  // (component class, reason)
  std::vector<uint8_t> instantiated_, clinit_done_;
  std::vector<uint8_t> callback_key_;  // per method key: 0 not yet known, 1 no, 2 yes
  std::vector<uint32_t> queue_;
  uint32_t clinit_key_ = kNone;
};

}  // namespace apkvet::code
