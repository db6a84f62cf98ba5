// Facts about the app's DEX bytecode for the report: per file and in total, how many classes, methods,
// call sites and strings, and which versions. The full model (every call site) is dex::DexCorpus.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "archive/app_package.h"
#include "dex/dex_corpus.h"
#include "facts/evidence.h"

namespace apkvet {

struct DexFileSummary {
  std::string path;      // evidence path, e.g. "base.apk!classes2.dex"
  uint32_t section = 0;  // index inside a v041 container, else 0
  std::string version;   // "035".."041", "" when the magic is not a DEX magic
  uint64_t size = 0;     // header file_size
  bool usable = false;
  bool checksum_ok = false;
  uint64_t strings = 0, types = 0, protos = 0, field_ids = 0, method_ids = 0;
  uint64_t classes = 0;           // defined here
  uint64_t referenced_types = 0;  // types used but not defined in this file
  uint64_t methods = 0;           // defined here (direct + virtual)
  uint64_t methods_with_code = 0;
  uint64_t instructions_units = 0;  // total code units of bytecode
  uint64_t call_sites = 0, string_uses = 0, field_uses = 0, type_uses = 0;
};

struct DexFacts {
  bool analyzed = false;
  std::vector<DexFileSummary> files;  // in load order
  std::vector<std::string> versions;  // sorted, unique
  uint64_t classes = 0, methods = 0, call_sites = 0, string_uses = 0, field_uses = 0, type_uses = 0;
  uint64_t duplicate_classes = 0;  // classes defined by more than one DEX file
};
void to_json(Json& j, const DexFileSummary& f);
void to_json(Json& j, const DexFacts& f);

DexFacts summarize_dex(const dex::DexCorpus& corpus);

// Parses every DEX of the app and summarises it. When `corpus_out` is given, the parsed corpus is
// handed back for the code analysis (it holds views into `app`: use it only while `app` lives).
// `threads` as load_dex_corpus's.
DexFacts analyze_dex(const AppPackage& app, AnomalySink& anomalies,
                     std::shared_ptr<const dex::DexCorpus>* corpus_out = nullptr, unsigned threads = 0);

}  // namespace apkvet
