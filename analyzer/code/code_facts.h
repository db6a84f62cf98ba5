// What the app's code does with the phone's data: sensitive API use by data category, permissions
// requested vs used, tracker SDKs, reachability from entry points, obfuscation and packing signals.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "code/code_rules.h"
#include "dex/dex_corpus.h"
#include "facts/evidence.h"
#include "manifest/manifest_facts.h"

namespace apkvet {

enum class Reach : uint8_t { reachable, unreachable, unknown };
const char* to_string(Reach r);

// How the code reaches a finding: the entry point (why it is one) and the call chain, entry first.
struct ReachPath {
  std::string entry_reason;         // "manifest activity com.foo.Main", "instantiated callback", ...
  std::vector<std::string> methods;  // method signatures, entry point first, the finding's method last
};

// One use of a sensitive API (a call, a field read, a content URI / constant string, an override).
struct ApiUse {
  std::string rule;         // rule id, e.g. "device_identifiers#14"
  std::string category;     // data category
  std::string subcategory;  // "imei_meid", "okhttp"... (may be empty)
  std::string kind;         // invoke, field_read, const_string, content_uri, override
  std::string target;       // the API descriptor / string value matched
  std::string via_class;    // the app class the reference went through (subclass of the API class)
  std::string caller_class;   // "Lcom/foo/Bar;"
  std::string caller_method;  // "Lcom/foo/Bar;->run()V"
  Evidence evidence;          // DEX file, "caller @pc", the matched value
  Reach reach = Reach::unknown;
  ReachPath path;  // filled for reachable uses shown in examples
};

struct CategoryUse {
  std::string category, label;
  uint64_t uses = 0, reachable_uses = 0;
  uint64_t callers = 0;  // distinct calling methods
  std::vector<std::string> subcategories;  // sorted
  std::vector<std::string> apis;           // distinct targets, sorted, bounded
  std::vector<ApiUse> examples;            // reachable first, then by caller; bounded
  bool truncated = false;
};

struct PermissionUse {
  std::string permission;
  std::string protection;  // normal, dangerous, signature...
  std::string group;       // runtime permission group for dangerous permissions
  bool requested = false;
  uint64_t uses = 0, reachable_uses = 0;
  std::vector<std::string> apis;        // what uses it, sorted, bounded
  std::vector<std::string> categories;  // data categories of those uses
  std::vector<Evidence> examples;       // bounded
};

// An API used while none of the permissions it needs is requested.
struct MissingPermission {
  std::string api;                     // descriptor or content URI authority
  std::vector<std::string> needs;      // grantable permissions (any of; all of when `all_of`)
  bool all_of = false;
  std::string source;                  // sdk36, documented, axplorer_api25, provider
  Evidence example;
  Reach reach = Reach::unknown;
  uint64_t uses = 0;
};

struct DangerousGroup {
  std::string group;  // android.permission-group.CONTACTS
  std::vector<std::string> requested, used, requested_unused;
  std::vector<std::string> categories;  // data categories seen using the group's permissions
};

// A requested permission with no code use found (over-privilege, or used by a path we do not see).
struct UnusedPermission {
  std::string permission, protection, group;
};

struct PermissionFacts {
  std::string requested_from;  // "manifest" or "none"
  std::vector<std::string> requested;
  std::vector<PermissionUse> used;                   // every permission some matched API needs
  std::vector<UnusedPermission> requested_unused;    // requested, no code use found
  std::vector<MissingPermission> used_not_requested;
  std::vector<DangerousGroup> dangerous_groups;
};

struct TrackerFinding {
  int id = 0;
  std::string name, website, owner, country, owner_source, documentation;
  std::vector<std::string> categories;
  uint64_t defined_classes = 0, referenced_classes = 0;
  std::vector<std::string> sample_classes;  // defined first, sorted, bounded
  bool boundary_match = false;  // false: only an unanchored (Exodus-style substring) match
  Reach reach = Reach::unknown;
  ReachPath path;
  std::string provenance;
};

struct PackerFinding {
  std::string id, name, vendor_country;
  std::vector<std::string> classes;    // matched stub classes
  std::vector<std::string> libraries;  // matched native libraries (evidence paths)
  bool confident = false;              // a class stub matched (libraries alone are hints)
};

struct ObfuscationFacts {
  uint64_t classes = 0, short_class_names = 0;  // simple name of 1-2 chars or meaningless
  uint64_t methods = 0, short_method_names = 0;
  double class_renaming_ratio = 0, method_renaming_ratio = 0;
  uint64_t strings_used = 0, high_entropy_strings = 0;
  std::vector<std::string> decryptor_candidates;  // static String f(String) called right before use
  bool renamed = false, string_encryption_suspected = false;
  std::vector<std::string> unusual_dex;  // DEX outside the root classes*.dex (evidence paths)
  std::vector<std::string> sample_high_entropy;  // bounded
};

struct EntryPointFacts {
  uint64_t components = 0, resolved_components = 0;  // manifest classes, and those defined in the DEX
  uint64_t roots = 0;                                 // root methods
  uint64_t methods = 0, reachable_methods = 0;
  uint64_t call_edges = 0;  // resolved call edges out of the reachable methods (the ones the walk took)
  std::vector<std::string> unresolved;  // manifest component classes not found in the DEX (bounded)
};

struct CodeFacts {
  bool analyzed = false;
  std::vector<CategoryUse> categories;  // sorted by category
  PermissionFacts permissions;
  std::vector<TrackerFinding> trackers;  // sorted by id
  std::vector<PackerFinding> packers;
  ObfuscationFacts obfuscation;
  EntryPointFacts entry_points;
  std::vector<std::string> limits;  // what this analysis does not see (reflection, native, ...)
  double seconds = 0;               // analysis time (metadata only; not part of the comparable body)
};

void to_json(Json& j, const CodeFacts& f);

struct CodeOptions {
  size_t max_examples_per_category = 25;
  size_t max_apis_per_category = 40;
  size_t max_tracker_classes = 12;
  size_t max_path = 16;
  bool reachability = true;
  // Benchmarks of synthetic apps without components: every defined class is an entry point.
  bool all_classes_are_entry_points = false;
};

// Runs the code analysis over the parsed DEX corpus. Never throws for app content; rule-file
// problems throw std::runtime_error (the scan turns that into an anomaly).
CodeFacts analyze_code(const AppPackage& app, const dex::DexCorpus& corpus, const ManifestFacts& manifest,
                       AnomalySink& anomalies, const CodeOptions& options = {},
                       std::shared_ptr<const code::CodeRules> rules = nullptr);

}  // namespace apkvet
