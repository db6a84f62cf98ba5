// The DEX origin through the DEX model: every string id of every DEX file, with the methods that
// load it (const-string), so an endpoint's evidence names the class and method that uses it.
#include <algorithm>
#include <utility>
#include <vector>

#include "dex/dex_corpus.h"
#include "strings/string_pool.h"

namespace apkvet {

void add_dex_corpus_strings(const dex::DexCorpus& corpus, AppStringPool& pool) {
  std::vector<const uint8_t*> read_as_binary;  // files (or v041 containers) read as printable runs
  for (const auto& file : corpus.files()) {
    if (!file) continue;
    // The model may not have read every string the header declares (an id table past the end of
    // the file, a header it could not use at all): the code analysis then lacks those strings, but
    // the strings area must not, lest the endpoints of a DEX built to break analysers go unseen with
    // its code. The whole file is then read as strings(1) reads it (the sections of a v041 container
    // share its bytes: read once).
    bool whole_table = file->usable() && file->string_count() >= file->header().string_ids_size;
    if (!whole_table) {
      const uint8_t* bytes = file->base().data();
      if (std::find(read_as_binary.begin(), read_as_binary.end(), bytes) == read_as_binary.end()) {
        read_as_binary.push_back(bytes);
        pool.add_printable_runs(pool.add_source(StringOrigin::binary, file->path()), file->base());
      }
    }
    if (!file->usable()) continue;
    std::string path = file->path();
    if (file->section()) path += "#section" + std::to_string(file->section());
    uint32_t src = pool.add_source(StringOrigin::dex, path);
    // The places that load each string, grouped by string id in code order (a stable sort of one
    // vector: a map of small vectors cost an allocation per string used). Up to N per string; two
    // places are the same when they name the same method id and pc (their locations are then equal).
    const auto methods = file->methods();
    std::vector<std::pair<uint32_t, StringUser>> uses;
    uses.reserve(file->string_uses().size());
    for (const dex::StringUse& u : file->string_uses())
      if (u.caller < methods.size()) uses.push_back({u.string_idx, {file.get(), u.caller, u.pc}});  // else location() has nothing to say
    std::stable_sort(uses.begin(), uses.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const uint8_t* base = file->base().data();
    size_t data_begin = file->base().size(), data_end = 0;
    pool.reserve(file->string_count());
    std::vector<StringUser> users;
    auto next_use = uses.begin();
    for (uint32_t i = 0; i < file->string_count(); ++i) {
      std::string_view raw = file->string_mutf8(i);
      if (!raw.empty() && reinterpret_cast<const uint8_t*>(raw.data()) >= base) {
        size_t at = reinterpret_cast<const uint8_t*>(raw.data()) - base;
        data_begin = std::min(data_begin, at > 5 ? at - 5 : 0);  // its uleb128 length precedes it
        data_end = std::max(data_end, at + raw.size() + 1);
      }
      if (!pool.add(src, file->string(i), i)) return;
      while (next_use != uses.end() && next_use->first < i) ++next_use;  // ids past the table: no string
      users.clear();
      for (; next_use != uses.end() && next_use->first == i; ++next_use) {
        const StringUser& u = next_use->second;
        if (users.size() >= pool.limits().max_users_per_string) continue;
        uint32_t method_idx = methods[u.method].method_idx;
        bool seen = std::any_of(users.begin(), users.end(), [&](const StringUser& v) {
          return v.pc == u.pc && methods[v.method].method_idx == method_idx;
        });
        if (!seen) users.push_back(u);
      }
      if (!users.empty()) pool.add_users_to_last(users);
    }
    // Strings hidden outside the string table (byte-array payloads in code, other data).
    if (whole_table && data_begin < data_end && !file->section())
      add_dex_outside_strings(file->path(), file->base(), data_begin, data_end, pool);
    for (uint32_t t = 0; t < file->type_ids().size(); ++t) {
      std::string_view d = file->type_descriptor(t);
      if (d.size() < 3 || d.front() != 'L' || d.back() != ';') continue;
      std::string dotted(d.substr(1, d.size() - 2));
      std::replace(dotted.begin(), dotted.end(), '/', '.');
      pool.class_packages.push_back(std::move(dotted));
    }
  }
}

}  // namespace apkvet
