// Loads every DEX of an app into a DexCorpus: root classes*.dex of each part in Android's order, then
// nested DEX files; parsed on a small thread pool (each file alone), merged in a fixed order.
#include "dex/dex_corpus.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <mutex>
#include <thread>

namespace apkvet::dex {

namespace {

// classes.dex -> 1, classes2.dex -> 2, ...; 0 for anything Android does not load as a root DEX.
uint32_t root_dex_number(std::string_view name) {
  if (name.size() < 11 || name.substr(0, 7) != "classes" || name.substr(name.size() - 4) != ".dex") return 0;
  std::string_view mid = name.substr(7, name.size() - 11);
  if (mid.empty()) return 1;
  if (mid[0] == '0' || mid.size() > 6) return 0;
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(mid.data(), mid.data() + mid.size(), n);
  if (ec != std::errc() || p != mid.data() + mid.size() || n < 2) return 0;
  return n;
}

struct Job {
  std::string path;
  const ZipArchive* zip = nullptr;
  const ZipEntry* entry = nullptr;
  Bytes bytes;  // when already in memory (nested DEX)
  std::vector<std::unique_ptr<DexFile>> out;
  AnomalySink sink;
};

}  // namespace

namespace {
size_t descriptor_home(std::string_view d, size_t slots) { return std::hash<std::string_view>{}(d) & (slots - 1); }
}  // namespace

const DexCorpus::Definition* DexCorpus::find_definition(std::string_view descriptor) const {
  if (slots_.empty()) return nullptr;
  for (size_t i = descriptor_home(descriptor, slots_.size()); slots_[i] != kNoIndex; i = (i + 1) & (slots_.size() - 1))
    if (definitions_[slots_[i]].descriptor == descriptor) return &definitions_[slots_[i]];
  return nullptr;
}

std::optional<ClassRef> DexCorpus::find_class(std::string_view descriptor) const {
  const Definition* d = find_definition(descriptor);
  if (!d) return std::nullopt;
  return d->first;
}

size_t DexCorpus::definition_count(std::string_view descriptor) const {
  const Definition* d = find_definition(descriptor);
  return d ? d->count : 0;
}

std::optional<MethodRef> DexCorpus::resolve_method(uint32_t file, uint32_t method_idx) const {
  if (file >= files_.size()) return std::nullopt;
  const DexFile& from = *files_[file];
  if (method_idx >= from.method_ids().size()) return std::nullopt;
  std::string_view name = from.method_name(method_idx);
  std::string descriptor = from.method_descriptor(from.method_ids()[method_idx].proto_idx);
  std::string_view cls = from.method_class(method_idx);
  for (int depth = 0; depth < 64 && !cls.empty(); ++depth) {
    auto ref = find_class(cls);
    if (!ref) return std::nullopt;
    const DexFile& df = *files_[ref->file];
    const ClassDef& c = df.classes()[ref->class_def];
    for (uint32_t i = c.methods_begin; i < c.methods_end; ++i) {
      uint32_t mid = df.methods()[i].method_idx;
      if (ref->file == file
              ? mid == method_idx
              : (df.method_name(mid) == name && df.method_descriptor(df.method_ids()[mid].proto_idx) == descriptor))
        return MethodRef{ref->file, i};
    }
    cls = c.superclass_idx == kNoIndex ? std::string_view{} : df.type_descriptor(c.superclass_idx);
    // A same-file id match is only possible in the declaring class; up the chain, compare by name.
    file = static_cast<uint32_t>(files_.size());
  }
  return std::nullopt;
}

size_t DexCorpus::memory_bytes() const {
  size_t n = sizeof(*this) + definitions_.capacity() * sizeof(Definition) + slots_.capacity() * 4;
  for (const auto& f : files_) n += f->memory_bytes();
  return n;
}

void DexCorpus::add(std::unique_ptr<DexFile> file) { files_.push_back(std::move(file)); }

void DexCorpus::index() {
  definitions_.clear();
  size_t total = 0;
  for (const auto& f : files_) total += f->classes().size();
  size_t slots = 1024;
  while (slots * 3 < total * 4) slots *= 2;  // load <= 3/4
  slots_.assign(slots, kNoIndex);
  definitions_.reserve(total);
  for (uint32_t fi = 0; fi < files_.size(); ++fi) {
    const DexFile& f = *files_[fi];
    for (uint32_t ci = 0; ci < f.classes().size(); ++ci) {
      uint32_t t = f.classes()[ci].class_idx;
      if (f.class_of_type(t) != ci) continue;  // a duplicate inside the file: the file's first one counts
      std::string_view d = f.type_descriptor(t);
      if (d.empty()) continue;
      size_t i = descriptor_home(d, slots_.size());
      while (slots_[i] != kNoIndex && definitions_[slots_[i]].descriptor != d) i = (i + 1) & (slots_.size() - 1);
      if (slots_[i] == kNoIndex) {
        slots_[i] = static_cast<uint32_t>(definitions_.size());
        definitions_.push_back({d, ClassRef{fi, ci}, 0});
      }
      ++definitions_[slots_[i]].count;
    }
  }
  definitions_.shrink_to_fit();
}

std::shared_ptr<const DexCorpus> load_dex_corpus(const AppPackage& app, AnomalySink& anomalies,
                                                 const DexParseOptions& options, unsigned threads) {
  std::vector<std::unique_ptr<Job>> jobs;
  for (const auto& part : app.parts()) {
    std::vector<std::pair<uint32_t, const ZipEntry*>> roots;
    for (const auto& e : part.zip->entries()) {
      uint32_t n = root_dex_number(e.name);
      if (n == 0) continue;
      if (part.zip->find(e.name) != &e) continue;  // duplicate entry name: Android reads the first
      roots.emplace_back(n, &e);
    }
    std::sort(roots.begin(), roots.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [n, e] : roots) {
      auto job = std::make_unique<Job>();
      job->path = part.evidence_path(e->name);
      job->zip = part.zip.get();
      job->entry = e;
      jobs.push_back(std::move(job));
    }
  }
  // Janus (CVE-2017-13156): a DEX in front of the ZIP. Old Android runs it instead of the APK's code.
  for (const auto& part : app.parts()) {
    Bytes data = part.zip->data();
    uint64_t start = part.zip->archive_start();
    if (start >= 0x70 && start <= data.size() && std::memcmp(data.data(), "dex\n", 4) == 0) {
      auto job = std::make_unique<Job>();
      job->path = part.evidence_path("(bytes before the ZIP)");
      job->bytes = data;
      job->sink.add("dex.prepended_dex", Severity::critical,
                    "A DEX file sits in front of the ZIP (Janus, CVE-2017-13156): Android before 8.1 would run it "
                    "instead of the app's signed code",
                    {job->path, Evidence::offset(0), std::to_string(start) + " bytes before the ZIP"});
      jobs.push_back(std::move(job));
    }
  }
  for (const auto& nd : app.nested_dex()) {
    auto job = std::make_unique<Job>();
    job->path = nd.path;
    job->bytes = nd.bytes;
    jobs.push_back(std::move(job));
  }

  // Inflating goes through the archives one at a time (they share the app's anomaly sink); parsing,
  // the bulk of the work, runs in parallel with each worker's anomalies kept apart and merged in order.
  std::mutex read_mutex;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      Job& job = *jobs[i];
      Bytes bytes = job.bytes;
      if (job.zip) {
        std::lock_guard lock(read_mutex);
        auto b = job.zip->read(*job.entry);
        if (!b) continue;  // the archive reported why
        bytes = *b;
      }
      try {
        job.out = DexFile::parse_all(bytes, job.path, job.sink, options);
      } catch (const std::exception& e) {  // out of memory: never let a worker thread terminate the scan
        job.out.clear();
        job.sink.add("dex.parse_failed", Severity::high, std::string("DEX parser stopped: ") + e.what(),
                     {job.path, "", ""});
      }
    }
  };
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, jobs.size()));
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }

  auto corpus = std::make_shared<DexCorpus>();
  for (auto& job : jobs) {
    for (const auto& a : job->sink.all()) anomalies.add(a.id, a.severity, a.message, a.evidence);
    for (auto& f : job->out) corpus->add(std::move(f));
  }
  corpus->index();
  return corpus;
}

}  // namespace apkvet::dex
