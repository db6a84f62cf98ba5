#include "code/code_facts.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "code/api_matcher.h"
#include "code/code_model.h"
#include "code/manifest_view.h"
#include "code/obfuscation.h"
#include "code/tracker_matcher.h"

namespace apkvet {

using namespace code;

const char* to_string(Reach r) {
  switch (r) {
    case Reach::reachable: return "reachable";
    case Reach::unreachable: return "unreachable";
    case Reach::unknown: return "unknown";
  }
  return "?";
}

namespace {

// A permission requirement of one use, in priority order of its source.
struct Requirement {
  const std::vector<std::string>* perms = nullptr;
  bool all_of = false;
  bool conditional = false;
  const char* source = "";
};

struct Context {
  const CodeModel& m;
  const CodeRules& r;
  const Reachability* reach;  // null when reachability is off or has no roots
  const CodeOptions& opt;

  Reach reach_of(uint32_t node) const {
    if (!reach) return Reach::unknown;
    return reach->reachable(node) ? Reach::reachable : Reach::unreachable;
  }
  ReachPath path_of(uint32_t node) const {
    ReachPath p;
    if (!reach || !reach->reachable(node)) return p;
    auto [reason, methods] = reach->path(node, opt.max_path);
    p.entry_reason = reason;
    p.methods = std::move(methods);
    return p;
  }
};

const dex::DexFile& file_of(const CodeModel& m, uint32_t node) { return m.file(m.node_file(node)); }

std::string target_text(const Context& cx, const RawUse& u) {
  const auto& df = file_of(cx.m, u.node);
  switch (u.target_type) {
    case TargetType::api_member:
      return cx.r.members[u.target].descriptor;
    case TargetType::mapping:
      return cx.r.mappings[u.target].descriptor;
    case TargetType::provider:
      return std::string(df.string(u.ref));
    case TargetType::api_rule:
    case TargetType::prefix_rule:
      return u.kind == UseKind::field_read ? df.field_signature(u.ref) : df.method_signature(u.ref);
  }
  return {};
}

void category_of(const Context& cx, const RawUse& u, std::string& category, std::string& sub, std::string& rule_id) {
  switch (u.target_type) {
    case TargetType::api_member: {
      const auto& mem = cx.r.members[u.target];
      const auto& rule = cx.r.apis[mem.rule];
      category = rule.category;
      sub = mem.subcategory.empty() ? rule.subcategory : mem.subcategory;
      rule_id = rule.id;
      return;
    }
    case TargetType::api_rule:
    case TargetType::prefix_rule: {
      const auto& rule = cx.r.apis[u.target];
      category = rule.category;
      sub = rule.subcategory;
      rule_id = rule.id;
      return;
    }
    case TargetType::provider: {
      const auto& p = cx.r.providers[u.target];
      category = p.category;
      sub = "content_uri:" + p.authority;
      rule_id = "provider:" + p.authority;
      return;
    }
    case TargetType::mapping:
      return;
  }
}

ApiUse make_use(const Context& cx, const RawUse& u, bool with_path) {
  ApiUse a;
  category_of(cx, u, a.category, a.subcategory, a.rule);
  a.kind = to_string(u.kind);
  a.target = target_text(cx, u);
  const auto& df = file_of(cx.m, u.node);
  const uint32_t method = cx.m.node_method(u.node);
  if (u.via_class != kNone) a.via_class = std::string(cx.m.class_name(u.via_class));
  a.caller_method = cx.m.node_signature(u.node);
  a.caller_class = a.caller_method.substr(0, a.caller_method.find("->"));
  std::string value = a.target;
  if (u.kind == UseKind::const_string || u.kind == UseKind::content_uri) value = std::string(df.string(u.ref));
  a.evidence = {df.path(), df.location(method, u.pc), Evidence::truncate(value)};
  a.reach = cx.reach_of(u.node);
  if (with_path) a.path = cx.path_of(u.node);
  return a;
}

// The permission requirements of one use, highest-priority source first.
std::vector<Requirement> requirements(const Context& cx, const RawUse& u) {
  std::vector<Requirement> out;
  switch (u.target_type) {
    case TargetType::api_member: {
      const auto& mem = cx.r.members[u.target];
      if (!mem.sdk36_all_of.empty()) out.push_back({&mem.sdk36_all_of, true, mem.sdk36_conditional, "sdk36"});
      if (!mem.sdk36_any_of.empty()) out.push_back({&mem.sdk36_any_of, false, mem.sdk36_conditional, "sdk36"});
      const auto& rule = cx.r.apis[mem.rule];
      if (!rule.permissions.empty()) out.push_back({&rule.permissions, false, true, "documented"});
      break;
    }
    case TargetType::api_rule:
    case TargetType::prefix_rule: {
      const auto& rule = cx.r.apis[u.target];
      if (!rule.permissions.empty()) out.push_back({&rule.permissions, false, true, "documented"});
      break;
    }
    case TargetType::provider:
      break;  // handled by the caller (single permission strings)
    case TargetType::mapping: {
      const auto& mp = cx.r.mappings[u.target];
      const char* src = mp.low_confidence ? "axplorer_api25" : "sdk36";
      if (!mp.all_of.empty()) out.push_back({&mp.all_of, true, mp.conditional, src});
      if (!mp.any_of.empty()) out.push_back({&mp.any_of, false, mp.conditional, src});
      break;
    }
  }
  return out;
}

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void build_categories(const Context& cx, const std::vector<RawUse>& uses, CodeFacts& out) {
  struct Acc {
    std::vector<uint32_t> uses;  // indexes into `uses`
    std::set<std::string> subs, apis;
    std::unordered_set<uint32_t> callers;
    uint64_t reachable = 0;
  };
  std::map<std::string, Acc> acc;
  std::string cat, sub, rule;
  for (uint32_t i = 0; i < uses.size(); ++i) {
    const RawUse& u = uses[i];
    if (u.target_type == TargetType::mapping) continue;
    cat.clear();
    sub.clear();
    category_of(cx, u, cat, sub, rule);
    Acc& a = acc[cat];
    a.uses.push_back(i);
    if (!sub.empty()) a.subs.insert(sub);
    if (a.apis.size() < cx.opt.max_apis_per_category * 4) a.apis.insert(target_text(cx, u));
    a.callers.insert(u.node);
    if (cx.reach_of(u.node) == Reach::reachable) ++a.reachable;
  }
  for (auto& [category, a] : acc) {
    CategoryUse cu;
    cu.category = category;
    cu.label = cx.r.label(category);
    cu.uses = a.uses.size();
    cu.reachable_uses = a.reachable;
    cu.callers = a.callers.size();
    cu.subcategories.assign(a.subs.begin(), a.subs.end());
    for (const auto& api : a.apis) {
      if (cu.apis.size() >= cx.opt.max_apis_per_category) break;
      cu.apis.push_back(api);
    }
    // Examples: reachable first, then in node/pc order (deterministic), one per caller+target first.
    std::stable_sort(a.uses.begin(), a.uses.end(), [&](uint32_t x, uint32_t y) {
      const RawUse &ux = uses[x], &uy = uses[y];
      bool rx = cx.reach_of(ux.node) == Reach::reachable, ry = cx.reach_of(uy.node) == Reach::reachable;
      if (rx != ry) return rx;
      if (ux.node != uy.node) return ux.node < uy.node;
      return ux.pc < uy.pc;
    });
    std::set<std::pair<uint32_t, uint32_t>> seen;  // (caller, target) shown once
    for (uint32_t i : a.uses) {
      if (cu.examples.size() >= cx.opt.max_examples_per_category) {
        cu.truncated = true;
        break;
      }
      const RawUse& u = uses[i];
      if (!seen.insert({u.node, u.target * 8 + static_cast<uint32_t>(u.target_type)}).second) continue;
      cu.examples.push_back(make_use(cx, u, true));
    }
    if (cu.examples.size() < a.uses.size()) cu.truncated = cu.truncated || seen.size() < a.uses.size();
    out.categories.push_back(std::move(cu));
  }
}

// Whether an ordinary app can hold `p` and needs it: a permission introduced after the app's
// targetSdk does not gate the API for this app (QUERY_ALL_PACKAGES, SCHEDULE_EXACT_ALARM...).
bool grantable(const CodeRules& r, const std::string& p, int target_sdk) {
  const code::PermissionInfo* info = r.permission(p);
  if (!info || !info->grantable) return false;
  return target_sdk <= 0 || info->added_api <= target_sdk;
}

void build_permissions(const Context& cx, const ManifestView& mv, const std::vector<RawUse>& uses, CodeFacts& out) {
  PermissionFacts& pf = out.permissions;
  pf.requested_from = mv.present ? "manifest" : "none";
  pf.requested = mv.permissions;
  std::unordered_set<std::string> requested(mv.permissions.begin(), mv.permissions.end());
  requested.insert(mv.implied.begin(), mv.implied.end());  // granted with a requested one
  auto is_requested = [&](const std::string& p) { return requested.count(p) > 0; };

  struct PermAcc {
    uint64_t uses = 0, reachable = 0;
    std::set<std::string> apis, categories;
    std::vector<uint32_t> examples;
  };
  std::map<std::string, PermAcc> used;
  struct MissAcc {
    MissingPermission mp;
    bool have_reachable = false;
  };
  std::map<std::string, MissAcc> missing;  // by api + source

  std::string cat, sub, rule;
  for (uint32_t i = 0; i < uses.size(); ++i) {
    const RawUse& u = uses[i];
    cat.clear();
    category_of(cx, u, cat, sub, rule);
    const Reach reach = cx.reach_of(u.node);
    std::vector<std::string> provider_perm;
    std::vector<Requirement> reqs = requirements(cx, u);
    if (u.target_type == TargetType::provider) {
      const auto& p = cx.r.providers[u.target];
      if (!p.read_permission.empty()) provider_perm.push_back(p.read_permission);
      if (!provider_perm.empty()) reqs.push_back({&provider_perm, false, false, "provider"});
    }
    if (reqs.empty()) continue;
    // Attribution: every named permission of every requirement (Axplorer only when nothing else).
    bool only_axplorer = std::all_of(reqs.begin(), reqs.end(), [](const Requirement& q) { return std::string_view(q.source) == "axplorer_api25"; });
    std::string api = target_text(cx, u);
    for (const auto& q : reqs) {
      if (std::string_view(q.source) == "axplorer_api25" && !only_axplorer) continue;
      for (const auto& p : *q.perms) {
        PermAcc& pa = used[p];
        ++pa.uses;
        if (reach == Reach::reachable) ++pa.reachable;
        if (pa.apis.size() < 20) pa.apis.insert(api);
        if (!cat.empty()) pa.categories.insert(cat);
        if (pa.examples.size() < 3) pa.examples.push_back(i);
      }
    }
    // Requested? Satisfied when some requirement with grantable permissions is met.
    const Requirement* first = nullptr;
    std::vector<std::string> first_needs;
    bool satisfied = false;
    for (const auto& q : reqs) {
      if (std::string_view(q.source) == "axplorer_api25") continue;  // low confidence: attribution only
      std::vector<std::string> g;
      for (const auto& p : *q.perms)
        if (grantable(cx.r, p, mv.target_sdk)) g.push_back(p);
      if (g.empty()) continue;
      bool ok = (q.all_of && !q.conditional) ? std::all_of(g.begin(), g.end(), is_requested)
                                             : std::any_of(g.begin(), g.end(), is_requested);
      if (ok) {
        satisfied = true;
        break;
      }
      if (!first) {
        first = &q;
        first_needs = g;
      }
    }
    if (satisfied || !first || !mv.present) continue;
    std::string key = api + "|" + first->source;
    MissAcc& ma = missing[key];
    if (ma.mp.uses == 0) {
      ma.mp.api = u.target_type == TargetType::provider ? "content://" + cx.r.providers[u.target].authority : api;
      ma.mp.needs = first_needs;
      ma.mp.all_of = first->all_of && !first->conditional;
      ma.mp.source = first->source;
    }
    ++ma.mp.uses;
    if (ma.mp.uses == 1 || (!ma.have_reachable && reach == Reach::reachable)) {
      ApiUse ex = make_use(cx, u, false);
      ma.mp.example = ex.evidence;
      ma.mp.reach = reach;
      ma.have_reachable = reach == Reach::reachable;
    }
  }
  for (auto& [p, pa] : used) {
    PermissionUse pu;
    pu.permission = p;
    if (const code::PermissionInfo* info = cx.r.permission(p)) {
      pu.protection = info->protection;
      pu.group = info->group;
    }
    pu.requested = is_requested(p);
    pu.uses = pa.uses;
    pu.reachable_uses = pa.reachable;
    pu.apis.assign(pa.apis.begin(), pa.apis.end());
    pu.categories.assign(pa.categories.begin(), pa.categories.end());
    for (uint32_t i : pa.examples) pu.examples.push_back(make_use(cx, uses[i], false).evidence);
    pf.used.push_back(std::move(pu));
  }
  for (const auto& p : mv.permissions) {
    if (used.count(p)) continue;
    UnusedPermission up{p, "", ""};
    if (const code::PermissionInfo* info = cx.r.permission(p)) {
      up.protection = info->protection;
      up.group = info->group;
    }
    pf.requested_unused.push_back(std::move(up));
  }
  for (auto& [k, ma] : missing) pf.used_not_requested.push_back(std::move(ma.mp));

  // Dangerous permissions by the data they open (runtime permission group).
  std::map<std::string, DangerousGroup> groups;
  auto group_of = [&](const std::string& p) -> const code::PermissionInfo* {
    const code::PermissionInfo* info = cx.r.permission(p);
    return info && info->protection == "dangerous" && !info->group.empty() ? info : nullptr;
  };
  for (const auto& p : mv.permissions)
    if (const auto* info = group_of(p)) {
      auto& g = groups[info->group];
      g.requested.push_back(p);
      if (!used.count(p)) g.requested_unused.push_back(p);
    }
  for (const auto& [p, pa] : used)
    if (const auto* info = group_of(p)) {
      auto& g = groups[info->group];
      g.used.push_back(p);
      g.categories.insert(g.categories.end(), pa.categories.begin(), pa.categories.end());
    }
  for (auto& [name, g] : groups) {
    g.group = name;
    sort_unique(g.requested);
    sort_unique(g.used);
    sort_unique(g.requested_unused);
    sort_unique(g.categories);
    pf.dangerous_groups.push_back(std::move(g));
  }
}

void build_trackers(const Context& cx, const AppPackage& app, CodeFacts& out) {
  TrackerMatcher::Scanner scanner(*cx.r.matcher);
  struct Acc {
    uint64_t defined = 0, referenced = 0;
    std::vector<std::string> defined_samples, referenced_samples;
    bool boundary = false;
    uint32_t reach_node = kNone;
  };
  std::map<uint32_t, Acc> trackers;
  std::map<uint32_t, std::vector<std::string>> packer_classes;
  std::vector<ClassMatch> matches;
  for (uint32_t c = 0; c < cx.m.class_count(); ++c) {
    matches.clear();
    std::string dotted = dotted_class_name(cx.m.class_name(c));
    scanner.scan(dotted, matches);
    for (const auto& mt : matches) {
      if (mt.kind == ClassMatch::Kind::packer) {
        if (cx.m.defined(c)) packer_classes[mt.index].push_back(dotted);
        continue;
      }
      Acc& a = trackers[mt.index];
      a.boundary = a.boundary || mt.boundary;
      if (cx.m.defined(c)) {
        ++a.defined;
        if (a.defined_samples.size() < cx.opt.max_tracker_classes) a.defined_samples.push_back(dotted);
        if (cx.reach && a.reach_node == kNone) a.reach_node = cx.reach->reachable_method_of(c);
      } else {
        ++a.referenced;
        if (a.referenced_samples.size() < cx.opt.max_tracker_classes) a.referenced_samples.push_back(dotted);
      }
    }
  }
  for (auto& [index, a] : trackers) {
    const TrackerRule& t = cx.r.trackers[index];
    TrackerFinding tf;
    tf.id = t.id;
    tf.name = t.name;
    tf.website = t.website;
    tf.owner = t.owner;
    tf.country = t.country;
    tf.owner_source = t.owner_source;
    tf.documentation = t.documentation;
    tf.categories = t.categories;
    tf.defined_classes = a.defined;
    tf.referenced_classes = a.referenced;
    std::sort(a.defined_samples.begin(), a.defined_samples.end());
    std::sort(a.referenced_samples.begin(), a.referenced_samples.end());
    tf.sample_classes = a.defined_samples;
    for (const auto& s : a.referenced_samples)
      if (tf.sample_classes.size() < cx.opt.max_tracker_classes) tf.sample_classes.push_back(s);
    tf.boundary_match = a.boundary;
    if (!cx.reach) {
      tf.reach = Reach::unknown;
    } else if (a.reach_node != kNone) {
      tf.reach = Reach::reachable;
      tf.path = cx.path_of(a.reach_node);
    } else {
      tf.reach = Reach::unreachable;
    }
    tf.provenance = t.provenance;
    out.trackers.push_back(std::move(tf));
  }
  std::sort(out.trackers.begin(), out.trackers.end(), [](const auto& a, const auto& b) { return a.id < b.id; });

  // Packers: class stubs, and native libraries by file name anywhere in the app.
  std::map<uint32_t, std::vector<std::string>> packer_libs;
  std::unordered_map<std::string, std::vector<uint32_t>> lib_index;
  for (uint32_t i = 0; i < cx.r.packers.size(); ++i)
    for (const auto& l : cx.r.packers[i].libraries) lib_index[l].push_back(i);
  for (const auto& part : app.parts()) {
    for (const auto& e : part.zip->entries()) {
      auto slash = e.name.rfind('/');
      std::string base = slash == std::string::npos ? e.name : e.name.substr(slash + 1);
      auto it = lib_index.find(base);
      if (it == lib_index.end()) continue;
      for (uint32_t i : it->second) packer_libs[i].push_back(part.evidence_path(e.name));
    }
  }
  std::set<uint32_t> packers;
  for (const auto& [i, v] : packer_classes) packers.insert(i);
  for (const auto& [i, v] : packer_libs) packers.insert(i);
  for (uint32_t i : packers) {
    const PackerRule& p = cx.r.packers[i];
    PackerFinding pf;
    pf.id = p.id;
    pf.name = p.name;
    pf.vendor_country = p.vendor_country;
    pf.classes = packer_classes[i];
    pf.libraries = packer_libs[i];
    sort_unique(pf.classes);
    sort_unique(pf.libraries);
    if (pf.classes.size() > 20) pf.classes.resize(20);
    if (pf.libraries.size() > 20) pf.libraries.resize(20);
    pf.confident = !pf.classes.empty();
    out.packers.push_back(std::move(pf));
  }
}

// Adds "reach" and, when known, "path" to an object (built in place: merging an object built apart
// copied its call path a second time).
void add_reach(Json& j, Reach r, const ReachPath& p) {
  j["reach"] = to_string(r);
  if (!p.methods.empty()) j["path"] = Json{{"entry", p.entry_reason}, {"methods", p.methods}};
}

}  // namespace

CodeFacts analyze_code(const AppPackage& app, const dex::DexCorpus& corpus, const ManifestFacts& manifest,
                       AnomalySink& anomalies, const CodeOptions& options, std::shared_ptr<const CodeRules> rules) {
  (void)anomalies;
  const auto start = std::chrono::steady_clock::now();
  if (!rules) rules = default_code_rules();
  CodeFacts out;
  CodeModel model(corpus);
  ManifestView mv = read_manifest(manifest);

  std::unique_ptr<Reachability> reach;
  EntryPointFacts& ep = out.entry_points;
  ep.methods = model.node_count();
  if (options.reachability) {
    reach = std::make_unique<Reachability>(model);
    std::set<std::string> unresolved;
    for (const auto& comp : mv.components) {
      ++ep.components;
      uint32_t c = model.find_class(to_descriptor(comp.class_name));
      if (c != kNone && model.defined(c)) {
        ++ep.resolved_components;
        reach->add_component(c, "manifest " + comp.kind + " " + comp.class_name);
      } else {
        unresolved.insert(comp.class_name);
      }
    }
    if (options.all_classes_are_entry_points)
      for (uint32_t c = 0; c < model.class_count(); ++c)
        if (model.defined(c)) reach->add_component(c, "every class (benchmark)");
    for (const auto& u : unresolved)
      if (ep.unresolved.size() < 20) ep.unresolved.push_back(u);
    reach->run();
    ep.roots = reach->root_count();
    ep.reachable_methods = reach->reachable_count();
    ep.call_edges = reach->edge_count();
    if (!reach->has_roots()) reach.reset();  // no entry point found: reachability unknown
  }
  Context cx{model, *rules, reach.get(), options};
  std::vector<RawUse> uses = match_api_uses(model, *rules);
  build_categories(cx, uses, out);
  build_permissions(cx, mv, uses, out);
  build_trackers(cx, app, out);
  out.obfuscation = analyze_obfuscation(app, model);
  out.limits = {
      "reflection, dynamic code loading and native code can reach APIs this analysis does not see",
      "virtual calls are resolved by class hierarchy (every app override of the called method)",
      "framework-invoked callbacks are approximated: on*/run/call-style methods of instantiated classes",
      "permission attribution uses SDK 36 annotations, documented requirements and content URIs; runtime-only checks are missed",
  };
  if (!reach) out.limits.push_back("no manifest entry point found in the DEX: reachability unknown");
  out.analyzed = true;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

void to_json(Json& j, const CodeFacts& f) {
  j = Json::object();
  j["analyzed"] = f.analyzed;
  Json cats = Json::array();
  for (const auto& c : f.categories) {
    Json ex = Json::array();
    for (const auto& u : c.examples) {
      Json e{{"rule", u.rule}, {"kind", u.kind}, {"target", u.target}, {"caller_class", u.caller_class},
             {"caller_method", u.caller_method}, {"evidence", u.evidence}};
      if (!u.subcategory.empty()) e["subcategory"] = u.subcategory;
      if (!u.via_class.empty()) e["via_class"] = u.via_class;
      add_reach(e, u.reach, u.path);
      ex.push_back(std::move(e));
    }
    cats.push_back(Json{{"category", c.category}, {"label", c.label}, {"uses", c.uses},
                        {"reachable_uses", c.reachable_uses}, {"callers", c.callers},
                        {"subcategories", c.subcategories}, {"apis", c.apis}, {"examples", std::move(ex)},
                        {"truncated", c.truncated}});
  }
  j["sensitive_api_use"] = std::move(cats);

  const auto& p = f.permissions;
  Json used = Json::array();
  for (const auto& u : p.used)
    used.push_back(Json{{"permission", u.permission}, {"protection", u.protection}, {"group", u.group},
                        {"requested", u.requested}, {"uses", u.uses}, {"reachable_uses", u.reachable_uses},
                        {"apis", u.apis}, {"categories", u.categories}, {"examples", u.examples}});
  Json unused = Json::array();
  for (const auto& u : p.requested_unused)
    unused.push_back(Json{{"permission", u.permission}, {"protection", u.protection}, {"group", u.group}});
  Json missing = Json::array();
  for (const auto& m : p.used_not_requested)
    missing.push_back(Json{{"api", m.api}, {"needs", m.needs}, {"all_of", m.all_of}, {"source", m.source},
                           {"example", m.example}, {"reach", to_string(m.reach)}, {"uses", m.uses}});
  Json groups = Json::array();
  for (const auto& g : p.dangerous_groups)
    groups.push_back(Json{{"group", g.group}, {"requested", g.requested}, {"used", g.used},
                          {"requested_unused", g.requested_unused}, {"categories", g.categories}});
  j["permissions"] = Json{{"requested_from", p.requested_from}, {"requested", p.requested}, {"used", std::move(used)},
                          {"requested_unused", std::move(unused)}, {"used_not_requested", std::move(missing)},
                          {"dangerous_groups", std::move(groups)}};

  Json trackers = Json::array();
  for (const auto& t : f.trackers) {
    Json tj{{"id", t.id}, {"name", t.name}, {"website", t.website}, {"categories", t.categories},
            {"defined_classes", t.defined_classes}, {"referenced_classes", t.referenced_classes},
            {"sample_classes", t.sample_classes}, {"boundary_match", t.boundary_match},
            {"provenance", t.provenance}};
    if (!t.owner.empty()) tj["owner"] = Json{{"name", t.owner}, {"country", t.country}, {"source", t.owner_source}};
    if (!t.documentation.empty()) tj["documentation"] = t.documentation;
    add_reach(tj, t.reach, t.path);
    trackers.push_back(std::move(tj));
  }
  j["trackers"] = std::move(trackers);

  Json packers = Json::array();
  for (const auto& pk : f.packers)
    packers.push_back(Json{{"id", pk.id}, {"name", pk.name}, {"vendor_country", pk.vendor_country},
                           {"classes", pk.classes}, {"libraries", pk.libraries}, {"confident", pk.confident}});
  const auto& o = f.obfuscation;
  auto round3 = [](double v) { return std::round(v * 1000.0) / 1000.0; };
  j["obfuscation"] = Json{{"classes", o.classes}, {"short_class_names", o.short_class_names},
                          {"methods", o.methods}, {"short_method_names", o.short_method_names},
                          {"class_renaming_ratio", round3(o.class_renaming_ratio)},
                          {"method_renaming_ratio", round3(o.method_renaming_ratio)}, {"renamed", o.renamed},
                          {"strings_used", o.strings_used}, {"high_entropy_strings", o.high_entropy_strings},
                          {"sample_high_entropy", o.sample_high_entropy},
                          {"decryptor_candidates", o.decryptor_candidates},
                          {"string_encryption_suspected", o.string_encryption_suspected},
                          {"unusual_dex", o.unusual_dex}, {"packers", std::move(packers)}};
  const auto& e = f.entry_points;
  j["reachability"] = Json{{"components", e.components}, {"resolved_components", e.resolved_components},
                           {"roots", e.roots}, {"methods", e.methods}, {"reachable_methods", e.reachable_methods},
                           {"call_edges", e.call_edges}, {"unresolved_components", e.unresolved}};
  j["limits"] = f.limits;
}

}  // namespace apkvet
