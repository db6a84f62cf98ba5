#include "code/manifest_view.h"

#include <algorithm>
#include <cstring>

namespace apkvet::code {
namespace {

std::string attr(const pugi::xml_node& n, const char* name) {
  std::string full = std::string("android:") + name;
  if (auto a = n.attribute(full.c_str())) return a.value();
  if (auto a = n.attribute(name)) return a.value();
  return {};
}

std::string_view local_name(const char* tag) {
  std::string_view t(tag);
  auto colon = t.find(':');
  return colon == std::string_view::npos ? t : t.substr(colon + 1);
}

}  // namespace

std::string resolve_class_name(const std::string& package, const std::string& name) {
  if (name.empty()) return {};
  if (name[0] == '.') return package + name;
  if (name.find('.') == std::string::npos) return package.empty() ? name : package + "." + name;
  return name;
}

std::string to_descriptor(const std::string& dotted) {
  std::string d = "L" + dotted + ";";
  for (auto& c : d)
    if (c == '.') c = '/';
  return d;
}

ManifestView read_manifest(const ManifestFacts& manifest) {
  ManifestView v;
  const bool typed = manifest.decoded && (manifest.application.present || !manifest.components.empty() ||
                                          !manifest.uses_permissions.empty());
  if (typed) {
    v.present = true;
    v.package = manifest.package;
    v.target_sdk = manifest.target_sdk;
    for (const auto& p : manifest.uses_permissions) v.permissions.push_back(p.name);
    for (const auto& p : manifest.implied_permissions) v.implied.push_back(p.name);
    if (manifest.application.name) v.components.push_back({"application", *manifest.application.name});
    for (const auto& c : manifest.components) {
      std::string name = c.kind == ComponentKind::activity_alias && c.target_activity
                             ? resolve_class_name(manifest.package, *c.target_activity)
                             : c.name;
      if (!name.empty()) v.components.push_back({to_string(c.kind), name});
    }
    std::sort(v.permissions.begin(), v.permissions.end());
    v.permissions.erase(std::unique(v.permissions.begin(), v.permissions.end()), v.permissions.end());
    return v;
  }
  if (!manifest.xml) return v;
  pugi::xml_node root = manifest.xml->document_element();
  if (!root) return v;
  v.present = true;
  v.package = manifest.package.empty() ? std::string(root.attribute("package").value()) : manifest.package;
  // Walk everything: tampered manifests put uses-permission after <application> or nest it oddly,
  // and Android reads it wherever it is under <manifest>.
  struct Walker : pugi::xml_tree_walker {
    ManifestView* v;
    bool for_each(pugi::xml_node& n) override {
      if (n.type() != pugi::node_element) return true;
      std::string_view tag = local_name(n.name());
      if (tag == "uses-permission" || tag == "uses-permission-sdk-23" || tag == "uses-permission-sdk-m") {
        std::string p = attr(n, "name");
        if (!p.empty()) v->permissions.push_back(p);
        return true;
      }
      static const char* kinds[] = {"application", "activity", "activity-alias", "service", "receiver", "provider",
                                    "instrumentation"};
      for (const char* k : kinds) {
        if (tag != k) continue;
        std::string name = attr(n, "name");
        if (tag == std::string_view("activity-alias")) name = attr(n, "targetActivity");
        if (!name.empty()) v->components.push_back({k, resolve_class_name(v->package, name)});
        if (tag == std::string_view("application")) {
          for (const char* extra : {"backupAgent", "appComponentFactory"}) {
            std::string e = attr(n, extra);
            if (!e.empty()) v->components.push_back({std::string("application ") + extra, resolve_class_name(v->package, e)});
          }
        }
      }
      return true;
    }
  } walker;
  walker.v = &v;
  root.traverse(walker);
  std::sort(v.permissions.begin(), v.permissions.end());
  v.permissions.erase(std::unique(v.permissions.begin(), v.permissions.end()), v.permissions.end());
  return v;
}

}  // namespace apkvet::code
