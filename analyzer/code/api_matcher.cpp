#include "code/api_matcher.h"

#include <string>
#include <string_view>
#include <unordered_map>

namespace apkvet::code {

const char* to_string(UseKind k) {
  switch (k) {
    case UseKind::invoke: return "invoke";
    case UseKind::field_read: return "field_read";
    case UseKind::const_string: return "const_string";
    case UseKind::content_uri: return "content_uri";
    case UseKind::override_method: return "override";
  }
  return "?";
}

namespace {

struct Target {
  TargetType type;
  uint32_t index;
};

// The rules that apply to references through one class: the class itself and its app-defined
// ancestors (a bundled library class such as okhttp3.OkHttpClient is app-defined), then the first
// external ancestor (framework/library class an app class extends) and its known framework supertypes.
struct ChainEntry {
  const ClassRules* rules;
  bool self;  // the referenced class itself (not an ancestor)
};
struct ClassChain {
  std::vector<ChainEntry> entries;
  uint32_t prefix_rule = kNone;  // a package-prefix rule covering the class itself
};

class Matcher {
 public:
  Matcher(const CodeModel& m, const CodeRules& r)
      : m_(m), r_(r), chain_of_(m.class_count(), kUnset), rules_of_(m.class_count(), nullptr) {
    // The rules' classes the app names, by class id: a chain looks its classes up by id, where
    // hashing each class name of every chain was most of building them.
    for (const auto& [name, rules] : r_.classes)
      if (uint32_t c = m_.find_class(name); c != kNone) rules_of_[c] = &rules;
  }

  std::vector<RawUse> run() {
    for (uint32_t f = 0; f < m_.file_count(); ++f) match_file(f);
    match_overrides();
    return std::move(out_);
  }

 private:
  static constexpr uint32_t kUnset = kNone - 1;

  uint32_t chain(uint32_t c) {
    if (c == kNone) return kNone;
    uint32_t& slot = chain_of_[c];
    if (slot != kUnset) return slot;
    ClassChain ch;
    std::string_view own = m_.class_name(c);
    for (uint32_t pr : r_.prefix_rules) {
      const auto& p = r_.apis[pr].package_prefix;
      if (own.size() > p.size() && own.compare(0, p.size(), p) == 0) {
        ch.prefix_rule = pr;
        break;
      }
    }
    uint32_t cc = c;
    for (int depth = 0; cc != kNone && depth < 256; ++depth) {
      if (rules_of_[cc]) ch.entries.push_back({rules_of_[cc], cc == c});
      if (!m_.defined(cc)) {
        for (const ClassRules* rules : framework_supertype_rules(cc)) ch.entries.push_back({rules, false});
        break;
      }
      cc = m_.superclass(cc);
    }
    if (ch.entries.empty() && ch.prefix_rule == kNone) {
      slot = kNone;
    } else {
      slot = static_cast<uint32_t>(chains_.size());
      chains_.push_back(std::move(ch));
    }
    return slot;
  }

  // The rules of the known framework supertypes of an external class, in the rules' order; once per class.
  const std::vector<const ClassRules*>& framework_supertype_rules(uint32_t c) {
    auto [it, inserted] = supertype_rules_.try_emplace(c);
    if (inserted) {
      auto sup = r_.framework_supertypes.find(std::string(m_.class_name(c)));
      if (sup != r_.framework_supertypes.end())
        for (const auto& s : sup->second)
          if (auto rules = r_.classes.find(s); rules != r_.classes.end()) it->second.push_back(&rules->second);
    }
    return it->second;
  }

  // Targets of a member (method "name(P)R" or field "name:T") referenced through class c. Returns
  // whether the match came from an ancestor (the reference went through a subclass). With
  // `ancestors_only`, the class's own rules are skipped (for overrides).
  bool lookup(uint32_t c, const std::string& member, std::string_view name, bool method, std::vector<Target>& out,
              bool ancestors_only = false) {
    uint32_t ci = chain(c);
    if (ci == kNone) return false;
    const ClassChain& ch = chains_[ci];
    bool via_ancestor = false;
    for (const ChainEntry& e : ch.entries) {
      if (ancestors_only && e.self) continue;
      const ClassRules* cr = e.rules;
      auto it = cr->by_member.find(member);
      if (it != cr->by_member.end()) {
        for (uint32_t i : it->second.api_members) out.push_back({TargetType::api_member, i});
        for (uint32_t i : it->second.permission_mappings) out.push_back({TargetType::mapping, i});
      }
      if (method) {
        key_.assign(name);
        auto ao = cr->any_overload.find(key_);
        if (ao != cr->any_overload.end())
          for (uint32_t i : ao->second) out.push_back({TargetType::api_rule, i});
      }
      if (!out.empty()) {  // the nearest class with a match wins
        via_ancestor = !e.self;
        break;
      }
    }
    if (method && ch.prefix_rule != kNone && !ancestors_only) out.push_back({TargetType::prefix_rule, ch.prefix_rule});
    return via_ancestor;
  }

  bool strings_satisfy(const dex::DexFile& df, uint32_t method, const std::vector<StringCondition>& conds) {
    if (conds.empty()) return true;
    for (const auto& su : df.strings_of(method)) {
      std::string_view s = df.string(su.string_idx);
      for (const auto& c : conds)
        if (c.matches(s)) return true;
    }
    return false;
  }

  // Library rules (OkHttp, Play services...) do not count calls made from inside the library itself.
  bool inside_library(uint32_t caller_class, const ApiRule& rule, std::string_view target_class) {
    if (rule.scope == "framework" || caller_class == kNone) return false;
    std::string_view pkg = rule.package_prefix.empty() ? target_class : std::string_view(rule.package_prefix);
    auto slash = pkg.rfind('/');
    if (slash == std::string_view::npos) return false;
    pkg = pkg.substr(0, slash + 1);
    std::string_view caller = m_.class_name(caller_class);
    return caller.size() > pkg.size() && caller.compare(0, pkg.size(), pkg) == 0;
  }

  bool accept(const dex::DexFile& df, uint32_t method, uint32_t node, const Target& t, std::string_view target_class) {
    switch (t.type) {
      case TargetType::api_member: {
        const ApiMember& mem = r_.members[t.index];
        const ApiRule& rule = r_.apis[mem.rule];
        if (inside_library(m_.node_class(node), rule, target_class)) return false;
        return strings_satisfy(df, method, mem.requires_string);
      }
      case TargetType::api_rule:
      case TargetType::prefix_rule: {
        const ApiRule& rule = r_.apis[t.index];
        if (inside_library(m_.node_class(node), rule, target_class)) return false;
        return strings_satisfy(df, method, rule.requires_string);
      }
      default:
        return true;
    }
  }

  // "name(P)R" of a method id into member_, its proto's descriptor built once per file.
  const std::string& method_member(const dex::DexFile& df, const dex::MethodId& id, std::vector<std::string>& protos) {
    member_.assign(df.string(id.name_idx));
    if (id.proto_idx < protos.size()) {
      std::string& d = protos[id.proto_idx];
      if (d.empty()) d = df.method_descriptor(id.proto_idx);  // never empty once built: "(" ")" at least
      member_ += d;
    } else {
      member_ += df.method_descriptor(id.proto_idx);  // a bad index: "()", as before
    }
    return member_;
  }

  void match_file(uint32_t f) {
    const auto& df = m_.file(f);
    auto mids = df.method_ids();
    auto fids = df.field_ids();
    std::vector<std::string> protos(df.proto_ids().size());
    // Per method id / field id: the targets it matches (flattened; begin index per id).
    std::vector<uint32_t> mid_begin(mids.size() + 1, 0), fid_begin(fids.size() + 1, 0);
    std::vector<Target> mid_targets, fid_targets;
    std::vector<uint32_t> mid_via(mids.size(), kNone);
    std::vector<Target> tmp;
    for (uint32_t i = 0; i < mids.size(); ++i) {
      mid_begin[i] = static_cast<uint32_t>(mid_targets.size());
      uint32_t c = m_.type_class(f, mids[i].class_idx);
      if (c == kNone || chain(c) == kNone) continue;
      std::string_view name = df.string(mids[i].name_idx);
      tmp.clear();
      bool via = lookup(c, method_member(df, mids[i], protos), name, true, tmp);
      mid_targets.insert(mid_targets.end(), tmp.begin(), tmp.end());
      if (!tmp.empty() && via) mid_via[i] = c;
    }
    mid_begin[mids.size()] = static_cast<uint32_t>(mid_targets.size());
    for (uint32_t i = 0; i < fids.size(); ++i) {
      fid_begin[i] = static_cast<uint32_t>(fid_targets.size());
      uint32_t c = m_.type_class(f, fids[i].class_idx);
      if (c == kNone || chain(c) == kNone) continue;
      std::string_view name = df.string(fids[i].name_idx);
      member_.assign(name);
      member_ += ':';
      member_ += df.type_descriptor(fids[i].type_idx);
      tmp.clear();
      lookup(c, member_, name, false, tmp);
      fid_targets.insert(fid_targets.end(), tmp.begin(), tmp.end());
    }
    fid_begin[fids.size()] = static_cast<uint32_t>(fid_targets.size());

    const uint32_t methods = static_cast<uint32_t>(df.methods().size());
    if (!mid_targets.empty()) {
      for (uint32_t caller = 0; caller < methods; ++caller) {
        const uint32_t node = m_.node(f, caller);
        for (const auto& cs : df.calls_of(caller)) {
          if (cs.kind == dex::InvokeKind::kCustom || cs.target >= mids.size()) continue;
          std::string_view tclass = df.type_descriptor(mids[cs.target].class_idx);
          for (uint32_t k = mid_begin[cs.target]; k < mid_begin[cs.target + 1]; ++k) {
            const Target& t = mid_targets[k];
            if (t.type == TargetType::api_member && r_.members[t.index].field) continue;
            if (!accept(df, caller, node, t, tclass)) continue;
            out_.push_back({node, cs.pc, cs.target, t.index, mid_via[cs.target], UseKind::invoke, t.type});
          }
        }
      }
    }
    if (!fid_targets.empty()) {
      for (const auto& fu : df.field_uses()) {
        if (fu.op != dex::FieldOp::kStaticGet && fu.op != dex::FieldOp::kInstanceGet) continue;
        if (fu.field_idx >= fids.size() || fu.caller >= methods) continue;
        const uint32_t node = m_.node(f, fu.caller);
        std::string_view tclass = df.type_descriptor(fids[fu.field_idx].class_idx);
        for (uint32_t k = fid_begin[fu.field_idx]; k < fid_begin[fu.field_idx + 1]; ++k) {
          const Target& t = fid_targets[k];
          if (!accept(df, fu.caller, node, t, tclass)) continue;
          out_.push_back({node, fu.pc, fu.field_idx, t.index, kNone, UseKind::field_read, t.type});
        }
      }
    }
    // const-string: content:// URIs of known providers, and inlined String constants.
    static constexpr std::string_view kContent = "content://";
    for (const auto& su : df.string_uses()) {
      if (su.caller >= methods) continue;
      std::string_view s = df.string(su.string_idx);
      if (s.size() > kContent.size() && s.compare(0, kContent.size(), kContent) == 0) {
        std::string_view rest = s.substr(kContent.size());
        key_.assign(rest.substr(0, rest.find_first_of("/?#")));
        auto it = r_.provider_by_authority.find(key_);
        if (it != r_.provider_by_authority.end())
          out_.push_back({m_.node(f, su.caller), su.pc, su.string_idx, it->second, kNone, UseKind::content_uri,
                          TargetType::provider});
        continue;
      }
      if (s.size() < 6 || s.size() > 64) continue;
      key_.assign(s);
      auto it = r_.constant_strings.find(key_);
      if (it == r_.constant_strings.end()) continue;
      for (uint32_t mi : it->second)
        out_.push_back({m_.node(f, su.caller), su.pc, su.string_idx, mi, kNone, UseKind::const_string,
                        TargetType::api_member});
    }
  }

  // App methods that override a sensitive framework callback (AccessibilityService.onAccessibilityEvent,
  // NotificationListenerService.onNotificationPosted, DeviceAdminReceiver.onEnabled...).
  void match_overrides() {
    std::vector<Target> tmp;
    std::vector<std::vector<std::string>> protos(m_.file_count());
    for (uint32_t f = 0; f < m_.file_count(); ++f) protos[f].resize(m_.file(f).proto_ids().size());
    for (uint32_t c = 0; c < m_.class_count(); ++c) {
      if (!m_.defined(c)) continue;
      uint32_t ci = chain(c);
      if (ci == kNone) continue;
      bool has_ancestor_rules = false;
      for (const auto& e : chains_[ci].entries) has_ancestor_rules = has_ancestor_rules || !e.self;
      if (!has_ancestor_rules) continue;
      for (const auto& [key, n] : m_.class_methods(c)) {
        const uint32_t f = m_.node_file(n);
        const auto& df = m_.file(f);
        const auto& meth = df.methods()[m_.node_method(n)];
        if (meth.direct) continue;
        const auto& id = df.method_ids()[meth.method_idx];
        std::string_view name = df.string(id.name_idx);
        tmp.clear();
        lookup(c, method_member(df, id, protos[f]), name, false, tmp, true);
        for (const auto& t : tmp) {
          if (t.type != TargetType::api_member || r_.members[t.index].field) continue;
          out_.push_back({n, 0, meth.method_idx, t.index, c, UseKind::override_method, t.type});
        }
      }
    }
  }

  const CodeModel& m_;
  const CodeRules& r_;
  std::vector<uint32_t> chain_of_;
  std::vector<ClassChain> chains_;
  std::vector<const ClassRules*> rules_of_;  // by class id
  std::unordered_map<uint32_t, std::vector<const ClassRules*>> supertype_rules_;  // by external class id
  std::vector<RawUse> out_;
  // Reused for the lookups' keys, which the rules' maps take as std::string.
  std::string member_, key_;
};

}  // namespace

std::vector<RawUse> match_api_uses(const CodeModel& model, const CodeRules& rules) {
  return Matcher(model, rules).run();
}

}  // namespace apkvet::code
