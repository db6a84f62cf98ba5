// Every DEX of an app: each classes*.dex of each part (base, splits, nested APK/JAR) and each DEX
// nested elsewhere, parsed (in parallel) into DexFiles, with a descriptor index across all of them.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "archive/app_package.h"
#include "dex/dex_file.h"

namespace apkvet::dex {

// A class or method in one file of the corpus.
struct ClassRef {
  uint32_t file = 0;       // index in DexCorpus::files()
  uint32_t class_def = 0;  // index in files()[file]->classes()
};
struct MethodRef {
  uint32_t file = 0;
  uint32_t method = 0;  // index in files()[file]->methods()
};

class DexCorpus {
 public:
  // Order: parts in AppPackage::parts() order, in each classes.dex, classes2.dex, ... (numeric),
  // then AppPackage::nested_dex(); each v041 container contributes one DexFile per section.
  const std::vector<std::unique_ptr<DexFile>>& files() const { return files_; }

  // The first definition of `descriptor` ("Lcom/foo/Bar;") in load order (the one a class loader
  // over these files would pick), or nullopt when the class is only referenced / a platform class.
  std::optional<ClassRef> find_class(std::string_view descriptor) const;
  // How many files define `descriptor` (more than one = duplicate class across DEX files).
  size_t definition_count(std::string_view descriptor) const;

  // The method a method id of `file` refers to, when the app defines it: looks in the class named by
  // the id and then up its superclass chain (as far as the app defines it) for the same name and
  // descriptor. nullopt for platform/library methods not in the app.
  std::optional<MethodRef> resolve_method(uint32_t file, uint32_t method_idx) const;

  size_t memory_bytes() const;

  // Builds the descriptor index after files are added (load_dex_corpus does this).
  void add(std::unique_ptr<DexFile> file);
  void index();

 private:
  std::vector<std::unique_ptr<DexFile>> files_;
  // Descriptor index: one entry per distinct defined class (first definition, how many files define
  // it), found through an open-addressing table of entry indexes (kNoIndex = empty slot).
  struct Definition {
    std::string_view descriptor;
    ClassRef first;
    uint32_t count = 0;
  };
  const Definition* find_definition(std::string_view descriptor) const;
  std::vector<Definition> definitions_;
  std::vector<uint32_t> slots_;
};

// Parses every DEX of the app. Never throws for bad DEX content (anomalies instead).
// The corpus holds views into `app`: it must not outlive it. `threads` 0 = hardware concurrency.
std::shared_ptr<const DexCorpus> load_dex_corpus(const AppPackage& app, AnomalySink& anomalies,
                                                 const DexParseOptions& options = {}, unsigned threads = 0);

}  // namespace apkvet::dex
