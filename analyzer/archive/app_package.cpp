#include "archive/app_package.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace apkvet {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool starts_with(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

bool is_zip_magic(const std::vector<uint8_t>& b) { return b.size() >= 4 && std::memcmp(b.data(), "PK\x03\x04", 4) == 0; }
bool is_dex_magic(const std::vector<uint8_t>& b) { return b.size() >= 4 && std::memcmp(b.data(), "dex\n", 4) == 0; }
bool is_elf_magic(const std::vector<uint8_t>& b) { return b.size() >= 4 && std::memcmp(b.data(), "\x7f" "ELF", 4) == 0; }

// classes.dex, classes2.dex, ... at a part's root are what Android loads; anything else is "nested".
bool is_root_dex(std::string_view name) {
  if (!starts_with(name, "classes") || !ends_with(name, ".dex")) return false;
  std::string_view mid = name.substr(7, name.size() - 11);
  return std::all_of(mid.begin(), mid.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool is_native_lib_path(std::string_view name) { return starts_with(name, "lib/"); }

}  // namespace

const char* to_string(PartRole r) {
  switch (r) {
    case PartRole::base: return "base";
    case PartRole::split: return "split";
    case PartRole::nested: return "nested";
  }
  return "unknown";
}

AppPackage::AppPackage(const std::string& path, OpenOptions options) : file_(path), options_(options) {
  if (file_.bytes().empty()) throw std::runtime_error(path + ": empty file");
  std::unique_ptr<ZipArchive> top;
  try {
    top = std::make_unique<ZipArchive>(file_.bytes(), "", anomalies_, options_.zip);
  } catch (const ParseError& e) {
    throw std::runtime_error(path + ": not an APK: " + e.what());
  }
  if (top->find("AndroidManifest.xml")) {
    parts_.push_back({"", PartRole::base, 0, std::move(top)});
  } else if (top->find("base/manifest/AndroidManifest.xml")) {
    open_app_bundle(std::move(top));
  } else {
    open_bundle(*top);
    bundle_ = std::move(top);
  }
  if (options_.search_nested)
    for (size_t i = 0; i < parts_.size() && i < options_.max_nested_parts; ++i) find_nested(i);
}

// Android App Bundle (.aab): one module per top-level folder that has manifest/AndroidManifest.xml
// ("base", then feature modules), each read as the APK bundletool would build from it (a module view
// of the bundle, archive/zip_archive.h): base is the base part, feature modules are splits. The
// bundle's own signature (jarsigner, META-INF/ at its root) covers the bundle's entries by their
// stored names, so signing reads the bundle itself (signed_archive()).
void AppPackage::open_app_bundle(std::unique_ptr<ZipArchive> top) {
  container_ = "aab";
  std::vector<std::string> modules;
  for (const auto& e : top->entries()) {
    size_t slash = e.name.find('/');
    if (slash == std::string::npos || e.name.compare(slash, std::string::npos, "/manifest/AndroidManifest.xml") != 0) continue;
    std::string module = e.name.substr(0, slash);
    if (std::find(modules.begin(), modules.end(), module) == modules.end()) modules.push_back(module);
  }
  std::stable_partition(modules.begin(), modules.end(), [](const std::string& m) { return m == "base"; });
  bundle_ = std::move(top);
  for (const std::string& m : modules)
    parts_.push_back({m, m == "base" ? PartRole::base : PartRole::split, 0, std::make_unique<ZipArchive>(*bundle_, m)});
}

// .apks (bundletool: splits/*.apk, standalones/*.apk, toc.pb) and .xapk (APKPure: *.apk + manifest.json)
// hold the app as several APKs installed together. We read every split; standalone APKs are whole
// alternatives to the splits, so they are read only when there are no splits.
void AppPackage::open_bundle(ZipArchive& top) {
  std::string xapk_base;
  if (auto manifest_json = top.read("manifest.json")) {
    container_ = "xapk";
    auto j = nlohmann::json::parse(as_chars(*manifest_json), nullptr, false);
    if (j.is_object() && j.contains("split_apks") && j["split_apks"].is_array())
      for (const auto& s : j["split_apks"])
        if (s.is_object() && s.value("id", "") == "base" && s.contains("file") && s["file"].is_string())
          xapk_base = s["file"].get<std::string>();
  } else if (top.find("toc.pb")) {
    container_ = "apks";
  }
  std::vector<const ZipEntry*> apks, standalones;
  for (const auto& e : top.entries()) {
    if (!ends_with(e.name, ".apk") || e.is_directory()) continue;
    (starts_with(e.name, "standalones/") ? standalones : apks).push_back(&e);
  }
  if (apks.empty()) apks = standalones;
  if (apks.empty()) throw std::runtime_error(file_.path() + ": not an APK: no AndroidManifest.xml and no APKs inside");
  if (container_ == "apk") container_ = "apks";

  auto is_base = [&](std::string_view n) {
    if (!xapk_base.empty()) return n == xapk_base;
    return n == "base.apk" || n == "splits/base-master.apk" || ends_with(n, "/base.apk") || starts_with(n, "base-master");
  };
  for (const ZipEntry* e : apks) {
    auto bytes = top.read(*e);
    if (!bytes) continue;
    try {
      auto zip = std::make_unique<ZipArchive>(*bytes, e->name + "!", anomalies_, options_.zip);
      if (!zip->find("AndroidManifest.xml")) {
        anomalies_.add("bundle.part_without_manifest", Severity::medium, "APK inside the bundle has no manifest",
                       Evidence{e->name, "", ""});
        continue;
      }
      bool base = is_base(e->name);
      if (base) base_index_ = parts_.size();
      parts_.push_back({e->name, base ? PartRole::base : PartRole::split, 0, std::move(zip)});
    } catch (const ParseError& err) {
      anomalies_.add("bundle.unreadable_part", Severity::high, std::string("APK inside the bundle is unreadable: ") + err.what(),
                     Evidence{e->name, Evidence::offset(err.offset), ""});
    }
  }
  if (parts_.empty()) throw std::runtime_error(file_.path() + ": bundle holds no readable APK");
  if (std::none_of(parts_.begin(), parts_.end(), [](const ApkPart& p) { return p.role == PartRole::base; })) {
    parts_[0].role = PartRole::base;
    base_index_ = 0;
    anomalies_.add("bundle.no_base", Severity::low, "No split is named as the base; the first APK is used as base",
                   Evidence{parts_[0].name, "", ""});
  }
}

// Apps hide code in assets and raw resources: APKs, JARs and DEX files under other names, loaded at run
// time with DexClassLoader. We sniff the magic of every entry that is not plain app structure.
void AppPackage::find_nested(size_t part_index) {
  const ApkPart& part = parts_[part_index];
  for (const auto& e : part.zip->entries()) {
    if (e.is_directory() || e.name == "AndroidManifest.xml" || e.name == "resources.arsc") continue;
    bool plain_resource = starts_with(e.name, "res/") && !starts_with(e.name, "res/raw/");
    if (is_root_dex(e.name) || starts_with(e.name, "META-INF/") || plain_resource) continue;
    if (part.zip->find(e.name) != &e) continue;  // duplicates: only the copy Android reads
    auto head = part.zip->peek(e, 4);
    bool nested_so = is_native_lib_path(e.name);
    if (is_elf_magic(head)) {
      if (!nested_so || !ends_with(e.name, ".so")) nested_elf_.push_back({part.evidence_path(e.name), &part, &e});
      continue;
    }
    if (is_dex_magic(head)) {
      if (auto bytes = part.zip->read(e)) nested_dex_.push_back({part.evidence_path(e.name), *bytes});
      continue;
    }
    if (!is_zip_magic(head)) continue;
    if (part.depth + 1 > options_.max_nesting_depth || parts_.size() >= options_.max_nested_parts) {
      anomalies_.add("archive.nesting_limit", Severity::medium, "Nested archive not opened: nesting limit reached",
                     Evidence{part.evidence_path(e.name), "", ""});
      continue;
    }
    auto bytes = part.zip->read(e);
    if (!bytes) continue;
    try {
      auto zip = std::make_unique<ZipArchive>(*bytes, part.evidence_path(e.name) + "!", anomalies_, options_.zip);
      // A nested ZIP matters only if it carries code: DEX, a manifest, or native libraries.
      bool has_code = std::any_of(zip->entries().begin(), zip->entries().end(), [](const ZipEntry& z) {
        return ends_with(z.name, ".dex") || z.name == "AndroidManifest.xml" || ends_with(z.name, ".so");
      });
      if (!has_code) continue;
      std::string name = part.evidence_path(e.name);
      int depth = part.depth + 1;
      parts_.push_back({name, PartRole::nested, depth, std::move(zip)});
    } catch (const ParseError&) {
      // Not a usable ZIP after all: a data file that starts with PK. Nothing to report.
    }
  }
}

}  // namespace apkvet
