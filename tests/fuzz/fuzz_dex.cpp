// Fuzzes the DEX parser: header checks, id tables, class data, code items and the bytecode walk (every
// opcode width, payloads), v041 containers, the accessors a consumer calls on whatever it produced, the
// strings area's reading of the result, and the code model built over it (classes, names and protos
// interned from whatever ids and type lists the file has; key_for from each method id's strings).
#include <cstddef>
#include <cstdint>

#include "code/code_model.h"
#include "dex/dex_corpus.h"
#include "dex/dex_file.h"
#include "strings/string_pool.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  apkvet::AnomalySink anomalies;
  auto files = apkvet::dex::DexFile::parse_all(apkvet::Bytes(data, size), "classes.dex", anomalies);
  size_t sink = 0;
  for (const auto& f : files) {
    for (const auto& c : f->classes()) {
      sink += f->type_descriptor(c.class_idx).size() + f->type_descriptor(c.superclass_idx).size();
      sink += f->class_interfaces(c).size() + f->string(c.source_file_idx).size();
      sink += f->find_class(f->type_descriptor(c.class_idx));
    }
    for (uint32_t m = 0; m < f->methods().size() && m < 500; ++m) {
      sink += f->location(m, 0).size() + f->insns(f->methods()[m]).size();
      for (const auto& cs : f->calls_of(m))
        if (cs.kind != apkvet::dex::InvokeKind::kCustom) sink += f->method_signature(cs.target).size();
      for (const auto& s : f->strings_of(m)) sink += f->string(s.string_idx).size();
      for (const auto& u : f->fields_of(m)) sink += f->field_signature(u.field_idx).size();
      for (const auto& u : f->types_of(m)) sink += f->type_descriptor(u.type_idx).size();
    }
    for (uint32_t i = 0; i < f->string_count() && i < 500; ++i) sink += f->string(i).size();
    for (uint32_t i = 0; i < f->method_ids().size() && i < 500; ++i) sink += f->method_signature(i).size();
    for (uint32_t i = 0; i < f->field_ids().size() && i < 500; ++i) sink += f->field_signature(i).size();
    sink += f->memory_bytes();
  }
  // The strings area's reading of the same files: from the model's string table, or as printable
  // runs of the bytes where the model could not read that table whole.
  apkvet::dex::DexCorpus corpus;
  for (auto& f : files) corpus.add(std::move(f));
  corpus.index();
  apkvet::AppStringPool pool;
  apkvet::add_dex_corpus_strings(corpus, pool);
  sink += pool.strings().size() + pool.users().size();
  apkvet::code::CodeModel model(corpus);
  sink += model.class_count() + model.node_count() + model.key_count() + model.key_for("<clinit>", "()V");
  for (uint32_t f = 0; f < model.file_count(); ++f) {
    const auto& df = model.file(f);
    for (uint32_t i = 0; i < df.method_ids().size() && i < 500; ++i)
      sink += model.key_for(df.method_name(i), df.method_descriptor(df.method_ids()[i].proto_idx));
  }
  return sink == 0xdeadbeef ? 1 : 0;
}
