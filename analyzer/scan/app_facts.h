// Everything one scan learned about one input: the contract between the parsers and everything after
// them (rules, reports, the catalogue). Reports read only this; they never re-read the APK.
#pragma once
#include <string>
#include <vector>

#include "code/code_facts.h"
#include "dex/dex_facts.h"
#include "facts/evidence.h"
#include "manifest/manifest_facts.h"
#include "native/native_facts.h"
#include "resources/network_security.h"
#include "resources/resource_table.h"
#include "signing/signing_facts.h"
#include "strings/strings_facts.h"

namespace apkvet {

inline constexpr const char* kScanSchema = "apkvet.scan";
inline constexpr int kScanSchemaVersion = 1;

struct PartFacts {
  std::string name;  // "" for a plain APK
  std::string role;
  int depth = 0;
  size_t entries = 0;
  uint64_t size = 0;
};

struct InputFacts {
  std::string path;
  uint64_t size = 0;
  std::string sha256;
  std::string container;  // apk, apks, xapk, aab
  std::vector<PartFacts> parts;
  std::vector<std::string> nested_dex;
  std::vector<std::string> nested_elf;
  bool checked_with_libzip = false;  // the "archive" area: libzip's second opinion was asked
  bool searched_nested = false;      // nested archives, DEX and ELF looked for (parts, nested_dex, nested_elf)
};

struct AppFacts {
  InputFacts input;
  ResourceFacts resources;
  ManifestFacts manifest;
  NetworkSecurityFacts network_security;
  SigningFacts signing;
  DexFacts dex;
  CodeFacts code;
  NativeFacts native_code;
  StringsFacts strings;  // string pool, endpoints, owners, secrets
  std::vector<Anomaly> anomalies;  // sorted by (id, file, location)
  size_t anomalies_dropped = 0;
};

// The outcome for one input: facts, or the one-line reason it could not be read at all.
struct ScanResult {
  std::string input_path;
  bool ok = false;
  std::string error;
  AppFacts facts;
};

void to_json(Json& j, const InputFacts& f);
void to_json(Json& j, const AppFacts& f);
void to_json(Json& j, const ScanResult& r);

}  // namespace apkvet
