// What the code analysis needs from the manifest: requested permissions and the component classes
// the framework instantiates (entry points). Read from the decoded manifest XML.
#pragma once
#include <string>
#include <vector>

#include "manifest/manifest_facts.h"

namespace apkvet::code {

struct ManifestComponent {
  std::string kind;        // application, activity, activity-alias, service, receiver, provider, instrumentation...
  std::string class_name;  // fully qualified, dotted
};

struct ManifestView {
  bool present = false;
  std::string package;
  int target_sdk = 0;  // 0 when unknown
  std::vector<std::string> permissions;  // requested (uses-permission, -sdk-23, -sdk-m), sorted unique
  std::vector<std::string> implied;      // granted by implication (aapt / split-permission rules)
  std::vector<ManifestComponent> components;
};

// From the typed manifest facts when the manifest was typed, else from the decoded XML.
ManifestView read_manifest(const ManifestFacts& manifest);

// ".Foo" / "Foo" / "com.x.Foo" resolved against the package as Android does.
std::string resolve_class_name(const std::string& package, const std::string& name);
// "com.x.Foo" -> "Lcom/x/Foo;"
std::string to_descriptor(const std::string& dotted);

}  // namespace apkvet::code
