#include "scan/scan.h"

#include <algorithm>
#include <ctime>
#include <exception>
#include <memory>
#include <tuple>

#include "core/digest.h"
#include "scan/jni_bindings.h"
#include "scan/native_java_apis.h"

namespace apkvet {
namespace {

// Runs one analysis; if it throws, the failure becomes an anomaly and the scan goes on.
template <typename Fn>
void guarded(const char* area, AnomalySink& anomalies, const std::string& file, Fn&& fn) {
  try {
    fn();
  } catch (const ParseError& e) {
    anomalies.add(std::string(area) + ".parse_failed", Severity::high, std::string(area) + " parser stopped: " + e.what(),
                  {file, Evidence::offset(e.offset), ""});
  } catch (const std::exception& e) {
    anomalies.add(std::string(area) + ".failed", Severity::high, std::string(area) + " analysis failed: " + e.what(),
                  {file, "", ""});
  }
}

// What the native libraries produced under the emulator, for the strings area: text decoded in
// memory, strings handed to Java, log lines (with their formats filled in), host names and addresses
// they resolved.
std::vector<EmulatedString> emulated_strings(const NativeFacts& native) {
  std::vector<EmulatedString> out;
  for (const auto& lib : native.libraries) {
    const ElfEmulation& e = lib.emulation;
    for (const auto& d : e.decoded_strings)
      out.push_back({lib.file, d.value, d.heap ? EmulatedString::kRunTimeValue : d.address});
    for (const auto& v : e.java_strings) out.push_back({lib.file, v, EmulatedString::kRunTimeValue});
    for (const auto& c : e.calls)
      if (c.callee == "__android_log_print" || c.callee == "__android_log_write" || c.callee == "getaddrinfo" ||
          c.callee == "gethostbyname" || c.callee == "inet_addr" || c.callee == "inet_pton")
        for (const auto& a : c.args) out.push_back({lib.file, a, EmulatedString::kRunTimeValue});
  }
  return out;
}

InputFacts describe_input(const AppPackage& app, const std::optional<ScanOptions::KnownDigest>& known) {
  InputFacts in;
  in.path = app.path();
  in.size = app.bytes().size();
  if (known && known->file == app.file_identity()) in.sha256 = known->sha256;
  else in.sha256 = sha256_hex(std::string_view(reinterpret_cast<const char*>(app.bytes().data()), app.bytes().size()));
  in.container = app.container();
  for (const auto& p : app.parts())
    in.parts.push_back({p.name, to_string(p.role), p.depth, p.zip->entries().size(), p.zip->data().size()});
  for (const auto& d : app.nested_dex()) in.nested_dex.push_back(d.path);
  for (const auto& e : app.nested_elf()) in.nested_elf.push_back(e.path);
  return in;
}

}  // namespace

std::optional<int64_t> utc_day_start(const std::string& yyyy_mm_dd) {
  std::tm day{};
  const char* end = strptime(yyyy_mm_dd.c_str(), "%Y-%m-%d", &day);
  if (!end || *end || yyyy_mm_dd.size() != 10) return std::nullopt;
  auto t = static_cast<int64_t>(timegm(&day));
  if (utc_date(t) != yyyy_mm_dd) return std::nullopt;  // 2026-02-30 and the like
  return t;
}

ScanResult scan_file(const std::string& path, const ScanOptions& options) {
  ScanResult result;
  result.input_path = path;
  std::unique_ptr<AppPackage> app;
  OpenOptions open = options.open;
  open.zip.check_with_libzip = open.zip.check_with_libzip && options.wants("archive");
  open.search_nested = open.search_nested && std::any_of(std::begin(kNestedCodeAreas), std::end(kNestedCodeAreas),
                                                          [&](const char* area) { return options.wants(area); });
  try {
    app = std::make_unique<AppPackage>(path, open);
  } catch (const std::exception& e) {
    result.error = e.what();
    return result;
  }
  if (options.expected_file && app->file_identity() != *options.expected_file) {
    result.error = path + ": " + ScanOptions::kChangedSinceListed;
    return result;
  }
  AppFacts& facts = result.facts;
  int64_t scan_time = static_cast<int64_t>(std::time(nullptr));  // judged against, never parsed with
  if (!options.as_of.empty()) {
    std::optional<int64_t> day = utc_day_start(options.as_of);
    if (!day) {
      result.error = path + ": the day to judge expiry on must be YYYY-MM-DD, got '" + options.as_of + "'";
      return result;
    }
    scan_time = *day;
  }
  AnomalySink& anomalies = app->anomalies();
  facts.input = describe_input(*app, options.known_digest);
  facts.input.checked_with_libzip = open.zip.check_with_libzip;
  facts.input.searched_nested = open.search_nested;

  std::shared_ptr<const ResourceTable> table;
  guarded("resources", anomalies, "resources.arsc", [&] { facts.resources = analyze_resources(*app, anomalies, table); });
  guarded("manifest", anomalies, "AndroidManifest.xml",
          [&] { facts.manifest = analyze_manifest(*app, table.get(), anomalies); });
  if (facts.manifest.decoded)
    guarded("network_security", anomalies, "AndroidManifest.xml", [&] {
      const ApplicationFacts& application = facts.manifest.application;
      NetworkSecurityInputs in;
      in.config_resource = application.network_security_config;
      in.uses_cleartext_traffic = application.uses_cleartext_traffic_explicit;
      in.target_sdk = facts.manifest.target_sdk;
      in.debuggable = application.debuggable.value_or(false);
      in.scan_date = utc_date(scan_time);
      if (!facts.manifest.evidence.file.empty()) in.manifest_file = facts.manifest.evidence.file;
      facts.network_security = analyze_network_security(*app, table.get(), in, anomalies);
    });
  if (options.wants("signing"))
    guarded("signing", anomalies, path, [&] {
      SigningOptions so;
      if (facts.manifest.decoded) {
        so.min_sdk = facts.manifest.min_sdk;
        so.target_sdk = facts.manifest.target_sdk;
        so.package = facts.manifest.package;
        if (facts.manifest.xml)
          so.target_sandbox_version =
              facts.manifest.xml->child("manifest").attribute("android:targetSandboxVersion").as_int(1);
      }
      so.scan_time = scan_time;
      so.input_path = path;
      facts.signing = analyze_signing(*app, so, anomalies);
    });
  std::shared_ptr<const dex::DexCorpus> dex_corpus;  // the parsed DEX, handed to the code analysis
  if (options.wants("dex") || options.wants("code"))
    guarded("dex", anomalies, "classes.dex", [&] { facts.dex = analyze_dex(*app, anomalies, &dex_corpus, options.threads); });
  if (options.wants("code") && dex_corpus)
    guarded("code", anomalies, "classes.dex",
            [&] { facts.code = analyze_code(*app, *dex_corpus, facts.manifest, anomalies); });
  if (options.wants("native"))
    guarded("native", anomalies, "lib/", [&] {
      facts.native_code = analyze_native(*app, anomalies);
      match_native_java_apis(facts.native_code, *code::default_code_rules());
      if (dex_corpus) bind_java_natives(facts.native_code, *dex_corpus);
    });
  if (options.wants("strings"))
    guarded("strings", anomalies, path, [&] {
      std::vector<EmulatedString> emulated = emulated_strings(facts.native_code);
      facts.strings = analyze_strings(*app, dex_corpus.get(), &facts.manifest, &facts.network_security, anomalies, {},
                                      &emulated);
    });

  facts.anomalies = anomalies.all();
  facts.anomalies_dropped = anomalies.dropped();
  std::stable_sort(facts.anomalies.begin(), facts.anomalies.end(), [](const Anomaly& a, const Anomaly& b) {
    return std::tie(a.id, a.evidence.file, a.evidence.location) < std::tie(b.id, b.evidence.file, b.evidence.location);
  });
  result.ok = true;
  return result;
}

}  // namespace apkvet
