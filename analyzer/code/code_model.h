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

class CodeModel {
 public:
  explicit CodeModel(const dex::DexCorpus& corpus);

  const dex::DexCorpus& corpus() const { return corpus_; }
  const dex::DexFile& file(uint32_t f) const { return *corpus_.files()[f]; }
  uint32_t file_count() const { return static_cast<uint32_t>(corpus_.files().size()); }

  // ---- classes: every class descriptor seen in any DEX (defined or only referenced) ----
  uint32_t class_count() const { return static_cast<uint32_t>(class_names_.size()); }
  std::string_view class_name(uint32_t c) const { return class_names_[c]; }
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
  uint32_t find_class(std::string_view descriptor) const;
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
  uint32_t intern_class(std::string_view d);

  const dex::DexCorpus& corpus_;
  std::vector<std::string_view> class_names_;
  std::unordered_map<std::string_view, uint32_t> class_ids_;
  std::vector<std::vector<uint32_t>> type_class_;  // per file: type_idx -> class id
  std::vector<uint32_t> def_file_, def_index_, super_;
  std::vector<uint32_t> iface_begin_, iface_ids_, sub_begin_, sub_ids_;

  std::vector<std::string_view> names_;
  std::vector<std::string> protos_;
  std::vector<uint32_t> key_name_, key_proto_;
  std::unordered_map<uint64_t, uint32_t> key_ids_;
  std::unordered_map<std::string_view, uint32_t> name_ids_;
  std::unordered_map<std::string, uint32_t> proto_ids_;
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
  uint64_t edge_count() const { return edges_.size(); }
  uint64_t root_count() const { return roots_.size(); }
  // Entry point first, `node` last; at most max_len methods (the middle elided as "...").
  std::pair<std::string, std::vector<std::string>> path(uint32_t node, size_t max_len) const;
  // A reachable method of class c (lowest node), or kNone.
  uint32_t reachable_method_of(uint32_t c) const;

 private:
  uint32_t dispatch_target(uint32_t f, uint32_t method_idx, bool virtual_call);
  void build_edges();
  void visit(uint32_t target, uint32_t parent, uint32_t reason);
  void instantiate(uint32_t c, uint32_t parent, uint32_t reason);
  void trigger_clinit(uint32_t c, uint32_t parent);
  bool callback_like(uint32_t node) const;

  const CodeModel& m_;
  uint32_t nodes_ = 0;
  // Targets: [0, nodes_) are methods, [nodes_, nodes_ + sets) are dispatch sets.
  std::vector<uint32_t> edge_begin_, edges_;
  std::vector<uint32_t> set_begin_, set_members_;
  // Only while the edges are built (released after): per file method_idx -> target, and the targets
  // by (class, key, virtual) across files in a flat open-addressing table (key ~0 = empty slot).
  std::vector<std::vector<uint32_t>> mid_target_virtual_, mid_target_direct_;
  std::vector<uint64_t> dispatch_keys_;
  std::vector<uint32_t> dispatch_values_;
  size_t dispatch_used_ = 0;
  std::vector<uint32_t> mark_;  // per class, epoch marks for subtype walks
  uint32_t epoch_ = 0;

  std::vector<uint8_t> visited_;
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> root_reason_;  // per node: index in reasons_ or kNone
  std::vector<std::string> reasons_;
  std::vector<std::pair<uint32_t, uint32_t>> roots_;  // (component class, reason)
  std::vector<uint8_t> instantiated_, clinit_done_;
  std::vector<uint32_t> queue_;
  uint32_t clinit_key_ = kNone;
};

}  // namespace apkvet::code
