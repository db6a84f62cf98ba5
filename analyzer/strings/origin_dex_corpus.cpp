// The DEX origin through the DEX model: every string id of every DEX file, with the methods that
// load it (const-string), so an endpoint's evidence names the class and method that uses it.
#include <algorithm>
#include <unordered_map>

#include "dex/dex_corpus.h"
#include "strings/string_pool.h"

namespace apkvet {

void add_dex_corpus_strings(const dex::DexCorpus& corpus, AppStringPool& pool) {
  for (const auto& file : corpus.files()) {
    if (!file || !file->usable()) continue;
    std::string path = file->path();
    if (file->section()) path += "#section" + std::to_string(file->section());
    uint32_t src = pool.add_source(StringOrigin::dex, path);
    // string_idx -> up to N places that load it, in code order (deterministic). Two places are the
    // same when they name the same method id and pc (their formatted locations are then equal).
    std::unordered_map<uint32_t, std::vector<StringUser>> users;
    const auto methods = file->methods();
    for (const dex::StringUse& u : file->string_uses()) {
      if (u.caller >= methods.size()) continue;  // location() has nothing to say of it
      auto& list = users[u.string_idx];
      if (list.size() >= pool.limits().max_users_per_string) continue;
      uint32_t method_idx = methods[u.caller].method_idx;
      bool seen = std::any_of(list.begin(), list.end(), [&](const StringUser& v) {
        return v.pc == u.pc && methods[v.method].method_idx == method_idx;
      });
      if (!seen) list.push_back({file.get(), u.caller, u.pc});
    }
    const uint8_t* base = file->base().data();
    size_t data_begin = file->base().size(), data_end = 0;
    for (uint32_t i = 0; i < file->string_count(); ++i) {
      std::string_view raw = file->string_mutf8(i);
      if (!raw.empty() && reinterpret_cast<const uint8_t*>(raw.data()) >= base) {
        size_t at = reinterpret_cast<const uint8_t*>(raw.data()) - base;
        data_begin = std::min(data_begin, at > 5 ? at - 5 : 0);  // its uleb128 length precedes it
        data_end = std::max(data_end, at + raw.size() + 1);
      }
      if (!pool.add(src, file->string(i), i)) return;
      if (auto it = users.find(i); it != users.end()) pool.add_users_to_last(it->second);
    }
    // Strings hidden outside the string table (byte-array payloads in code, other data).
    if (data_begin < data_end && !file->section()) add_dex_outside_strings(file->path(), file->base(), data_begin, data_end, pool);
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
