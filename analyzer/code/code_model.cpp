#include "code/code_model.h"

#include <algorithm>

namespace apkvet::code {

using dex::kAccNative;
using dex::kAccPrivate;
using dex::kAccStatic;

// ---------------------------------------------------------------- FlatMap64

void FlatMap64::reserve(size_t n) {
  size_t slots = 1024;
  while (slots * 4 < n * 5) slots *= 2;
  if (slots > keys_.size()) rehash(slots);
}

void FlatMap64::rehash(size_t slots) {
  std::vector<uint64_t> keys(slots, kEmpty);
  std::vector<uint32_t> values(slots);
  keys.swap(keys_);
  values.swap(values_);
  for (size_t j = 0; j < keys.size(); ++j) {
    if (keys[j] == kEmpty) continue;
    size_t i = home(keys[j]);
    while (keys_[i] != kEmpty) i = (i + 1) & (keys_.size() - 1);
    keys_[i] = keys[j];
    values_[i] = values[j];
  }
}

std::pair<uint32_t, bool> FlatMap64::try_emplace(uint64_t key, uint32_t value) {
  if ((used_ + 1) * 5 > keys_.size() * 4) rehash(std::max<size_t>(keys_.size() * 2, 1024));  // load <= 4/5
  size_t i = home(key);
  while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & (keys_.size() - 1);
  if (keys_[i] == key) return {values_[i], false};
  keys_[i] = key;
  values_[i] = value;
  ++used_;
  return {value, true};
}

uint32_t FlatMap64::find(uint64_t key, uint32_t missing) const {
  if (keys_.empty()) return missing;
  size_t i = home(key);
  while (keys_[i] != kEmpty) {
    if (keys_[i] == key) return values_[i];
    i = (i + 1) & (keys_.size() - 1);
  }
  return missing;
}

// ---------------------------------------------------------------- ViewInterner

namespace {
uint32_t view_hash(std::string_view s) {
  uint64_t h = std::hash<std::string_view>{}(s);
  return static_cast<uint32_t>(h ^ (h >> 32));
}
}  // namespace

void ViewInterner::reserve(size_t n) {
  views_.reserve(n);
  hashes_.reserve(n);
  size_t slots = 1024;
  while (slots * 3 < n * 4) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
}

void ViewInterner::rehash(size_t slots) {
  slots_.assign(slots, kNone);
  for (uint32_t id = 0; id < views_.size(); ++id) {
    size_t i = hashes_[id] & (slots - 1);
    while (slots_[i] != kNone) i = (i + 1) & (slots - 1);
    slots_[i] = id;
  }
}

uint32_t ViewInterner::find(std::string_view s) const {
  if (slots_.empty()) return kNone;
  const uint32_t h = view_hash(s);
  for (size_t i = h & (slots_.size() - 1); slots_[i] != kNone; i = (i + 1) & (slots_.size() - 1))
    if (hashes_[slots_[i]] == h && views_[slots_[i]] == s) return slots_[i];
  return kNone;
}

uint32_t ViewInterner::intern(std::string_view s) {
  if ((views_.size() + 1) * 4 > slots_.size() * 3) rehash(std::max<size_t>(slots_.size() * 2, 1024));
  const uint32_t h = view_hash(s);
  size_t i = h & (slots_.size() - 1);
  for (; slots_[i] != kNone; i = (i + 1) & (slots_.size() - 1))
    if (hashes_[slots_[i]] == h && views_[slots_[i]] == s) return slots_[i];
  slots_[i] = static_cast<uint32_t>(views_.size());
  views_.push_back(s);
  hashes_.push_back(h);
  return slots_[i];
}

// ---------------------------------------------------------------- CodeModel

namespace {
// A class type ("Lcom/foo/Bar;"), interned as a class; every other descriptor is a type of its own.
// key_for must tell them apart exactly as the model was built, hence one test for both.
bool is_class_descriptor(std::string_view d) { return d.size() >= 3 && d.front() == 'L' && d.back() == ';'; }

uint64_t hash_types(const std::vector<uint32_t>& types) {
  uint64_t h = types.size();
  for (uint32_t t : types) h = (h ^ t) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}
}  // namespace

uint32_t CodeModel::find_proto(const std::vector<uint32_t>& types) const {
  if (proto_slots_.empty()) return kNone;
  const uint64_t h = hash_types(types);
  for (size_t i = h & (proto_slots_.size() - 1); proto_slots_[i] != kNone; i = (i + 1) & (proto_slots_.size() - 1)) {
    uint32_t p = proto_slots_[i];
    if (proto_hash_[p] == h && std::equal(types.begin(), types.end(), proto_types_.begin() + proto_begin_[p],
                                          proto_types_.begin() + proto_begin_[p + 1]))
      return p;
  }
  return kNone;
}

uint32_t CodeModel::intern_proto(const std::vector<uint32_t>& types) {
  if (uint32_t p = find_proto(types); p != kNone) return p;
  const uint32_t p = static_cast<uint32_t>(proto_hash_.size());
  proto_hash_.push_back(hash_types(types));
  proto_types_.insert(proto_types_.end(), types.begin(), types.end());
  proto_begin_.push_back(static_cast<uint32_t>(proto_types_.size()));
  if ((p + 1) * 4 > proto_slots_.size() * 3) {  // load <= 3/4
    proto_slots_.assign(std::max<size_t>(proto_slots_.size() * 2, 1024), kNone);
    for (uint32_t q = 0; q <= p; ++q) {
      size_t i = proto_hash_[q] & (proto_slots_.size() - 1);
      while (proto_slots_[i] != kNone) i = (i + 1) & (proto_slots_.size() - 1);
      proto_slots_[i] = q;
    }
  } else {
    size_t i = proto_hash_[p] & (proto_slots_.size() - 1);
    while (proto_slots_[i] != kNone) i = (i + 1) & (proto_slots_.size() - 1);
    proto_slots_[i] = p;
  }
  return p;
}

CodeModel::CodeModel(const dex::DexCorpus& corpus) : corpus_(corpus) {
  const uint32_t files = file_count();
  type_class_.resize(files);
  mid_key_.resize(files);
  size_t types_total = 0, methods_total = 0;
  for (uint32_t f = 0; f < files; ++f) {
    types_total += file(f).type_ids().size();
    methods_total += file(f).method_ids().size();
  }

  // Classes: intern every class type of every file.
  for (uint32_t f = 0; f < files; ++f) {
    const auto& df = file(f);
    auto& tc = type_class_[f];
    tc.assign(df.type_ids().size(), kNone);
    for (uint32_t t = 0; t < tc.size(); ++t) {
      std::string_view d = df.type_descriptor(t);
      if (is_class_descriptor(d)) tc[t] = classes_.intern(d);
    }
  }
  const uint32_t classes = class_count();
  def_file_.assign(classes, kNone);
  def_index_.assign(classes, kNone);
  super_.assign(classes, kNone);
  for (uint32_t f = 0; f < files; ++f) {
    const auto& df = file(f);
    auto cls = df.classes();
    for (uint32_t i = 0; i < cls.size(); ++i) {
      uint32_t c = type_class(f, cls[i].class_idx);
      if (c == kNone || def_file_[c] != kNone) continue;  // first definition in load order wins
      def_file_[c] = f;
      def_index_[c] = i;
      if (cls[i].superclass_idx != dex::kNoIndex) super_[c] = type_class(f, cls[i].superclass_idx);
      if (super_[c] == c) super_[c] = kNone;
    }
  }
  // Interfaces (CSR) and the reverse: subtypes.
  iface_begin_.assign(classes + 1, 0);
  std::vector<uint32_t> sub_count(classes + 1, 0);
  for (uint32_t c = 0; c < classes; ++c) {
    iface_begin_[c] = static_cast<uint32_t>(iface_ids_.size());
    if (def_file_[c] == kNone) continue;
    const auto& df = file(def_file_[c]);
    for (uint32_t t : df.class_interfaces(df.classes()[def_index_[c]])) {
      uint32_t i = type_class(def_file_[c], t);
      if (i != kNone && i != c) iface_ids_.push_back(i);
    }
  }
  iface_begin_[classes] = static_cast<uint32_t>(iface_ids_.size());
  for (uint32_t c = 0; c < classes; ++c) {
    if (super_[c] != kNone) ++sub_count[super_[c]];
    for (uint32_t i : interfaces(c)) ++sub_count[i];
  }
  sub_begin_.assign(classes + 1, 0);
  for (uint32_t c = 0; c < classes; ++c) sub_begin_[c + 1] = sub_begin_[c] + sub_count[c];
  sub_ids_.assign(sub_begin_[classes], 0);
  std::vector<uint32_t> fill(sub_begin_.begin(), sub_begin_.end() - 1);
  for (uint32_t c = 0; c < classes; ++c) {
    if (super_[c] != kNone) sub_ids_[fill[super_[c]]++] = c;
    for (uint32_t i : interfaces(c)) sub_ids_[fill[i]++] = c;
  }

  // Method keys: interned (name, proto) per method id.
  names_.reserve(methods_total / 4 + 16);
  key_ids_.reserve(methods_total / 2 + 16);
  for (uint32_t f = 0; f < files; ++f) {
    const auto& df = file(f);
    auto mids = df.method_ids();
    std::vector<uint32_t> proto_cache(df.proto_ids().size(), kNone);
    // Each type of the file as a proto lists it (class id, or an id of its own), looked up once.
    std::vector<uint32_t> type_key(df.type_ids().size(), kNone);
    auto key_of_type = [&](uint32_t t) {
      if (t >= type_key.size()) return kOtherType | other_types_.intern(df.type_descriptor(t));  // "" for a bad index
      uint32_t& k = type_key[t];
      if (k == kNone) k = type_class(f, t) != kNone ? type_class(f, t) : kOtherType | other_types_.intern(df.type_descriptor(t));
      return k;
    };
    std::vector<uint32_t> types;
    // A file's string ids are unique, and its method ids repeat names (<init>, run, get...): each name
    // is hashed once per file, not once per method id.
    std::vector<uint32_t> name_cache(df.string_count(), kNone);
    auto& mk = mid_key_[f];
    mk.assign(mids.size(), kNone);
    for (uint32_t i = 0; i < mids.size(); ++i) {
      const auto& id = mids[i];
      if (id.proto_idx >= proto_cache.size()) continue;
      uint32_t& p = proto_cache[id.proto_idx];
      if (p == kNone) {
        df.proto_parameters(id.proto_idx, types);
        for (uint32_t& t : types) t = key_of_type(t);
        types.insert(types.begin(), key_of_type(df.proto_ids()[id.proto_idx].return_type_idx));
        p = intern_proto(types);
      }
      uint32_t name_id;
      if (id.name_idx < name_cache.size() && name_cache[id.name_idx] != kNone) {
        name_id = name_cache[id.name_idx];
      } else {
        name_id = names_.intern(df.string(id.name_idx));
        if (id.name_idx < name_cache.size()) name_cache[id.name_idx] = name_id;
      }
      uint64_t k = (uint64_t(name_id) << 32) | p;
      auto [key, kins] = key_ids_.try_emplace(k, static_cast<uint32_t>(key_name_.size()));
      if (kins) {
        key_name_.push_back(name_id);
        key_proto_.push_back(p);
      }
      mk[i] = key;
    }
  }
  // Keys that some method id names on an external (framework/library) class.
  external_key_.assign(key_name_.size(), 0);
  for (uint32_t f = 0; f < files; ++f) {
    auto mids = file(f).method_ids();
    for (uint32_t i = 0; i < mids.size(); ++i) {
      uint32_t c = type_class(f, mids[i].class_idx);
      if (c != kNone && !defined(c) && mid_key_[f][i] != kNone) external_key_[mid_key_[f][i]] = 1;
    }
  }

  // Method nodes.
  method_base_.assign(files + 1, 0);
  for (uint32_t f = 0; f < files; ++f)
    method_base_[f + 1] = method_base_[f] + static_cast<uint32_t>(file(f).methods().size());
  node_key_.assign(method_base_[files], kNone);
  node_class_.assign(method_base_[files], kNone);
  for (uint32_t f = 0; f < files; ++f) {
    const auto& df = file(f);
    auto ms = df.methods();
    auto cls = df.classes();
    for (uint32_t i = 0; i < ms.size(); ++i) {
      uint32_t n = method_base_[f] + i;
      node_key_[n] = method_key(f, ms[i].method_idx);
      if (ms[i].class_def < cls.size()) node_class_[n] = type_class(f, cls[ms[i].class_def].class_idx);
    }
  }
  // Methods of each class (its first definition), sorted by key.
  cm_begin_.assign(classes + 1, 0);
  size_t class_methods_bound = 0;
  for (uint32_t c = 0; c < classes; ++c)
    if (def_file_[c] != kNone) {
      const auto& cd = file(def_file_[c]).classes()[def_index_[c]];
      if (cd.methods_end > cd.methods_begin) class_methods_bound += cd.methods_end - cd.methods_begin;
    }
  class_methods_.reserve(class_methods_bound);
  for (uint32_t c = 0; c < classes; ++c) {
    cm_begin_[c] = static_cast<uint32_t>(class_methods_.size());
    if (def_file_[c] == kNone) continue;
    const auto& cd = file(def_file_[c]).classes()[def_index_[c]];
    const size_t begin = class_methods_.size();
    for (uint32_t m = cd.methods_begin; m < cd.methods_end && m < file(def_file_[c]).methods().size(); ++m) {
      uint32_t n = method_base_[def_file_[c]] + m;
      if (node_key_[n] != kNone) class_methods_.emplace_back(node_key_[n], n);
    }
    std::sort(class_methods_.begin() + static_cast<std::ptrdiff_t>(begin), class_methods_.end());
  }
  cm_begin_[classes] = static_cast<uint32_t>(class_methods_.size());
}

uint32_t CodeModel::first_external_ancestor(uint32_t c) const {
  for (int depth = 0; c != kNone && depth < 256; ++depth) {
    if (!defined(c)) return c;
    c = super_[c];
  }
  return kNone;
}

uint32_t CodeModel::node_file(uint32_t n) const {
  auto it = std::upper_bound(method_base_.begin(), method_base_.end(), n);
  return static_cast<uint32_t>(it - method_base_.begin()) - 1;
}

uint32_t CodeModel::node_access(uint32_t n) const {
  uint32_t f = node_file(n);
  return file(f).methods()[n - method_base_[f]].access_flags;
}

std::string CodeModel::node_signature(uint32_t n) const {
  uint32_t f = node_file(n);
  return file(f).method_signature(file(f).methods()[n - method_base_[f]].method_idx);
}

uint32_t CodeModel::key_for(std::string_view name, std::string_view proto) const {
  const uint32_t name_id = names_.find(name);
  if (name_id == kNone || proto.size() < 3 || proto[0] != '(') return kNone;
  const size_t close = proto.find(')');
  if (close == std::string_view::npos) return kNone;
  // "(" parameters ")" return type, each a type descriptor: '[' prefixes, then "L...;" or one letter.
  std::vector<std::string_view> descriptors;
  auto read = [&](std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      size_t begin = i;
      while (i < s.size() && s[i] == '[') ++i;
      if (i == s.size()) return false;
      i = s[i] == 'L' ? s.find(';', i) : i;
      if (i == std::string_view::npos) return false;
      descriptors.push_back(s.substr(begin, ++i - begin));
    }
    return true;
  };
  std::string_view ret = proto.substr(close + 1);
  if (!read(ret) || descriptors.size() != 1 || !read(proto.substr(1, close - 1))) return kNone;
  std::vector<uint32_t> types;
  for (std::string_view d : descriptors) {
    uint32_t t = kNone;
    if (is_class_descriptor(d)) {
      t = find_class(d);
    } else if (uint32_t other = other_types_.find(d); other != kNone) {
      t = kOtherType | other;
    }
    if (t == kNone) return kNone;
    types.push_back(t);
  }
  uint32_t p = find_proto(types);
  return p == kNone ? kNone : key_ids_.find((uint64_t(name_id) << 32) | p);
}

uint32_t CodeModel::find_method(uint32_t c, uint32_t key) const {
  if (c == kNone || key == kNone) return kNone;
  auto ms = class_methods(c);
  auto it = std::lower_bound(ms.begin(), ms.end(), std::make_pair(key, 0u));
  return it != ms.end() && it->first == key ? it->second : kNone;
}

uint32_t CodeModel::resolve_up(uint32_t c, uint32_t key) const {
  for (int depth = 0; c != kNone && defined(c) && depth < 256; ++depth) {
    uint32_t n = find_method(c, key);
    if (n != kNone) return n;
    c = super_[c];
  }
  return kNone;
}

size_t CodeModel::memory_bytes() const {
  size_t b = classes_.memory_bytes() + names_.memory_bytes() + other_types_.memory_bytes();
  for (const auto& v : type_class_) b += v.capacity() * 4;
  for (const auto& v : mid_key_) b += v.capacity() * 4;
  b += (def_file_.capacity() + def_index_.capacity() + super_.capacity() + iface_ids_.capacity() +
        sub_ids_.capacity() + node_key_.capacity() + node_class_.capacity()) * 4;
  b += class_methods_.capacity() * 8 + key_ids_.memory_bytes();
  b += (proto_types_.capacity() + proto_begin_.capacity() + proto_slots_.capacity()) * 4 + proto_hash_.capacity() * 8;
  return b;
}

// ---------------------------------------------------------------- Reachability

namespace {
bool callback_name(std::string_view n) {
  if (n.size() > 2 && n[0] == 'o' && n[1] == 'n' && n[2] >= 'A' && n[2] <= 'Z') return true;
  static const std::string_view known[] = {
      "run", "call", "handleMessage", "doInBackground", "compare", "accept", "apply", "test", "get", "invoke",
      "uncaughtException", "execute", "handle", "intercept", "shouldOverrideUrlLoading", "shouldInterceptRequest",
      "getView", "getItem", "getCount", "getItemId", "getItemViewType", "createFromParcel", "newArray", "writeToParcel",
      "attachBaseContext", "dispatchTouchEvent", "dispatchKeyEvent", "toString", "hashCode", "equals", "finalize",
      "close", "update", "query", "insert", "delete", "getType", "doWork", "startWork", "createWorker", "instantiate",
      "getSystemService", "handleIntent", "performClick", "loadInBackground", "done", "next", "hasNext"};
  for (auto k : known)
    if (n == k) return true;
  return false;
}
}  // namespace

Reachability::Reachability(const CodeModel& model) : m_(model), nodes_(model.node_count()) {
  const uint32_t files = m_.file_count();
  mid_target_virtual_.resize(files);
  mid_target_direct_.resize(files);
  for (uint32_t f = 0; f < files; ++f) {
    mid_target_virtual_[f].assign(m_.file(f).method_ids().size(), kNone - 1);  // kNone-1 = not computed
    mid_target_direct_[f].assign(m_.file(f).method_ids().size(), kNone - 1);
  }
  mark_.assign(m_.class_count(), 0);
  set_begin_.push_back(0);
  instantiated_.assign(m_.class_count(), 0);
  clinit_done_.assign(m_.class_count(), 0);
  callback_key_.assign(m_.key_count(), 0);
  clinit_key_ = m_.key_for("<clinit>", "()V");
  // A call's target is resolved when the walk reaches its caller (dispatch_target), not for every
  // call site up front: about 40% of an app's methods are reachable, and resolving the calls of the
  // rest was half of this analysis' time. The walk visits the same nodes in the same order either way.
  visited_.assign(nodes_, 0);
  parent_.assign(nodes_, kNone);
  root_reason_.assign(nodes_, kNone);
}

// A call's target: a method node, a dispatch set (nodes_ + set index), or kNone (nothing in the app).
uint32_t Reachability::dispatch_target(uint32_t f, uint32_t mid, bool virtual_call) {
  auto& cache = virtual_call ? mid_target_virtual_[f] : mid_target_direct_[f];
  if (mid >= cache.size()) return kNone;
  if (cache[mid] != kNone - 1) return cache[mid];
  const auto& id = m_.file(f).method_ids()[mid];
  uint32_t c = m_.type_class(f, id.class_idx);
  uint32_t key = m_.method_key(f, mid);
  uint32_t result = kNone;
  if (c != kNone && key != kNone) {
    uint64_t ck = (uint64_t(c) << 33) | (uint64_t(key) << 1) | (virtual_call ? 1 : 0);
    result = dispatch_cache_.find(ck, kNone - 1);
    if (result == kNone - 1) {
      result = kNone;
      std::vector<uint32_t> targets;
      uint32_t up = m_.resolve_up(c, key);
      if (up != kNone) targets.push_back(up);
      if (virtual_call) {
        // Every app subtype (transitively) that defines the key.
        ++epoch_;
        std::vector<uint32_t> stack(m_.subtypes(c).begin(), m_.subtypes(c).end());
        mark_[c] = epoch_;
        while (!stack.empty()) {
          uint32_t s = stack.back();
          stack.pop_back();
          if (mark_[s] == epoch_) continue;
          mark_[s] = epoch_;
          uint32_t n = m_.find_method(s, key);
          if (n != kNone && n != up) targets.push_back(n);
          for (uint32_t t : m_.subtypes(s))
            if (mark_[t] != epoch_) stack.push_back(t);
        }
      }
      if (targets.size() == 1) {
        result = targets[0];
      } else if (targets.size() > 1) {
        std::sort(targets.begin(), targets.end());
        targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
        result = nodes_ + static_cast<uint32_t>(set_begin_.size() - 1);
        set_members_.insert(set_members_.end(), targets.begin(), targets.end());
        set_begin_.push_back(static_cast<uint32_t>(set_members_.size()));
        visited_.push_back(0);  // the set is a node of the walk
        parent_.push_back(kNone);
      }
      dispatch_cache_.try_emplace(ck, result);
    }
  }
  cache[mid] = result;
  return result;
}

bool Reachability::callback_like(uint32_t n) {
  uint32_t key = m_.node_key(n);
  if (key == kNone) return false;
  // Known per key: instantiating a class looks at the methods of each of its ancestors, again for
  // every subclass instantiated.
  uint8_t& known = callback_key_[key];
  if (known == 0) {
    std::string_view name = m_.key_name(key);
    bool callback = name != "<init>" && name != "<clinit>" && (callback_name(name) || m_.external_key(key));
    known = callback ? 2 : 1;
  }
  return known == 2;
}

void Reachability::visit(uint32_t t, uint32_t parent, uint32_t reason) {
  if (t >= visited_.size() || visited_[t]) return;
  visited_[t] = 1;
  parent_[t] = parent;
  if (t < nodes_ && parent == kNone && reason != kNone) root_reason_[t] = reason;
  queue_.push_back(t);
}

void Reachability::trigger_clinit(uint32_t c, uint32_t parent) {
  if (c == kNone || clinit_done_[c] || !m_.defined(c)) return;
  clinit_done_[c] = 1;
  uint32_t n = m_.find_method(c, clinit_key_);
  if (n != kNone) visit(n, parent, kNone);
}

void Reachability::instantiate(uint32_t c, uint32_t parent, uint32_t reason) {
  if (c == kNone || instantiated_[c] || !m_.defined(c)) return;
  instantiated_[c] = 1;
  trigger_clinit(c, parent);
  // Callbacks of the class and of its app-defined ancestors (inherited overrides).
  uint32_t cc = c;
  for (int depth = 0; cc != kNone && m_.defined(cc) && depth < 256; ++depth, cc = m_.superclass(cc)) {
    for (const auto& [key, n] : m_.class_methods(cc)) {
      if (!callback_like(n) || (m_.node_access(n) & (kAccStatic | kAccPrivate))) continue;
      visit(n, parent, reason);
    }
    if (cc != c) trigger_clinit(cc, parent);
  }
}

void Reachability::add_component(uint32_t c, const std::string& reason) {
  if (c == kNone || !m_.defined(c)) return;
  uint32_t r = static_cast<uint32_t>(reasons_.size());
  reasons_.push_back(reason);
  roots_.emplace_back(c, r);
}

void Reachability::run() {
  for (const auto& [c, r] : roots_) {
    // The framework constructs the component and calls its lifecycle/callback methods.
    for (const auto& [key, n] : m_.class_methods(c))
      if (m_.key_name(key) == "<init>") visit(n, kNone, r);
    uint32_t clinit = m_.find_method(c, clinit_key_);
    if (clinit != kNone) {
      clinit_done_[c] = 1;
      visit(clinit, kNone, r);
    }
    if (!instantiated_[c]) {
      // instantiate() with no parent marks callbacks as roots with this reason.
      instantiate(c, kNone, r);
    }
  }
  for (size_t head = 0; head < queue_.size(); ++head) {
    const uint32_t t = queue_[head];
    if (t >= nodes_) {
      const uint32_t s = t - nodes_;
      for (uint32_t i = set_begin_[s]; i < set_begin_[s + 1]; ++i) visit(set_members_[i], t, kNone);
      continue;
    }
    const uint32_t f = m_.node_file(t);
    const uint32_t mi = t - m_.node(f, 0);
    const auto& df = m_.file(f);
    // Its calls: one edge per call site, a run of calls to the same target counted once.
    uint32_t last = kNone;
    for (const auto& cs : df.calls_of(mi)) {
      if (cs.kind == dex::InvokeKind::kCustom) continue;
      const bool virt = cs.kind == dex::InvokeKind::kVirtual || cs.kind == dex::InvokeKind::kInterface;
      uint32_t target = dispatch_target(f, cs.target, virt);
      if (target != kNone && target != last) {
        ++edges_walked_;
        visit(target, t, kNone);
        last = target;
      }
    }
    for (const auto& tu : df.types_of(mi)) {
      if (tu.op == dex::TypeOp::kNewInstance || tu.op == dex::TypeOp::kConstClass)
        instantiate(m_.type_class(f, tu.type_idx), t, kNone);
    }
    for (const auto& fu : df.fields_of(mi)) {
      if (fu.op == dex::FieldOp::kStaticGet || fu.op == dex::FieldOp::kStaticPut) {
        if (fu.field_idx < df.field_ids().size()) trigger_clinit(m_.type_class(f, df.field_ids()[fu.field_idx].class_idx), t);
      }
    }
    for (const auto& cs : df.calls_of(mi)) {
      if (cs.kind == dex::InvokeKind::kStatic && cs.target < df.method_ids().size())
        trigger_clinit(m_.type_class(f, df.method_ids()[cs.target].class_idx), t);
    }
    // JNI: native code behind a reachable native method may call back into its class.
    if (df.methods()[mi].access_flags & kAccNative) {
      uint32_t c = m_.node_class(t);
      if (c != kNone)
        for (const auto& [key, n] : m_.class_methods(c)) visit(n, t, kNone);
    }
  }
  // The resolution caches only serve the walk.
  std::vector<std::vector<uint32_t>>().swap(mid_target_virtual_);
  std::vector<std::vector<uint32_t>>().swap(mid_target_direct_);
  dispatch_cache_.release();
  std::vector<uint32_t>().swap(mark_);
}

uint64_t Reachability::reachable_count() const {
  uint64_t n = 0;
  for (uint32_t i = 0; i < nodes_; ++i) n += visited_[i];
  return n;
}

std::pair<std::string, std::vector<std::string>> Reachability::path(uint32_t node, size_t max_len) const {
  std::vector<uint32_t> chain;
  for (uint32_t n = node; n != kNone && chain.size() < 100000; n = parent_[n])
    if (n < nodes_) chain.push_back(n);
  std::reverse(chain.begin(), chain.end());
  std::string reason;
  if (!chain.empty() && root_reason_[chain.front()] != kNone) reason = reasons_[root_reason_[chain.front()]];
  std::vector<std::string> out;
  if (max_len < 4) max_len = 4;
  for (size_t i = 0; i < chain.size(); ++i) {
    if (chain.size() > max_len && i == 2) {
      out.push_back("...");
      i = chain.size() - (max_len - 3);
    }
    out.push_back(m_.node_signature(chain[i]));
  }
  return {reason, out};
}

uint32_t Reachability::reachable_method_of(uint32_t c) const {
  uint32_t best = kNone;
  for (const auto& [key, n] : m_.class_methods(c))
    if (visited_[n] && n < best) best = n;
  return best;
}

}  // namespace apkvet::code
