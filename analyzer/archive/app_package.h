// What the user gave us, opened: one APK, a split bundle (.apks/.xapk: base + splits read as one
// app), or an Android App Bundle (.aab); plus the APK/JAR/DEX files nested inside, depth-limited.
// Everything downstream reads entries through here, so every path in the evidence is uniform.
#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/zip_archive.h"
#include "core/mapped_file.h"
#include "facts/evidence.h"

namespace apkvet {

enum class PartRole { base, split, nested };
const char* to_string(PartRole r);

// One ZIP that holds APK content: the input itself, a split, or an archive nested in assets.
struct ApkPart {
  std::string name;  // "" for a plain APK input; "base.apk"; "assets/plugin.apk"; nested: "a.apk!b.jar"
  PartRole role = PartRole::base;
  int depth = 0;     // 0 for the input and its splits; +1 per level of nesting
  std::unique_ptr<ZipArchive> zip;

  std::string evidence_path(std::string_view entry) const { return zip->evidence_path(entry); }
};

// A raw DEX file found somewhere other than a part's root classes*.dex (e.g. assets/payload.bin).
struct NestedDex {
  std::string path;  // evidence path
  Bytes bytes;
};

// A raw ELF file hidden outside lib/<abi>/ (assets, other extensions).
struct NestedElf {
  std::string path;
  const ApkPart* part;
  const ZipEntry* entry;
};

struct OpenOptions {
  ZipOptions zip;
  // Look inside the app's files for archives, DEX and ELF that are not where Android loads code from
  // (assets/, res/raw/, ...): hidden code. Only the code areas of a scan use them, and opening every
  // nested archive is most of the reading of some APKs.
  bool search_nested = true;
  int max_nesting_depth = 3;
  size_t max_nested_parts = 64;
};

class AppPackage {
 public:
  // Throws std::runtime_error("<path>: <reason>") when the input cannot be read as an app at all.
  AppPackage(const std::string& path, OpenOptions options = {});

  const std::string& path() const { return file_.path(); }
  Bytes bytes() const { return file_.bytes(); }
  const FileIdentity& file_identity() const { return file_.identity(); }
  const std::string& container() const { return container_; }  // "apk", "apks", "xapk", "aab"

  // A deque: nested parts are appended while earlier ones are referenced.
  const std::deque<ApkPart>& parts() const { return parts_; }
  const ApkPart& base() const { return parts_[base_index_]; }
  const std::vector<NestedDex>& nested_dex() const { return nested_dex_; }
  const std::vector<NestedElf>& nested_elf() const { return nested_elf_; }

  AnomalySink& anomalies() const { return anomalies_; }

  // The archive whose signature is the app's: the base APK, or for an App Bundle the bundle itself
  // (its parts are module views whose entry names are not the ones signed).
  const ZipArchive& signed_archive() const { return container_ == "aab" ? *bundle_ : *base().zip; }

 private:
  void open_bundle(ZipArchive& top);
  void open_app_bundle(std::unique_ptr<ZipArchive> top);
  void find_nested(size_t part_index);

  MappedFile file_;
  OpenOptions options_;
  std::string container_ = "apk";
  std::deque<ApkPart> parts_;
  size_t base_index_ = 0;
  std::vector<NestedDex> nested_dex_;
  std::vector<NestedElf> nested_elf_;
  mutable AnomalySink anomalies_;
  // Keeps the outer bundle ZIP alive: its entries back the parts' bytes.
  std::unique_ptr<ZipArchive> bundle_;
};

}  // namespace apkvet
