#include "scan/native_java_apis.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace apkvet {

void match_native_java_apis(NativeFacts& native, const code::CodeRules& rules) {
  native.java_apis.clear();
  for (const auto& lib : native.libraries) {
    for (const auto& l : lib.emulation.lookups) {
      if (l.java_class.empty() || l.name.empty() || l.signature.empty() || l.call == "FindClass") continue;
      const bool method = l.call == "GetMethodID" || l.call == "GetStaticMethodID";
      const std::string cls = "L" + l.java_class + ";";
      const std::string member = method ? l.name + l.signature : l.name + ":" + l.signature;
      auto c = rules.classes.find(cls);
      if (c == rules.classes.end()) continue;
      NativeJavaApi api;
      api.library = lib.file;
      api.call = l.call;
      api.descriptor = cls + "->" + member;
      std::set<std::string> categories, permissions;
      std::vector<uint32_t> rule_ids;
      // Rules that need a string beside the call (Settings.Secure.getString + "android_id"), on the
      // member or on the rule, cannot be decided from a lookup alone: their category is not claimed.
      if (auto m = c->second.by_member.find(member); m != c->second.by_member.end()) {
        for (uint32_t i : m->second.api_members)
          if (rules.members[i].requires_string.empty()) rule_ids.push_back(rules.members[i].rule);
        for (uint32_t i : m->second.permission_mappings) {
          const auto& pm = rules.mappings[i];
          permissions.insert(pm.all_of.begin(), pm.all_of.end());
          permissions.insert(pm.any_of.begin(), pm.any_of.end());
        }
      }
      if (method)
        if (auto a = c->second.any_overload.find(l.name); a != c->second.any_overload.end())
          rule_ids.insert(rule_ids.end(), a->second.begin(), a->second.end());
      for (uint32_t r : rule_ids) {
        const auto& rule = rules.apis[r];
        if (!rule.requires_string.empty()) continue;
        categories.insert(rule.category);
      }
      if (categories.empty() && permissions.empty()) continue;
      api.categories.assign(categories.begin(), categories.end());
      api.permissions.assign(permissions.begin(), permissions.end());
      native.java_apis.push_back(std::move(api));
    }
  }
  std::sort(native.java_apis.begin(), native.java_apis.end(), [](const NativeJavaApi& a, const NativeJavaApi& b) {
    return std::tie(a.library, a.descriptor, a.call) < std::tie(b.library, b.descriptor, b.call);
  });
}

}  // namespace apkvet
