// The typed manifest: what the app declares about itself, its permissions and its components,
// read from the decoded AndroidManifest.xml with the platform's rules (attributes by resource id,
// first <application> only, implied `exported`, SDK defaults).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "archive/app_package.h"
#include "axml/axml_decoder.h"
#include "facts/evidence.h"
#include "resources/resource_table.h"

namespace apkvet {

// Annotation of a permission name from rules/permissions/android_permissions.json.
struct PermissionInfo {
  bool known = false;             // a platform (or listed non-platform) permission
  std::string protection_level;   // "dangerous", "signature|privileged", ...; "" when unknown
  std::string base_protection;    // normal | dangerous | signature | signatureOrSystem | internal
  std::string runtime_group;      // e.g. android.permission-group.CONTACTS
  std::optional<int> added_api, removed_api;
  bool deprecated = false;
};

struct UsesPermission {
  std::string name;
  std::string tag;  // uses-permission | uses-permission-sdk-23 | uses-permission-sdk-m
  bool namespaced_tag = false;  // written <android:uses-permission>: Android reads it like the plain tag
  std::optional<int> max_sdk;
  std::optional<std::string> flags;  // android:usesPermissionFlags as written (e.g. neverForLocation = 0x10000)
  PermissionInfo info;
  Evidence evidence;
};

// A permission the platform grants without the app listing it: old-target compatibility and split
// permissions (frameworks/base data/etc/platform.xml <split-permission>; aapt dump badging prints the
// first four rules below as uses-implied-permission).
struct ImpliedPermission {
  std::string name;
  std::string reason;  // e.g. "targetSdkVersion < 4", "requested WRITE_EXTERNAL_STORAGE"
  bool aapt_rule = false;  // also reported by aapt dump badging
  PermissionInfo info;
};

struct DeclaredPermission {
  std::string name;
  std::string kind;  // permission | permission-tree | permission-group
  uint32_t protection_level_value = 0;
  std::string protection_level;  // rendered: "signature|privileged"
  std::optional<std::string> group;
  Evidence evidence;
};

struct IntentFilterData {
  std::optional<std::string> scheme, host, port, path, path_prefix, path_pattern, mime_type;
};

struct IntentFilter {
  std::vector<std::string> actions, categories;
  std::vector<IntentFilterData> data;
  std::optional<int> priority;
  bool auto_verify = false;
  Evidence evidence;
};

struct MetaData {
  std::string name;
  std::optional<std::string> value;     // rendered typed value
  std::optional<std::string> resource;  // "@0x7f..." when android:resource is given
  Evidence evidence;
};

enum class ComponentKind { activity, activity_alias, service, receiver, provider };
const char* to_string(ComponentKind k);

struct ManifestComponent {
  ComponentKind kind = ComponentKind::activity;
  std::string name;      // fully qualified as Android builds it from the package
  std::string raw_name;  // as written
  std::optional<std::string> label;           // as written (string or @0x7f...)
  std::optional<std::string> label_resolved;  // via resources.arsc when a table was given
  std::optional<bool> exported_explicit;
  std::optional<std::string> exported_raw;  // when android:exported is not a plain boolean (a reference)
  bool exported = false;        // effective
  std::string exported_reason;  // explicit | intent-filter | no-intent-filter | provider-default | ...
  std::optional<std::string> permission;            // android:permission as written
  std::optional<std::string> effective_permission;  // falls back to <application android:permission>
  bool enabled = true;
  std::optional<std::string> enabled_raw;  // when not a plain boolean (e.g. a resource reference)
  std::optional<std::string> target_activity;  // activity-alias
  std::optional<std::string> process;
  // providers
  std::vector<std::string> authorities;
  bool grant_uri_permissions = false;
  std::optional<std::string> read_permission, write_permission;  // effective
  std::vector<IntentFilter> intent_filters;
  std::vector<MetaData> meta_data;
  Evidence evidence;
};

struct ApplicationFacts {
  bool present = false;
  std::optional<std::string> name;  // Application subclass, fully qualified
  std::optional<std::string> label;           // as written (string or @0x7f...)
  std::optional<std::string> label_resolved;  // via resources.arsc when a table was given
  std::optional<bool> debuggable, allow_backup_explicit, uses_cleartext_traffic_explicit, extract_native_libs,
      request_legacy_external_storage, test_only;
  bool allow_backup = true;             // effective
  bool uses_cleartext_traffic = true;   // effective: default true below targetSdk 28
  std::optional<uint32_t> network_security_config;  // resource id
  std::optional<std::string> network_security_config_path;  // res/xml/... when resolved
  std::optional<std::string> permission;
  std::optional<std::string> full_backup_content;
  Evidence evidence;
};

struct UsesFeature {
  std::optional<std::string> name;
  bool required = true;
  std::optional<uint32_t> gl_es_version;
  Evidence evidence;
};

struct UsesLibrary {
  std::string name;
  bool required = true;
  std::string tag;  // uses-library | uses-native-library
  Evidence evidence;
};

struct Queries {
  std::vector<std::string> packages;
  std::vector<IntentFilter> intents;
  std::vector<std::string> providers;  // authorities
};

// An SDK level as written: a number, or a codename (a string value), or a reference not resolved.
struct SdkLevel {
  std::optional<int> level;
  std::optional<std::string> codename;
  std::optional<std::string> unresolved;  // "@0x7f.." when a resource reference could not be read
};

struct ManifestFacts {
  bool decoded = false;
  bool readable_by_android = false;
  std::string package;
  std::optional<int64_t> version_code;  // versionCodeMajor << 32 | versionCode
  std::optional<std::string> version_name;
  std::optional<std::string> shared_user_id;
  // As declared in <uses-sdk> (absent when not written) and as Android applies them.
  SdkLevel min_sdk_declared, target_sdk_declared, max_sdk_declared;
  int min_sdk = 1, target_sdk = 1;
  std::optional<int> max_sdk;
  std::optional<int> compile_sdk;
  std::vector<UsesPermission> uses_permissions;  // sorted by name; all tags
  std::vector<ImpliedPermission> implied_permissions;  // sorted by name; not already requested
  std::vector<DeclaredPermission> declared_permissions;
  ApplicationFacts application;
  std::vector<ManifestComponent> components;
  std::vector<std::string> launchable_activities;  // MAIN + LAUNCHER (activities and aliases), document order
  Queries queries;
  std::vector<UsesFeature> uses_features;
  std::vector<UsesLibrary> uses_libraries;
  std::vector<MetaData> meta_data;  // application-level
  Evidence evidence;                // the manifest file itself
  std::shared_ptr<pugi::xml_document> xml;              // the decoded AndroidManifest.xml
  std::shared_ptr<const AxmlDocument> document;         // with raw values, ids and the event stream
};
void to_json(Json& j, const ManifestFacts& f);
void to_json(Json& j, const PermissionInfo& p);
void to_json(Json& j, const SdkLevel& l);
void to_json(Json& j, const IntentFilterData& d);
void to_json(Json& j, const IntentFilter& f);
void to_json(Json& j, const MetaData& m);
void to_json(Json& j, const ManifestComponent& c);
void to_json(Json& j, const ApplicationFacts& a);

// Types a decoded manifest. `file` is the evidence path of AndroidManifest.xml.
ManifestFacts type_manifest(std::shared_ptr<const AxmlDocument> doc, const std::string& file,
                            const ResourceTable* resources, AnomalySink& anomalies);

ManifestFacts analyze_manifest(const AppPackage& app, const ResourceTable* resources, AnomalySink& anomalies);

// The permission annotations, loaded once from rules/permissions/android_permissions.json.
PermissionInfo lookup_permission(const std::string& name);

}  // namespace apkvet
