// The report's view of the app's DEX files: counts per file and in total (never every record).
#include "dex/dex_facts.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace apkvet {

void to_json(Json& j, const DexFileSummary& f) {
  j = Json{{"path", f.path},
           {"section", f.section},
           {"version", f.version},
           {"size", f.size},
           {"usable", f.usable},
           {"checksum_ok", f.checksum_ok},
           {"strings", f.strings},
           {"types", f.types},
           {"protos", f.protos},
           {"field_ids", f.field_ids},
           {"method_ids", f.method_ids},
           {"classes", f.classes},
           {"referenced_types", f.referenced_types},
           {"methods", f.methods},
           {"methods_with_code", f.methods_with_code},
           {"code_units", f.instructions_units},
           {"call_sites", f.call_sites},
           {"string_uses", f.string_uses},
           {"field_uses", f.field_uses},
           {"type_uses", f.type_uses}};
}

void to_json(Json& j, const DexFacts& f) {
  j = Json{{"analyzed", f.analyzed},       {"files", f.files},
           {"versions", f.versions},       {"classes", f.classes},
           {"methods", f.methods},         {"call_sites", f.call_sites},
           {"string_uses", f.string_uses}, {"field_uses", f.field_uses},
           {"type_uses", f.type_uses},     {"duplicate_classes", f.duplicate_classes}};
}

DexFacts summarize_dex(const dex::DexCorpus& corpus) {
  DexFacts facts;
  facts.analyzed = true;
  std::set<std::string> versions;
  for (const auto& fp : corpus.files()) {
    const dex::DexFile& f = *fp;
    DexFileSummary s;
    s.path = f.path();
    s.section = f.section();
    if (f.version()) {
      char v[8];
      std::snprintf(v, sizeof v, "%03u", f.version() % 1000);
      s.version = v;
      versions.insert(s.version);
    }
    s.size = f.header().file_size;
    s.usable = f.usable();
    s.checksum_ok = f.usable() && f.checksum_ok();
    s.strings = f.string_count();
    s.types = f.type_ids().size();
    s.protos = f.proto_ids().size();
    s.field_ids = f.field_ids().size();
    s.method_ids = f.method_ids().size();
    s.classes = f.classes().size();
    for (uint32_t t = 0; t < f.type_ids().size(); ++t)
      if (!f.is_defined(t)) ++s.referenced_types;
    s.methods = f.methods().size();
    for (const auto& m : f.methods()) {
      if (m.insns_off) ++s.methods_with_code;
      s.instructions_units += m.insns_size;
    }
    s.call_sites = f.call_sites().size();
    s.string_uses = f.string_uses().size();
    s.field_uses = f.field_uses().size();
    s.type_uses = f.type_uses().size();
    facts.classes += s.classes;
    facts.methods += s.methods;
    facts.call_sites += s.call_sites;
    facts.string_uses += s.string_uses;
    facts.field_uses += s.field_uses;
    facts.type_uses += s.type_uses;
    facts.files.push_back(std::move(s));
  }
  facts.versions.assign(versions.begin(), versions.end());
  // Classes defined in more than one file: count each descriptor once.
  std::set<std::string_view> dup;
  for (const auto& fp : corpus.files())
    for (const auto& c : fp->classes()) {
      std::string_view d = fp->type_descriptor(c.class_idx);
      if (!d.empty() && corpus.definition_count(d) > 1) dup.insert(d);
    }
  facts.duplicate_classes = dup.size();
  return facts;
}

DexFacts analyze_dex(const AppPackage& app, AnomalySink& anomalies, std::shared_ptr<const dex::DexCorpus>* corpus_out,
                     unsigned threads) {
  auto corpus = dex::load_dex_corpus(app, anomalies, {}, threads);
  DexFacts facts = summarize_dex(*corpus);
  if (corpus_out) *corpus_out = std::move(corpus);
  return facts;
}

}  // namespace apkvet
