// The DEX parser on real inputs: every corpus APK (counts against the corpus manifest), synthetic DEX
// files written by tools/gen-big-dex.py (exact counts, MUTF-8, v041 containers, multi-dex lookup), and
// damaged headers (anomalies, never a crash).
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "archive/app_package.h"
#include "dex/dex_corpus.h"
#include "dex/dex_facts.h"
#include "test_support.h"

using namespace apkvet;
namespace fs = std::filesystem;

namespace {

fs::path build_dir() { return fs::path(APKVET_BINARY).parent_path(); }
fs::path source_dir() { return fs::path(APKVET_FIXTURES_DIR).parent_path(); }

// Runs the generator once per argument set, into the build directory.
fs::path generated(const std::string& name, const std::string& args) {
  fs::path out = build_dir() / "dex-test" / name;
  if (!fs::exists(out)) {
    fs::create_directories(out.parent_path());
    fs::path tmp = out.parent_path() / ("tmp-" + name);
    std::string cmd = "python3 '" + (source_dir() / "tools/gen-big-dex.py").string() + "' " + args + " --out '" +
                      tmp.string() + "' >/dev/null 2>&1 && mv '" + tmp.string() + "' '" + out.string() + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  return out;
}

std::vector<uint8_t> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
uint32_t get32(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

// Parses bytes, checks the model is self-consistent, returns the anomaly ids.
std::vector<std::string> parse_ids(const std::vector<uint8_t>& bytes, size_t* classes = nullptr) {
  AnomalySink sink;
  auto files = dex::DexFile::parse_all(Bytes(bytes), "classes.dex", sink);
  size_t n = 0, bad = 0;
  for (const auto& f : files) {
    n += f->classes().size();
    for (const auto& cs : f->call_sites())
      if (cs.kind != dex::InvokeKind::kCustom) bad += cs.target >= f->method_ids().size();
    for (const auto& s : f->string_uses()) bad += s.string_idx >= f->string_count();
    for (uint32_t m = 0; m < f->methods().size(); ++m) (void)f->location(m, 0);
  }
  CHECK(bad == 0);
  if (classes) *classes = n;
  std::vector<std::string> ids;
  for (const auto& a : sink.all()) ids.push_back(a.id);
  return ids;
}

bool has(const std::vector<std::string>& v, const std::string& id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

}  // namespace

TEST_CASE("MUTF-8 decodes NUL, surrogate pairs and bad bytes") {
  CHECK(dex::mutf8_to_utf8("abc") == "abc");
  CHECK(dex::mutf8_to_utf8(std::string_view("a\xc0\x80z", 4)) == std::string("a\0z", 3));
  CHECK(dex::mutf8_to_utf8("t\xc3\xa9l") == "t\xc3\xa9l");
  // U+1F600 as a CESU-style surrogate pair -> 4-byte UTF-8
  CHECK(dex::mutf8_to_utf8("\xed\xa0\xbd\xed\xb8\x80") == "\xf0\x9f\x98\x80");
  CHECK(dex::mutf8_to_utf8("\xed\xa0\xbd!") == "\xef\xbf\xbd!");  // lone high surrogate
  CHECK(dex::mutf8_to_utf8("\xff") == "\xef\xbf\xbd");
}

TEST_CASE("synthetic DEX: exact classes, methods, call sites, strings and field reads") {
  auto bytes = slurp(generated("small.dex", "--classes 120"));
  AnomalySink sink;
  auto files = dex::DexFile::parse_all(Bytes(bytes), "classes.dex", sink);
  REQUIRE(files.size() == 1);
  const dex::DexFile& f = *files[0];
  CHECK(sink.all().empty());
  CHECK(f.version() == 35);
  CHECK(f.checksum_ok());
  CHECK(f.classes().size() == 120);
  CHECK(f.methods().size() == 720);
  CHECK(f.call_sites().size() == 120 * 27);
  CHECK(f.string_uses().size() == 240);
  // sget-object Build.SERIAL once per class (run)
  size_t serial = 0;
  for (const auto& u : f.field_uses())
    if (u.op == dex::FieldOp::kStaticGet &&
        f.field_signature(u.field_idx) == "Landroid/os/Build;->SERIAL:Ljava/lang/String;")
      ++serial;
  CHECK(serial == 120);

  uint32_t c0 = f.find_class("Lcom/synth/app/p0/C0;");
  REQUIRE(c0 != dex::kNoIndex);
  CHECK(f.is_defined(f.classes()[c0].class_idx));
  CHECK(f.type_descriptor(f.classes()[c0].superclass_idx) == "Ljava/lang/Object;");
  auto ifaces = f.class_interfaces(f.classes()[c0]);
  REQUIRE(ifaces.size() == 1);
  CHECK(f.type_descriptor(ifaces[0]) == "Ljava/lang/Runnable;");
  CHECK(f.find_class("Landroid/util/Log;") == dex::kNoIndex);  // referenced, not defined

  // C0.run(): const-string (non-ASCII for class 0), sget, Log.d at pc 4, then interface/virtual calls.
  std::map<std::string, uint32_t> by_name;
  for (uint32_t m = f.classes()[c0].methods_begin; m < f.classes()[c0].methods_end; ++m)
    by_name[f.method_signature(f.methods()[m].method_idx)] = m;
  REQUIRE(by_name.count("Lcom/synth/app/p0/C0;->run()V"));
  uint32_t run = by_name["Lcom/synth/app/p0/C0;->run()V"];
  auto calls = f.calls_of(run);
  REQUIRE(calls.size() == 16);
  CHECK(calls[0].pc == 4);
  CHECK(calls[0].kind == dex::InvokeKind::kStatic);
  CHECK(f.method_signature(calls[0].target) == "Landroid/util/Log;->d(Ljava/lang/String;Ljava/lang/String;)I");
  CHECK(f.caller_of(calls[0]) == run);
  CHECK(f.caller_of(calls[15]) == run);
  CHECK(calls[5].kind == dex::InvokeKind::kInterface);
  CHECK(f.location(run, calls[0].pc) == "Lcom/synth/app/p0/C0;->run()V @0x4");
  auto strings = f.strings_of(run);
  REQUIRE(strings.size() == 1);
  CHECK(f.string(strings[0].string_idx) == "t\xc3\xa9l\xc3\xa9phone \xf0\x9f\x98\x80 0");
  CHECK(f.string_mutf8(strings[0].string_idx) != f.string(strings[0].string_idx));

  // m1: TelephonyManager.getDeviceId and an invoke-virtual/range
  uint32_t m1 = by_name["Lcom/synth/app/p0/C0;->m1(Ljava/lang/String;)V"];
  bool device_id = false, range = false;
  for (const auto& cs : f.calls_of(m1)) {
    device_id |=
        f.method_signature(cs.target) == "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;";
    range |= cs.range && cs.kind == dex::InvokeKind::kVirtual;
  }
  CHECK(device_id);
  CHECK(range);
  // m2/m3 hold packed-switch and fill-array-data payloads: the walk steps over them.
  CHECK(f.calls_of(by_name["Lcom/synth/app/p0/C0;->m2()I"]).size() == 1);
  CHECK(f.calls_of(by_name["Lcom/synth/app/p0/C0;->m3(I)V"]).size() == 2);
  CHECK(f.types_of(by_name["Lcom/synth/app/p0/C0;->m3(I)V"]).size() == 1);
}

TEST_CASE("DEX 041 container: every section is read, offsets relative to the container") {
  auto bytes = slurp(generated("container.dex", "--classes 300 --sections 3"));
  AnomalySink sink;
  auto files = dex::DexFile::parse_all(Bytes(bytes), "classes.dex", sink);
  REQUIRE(files.size() == 3);
  for (const auto& a : sink.all()) MESSAGE(a.id << " " << a.message);
  CHECK(sink.all().empty());
  size_t classes = 0, calls = 0;
  for (uint32_t i = 0; i < files.size(); ++i) {
    CHECK(files[i]->version() == 41);
    CHECK(files[i]->section() == i);
    CHECK(files[i]->checksum_ok());
    classes += files[i]->classes().size();
    calls += files[i]->call_sites().size();
  }
  CHECK(classes == 300);
  CHECK(calls == 300 * 27);
  CHECK(files[2]->find_class("Lcom/synth/app/p1/C250;") != dex::kNoIndex);
  CHECK(files[0]->header().header_offset == 0);
  CHECK(files[1]->header().header_offset == files[0]->header().file_size);
}

TEST_CASE("multi-dex APK: load order, cross-file class lookup and method resolution") {
  fs::path apk = generated("multi.apk", "--classes 300 --per-dex 100");
  AppPackage app(apk.string());
  auto corpus = dex::load_dex_corpus(app, app.anomalies(), {}, 2);
  REQUIRE(corpus->files().size() == 3);
  CHECK(corpus->files()[0]->path() == "classes.dex");
  CHECK(corpus->files()[1]->path() == "classes2.dex");
  CHECK(corpus->files()[2]->path() == "classes3.dex");
  auto ref = corpus->find_class("Lcom/synth/app/p1/C250;");
  REQUIRE(ref);
  CHECK(ref->file == 2);
  CHECK(!corpus->find_class("Landroid/util/Log;"));
  CHECK(corpus->definition_count("Lcom/synth/app/p0/C5;") == 1);
  // Every app-internal call resolves to a defined method; framework calls do not.
  const dex::DexFile& f = *corpus->files()[1];
  size_t resolved = 0, framework = 0;
  for (const auto& cs : f.call_sites()) {
    auto r = corpus->resolve_method(1, cs.target);
    if (f.method_class(cs.target).rfind("Lcom/synth/", 0) == 0) {
      REQUIRE(r);
      const dex::DexFile& g = *corpus->files()[r->file];
      CHECK(g.method_signature(g.methods()[r->method].method_idx) == f.method_signature(cs.target));
      ++resolved;
    } else {
      CHECK(!r);
      ++framework;
    }
  }
  CHECK(resolved > 0);
  CHECK(framework > 0);
  DexFacts facts = summarize_dex(*corpus);
  CHECK(facts.classes == 300);
  CHECK(facts.call_sites == 300 * 27);
  CHECK(facts.versions == std::vector<std::string>{"035"});
  Json j = facts;
  CHECK(j["files"].size() == 3);
  CHECK(j["files"][0]["path"] == "classes.dex");
}

TEST_CASE("damaged headers give dex.* anomalies and never crash") {
  const auto good = slurp(generated("small.dex", "--classes 120"));
  size_t classes = 0;
  CHECK(parse_ids(good, &classes).empty());
  CHECK(classes == 120);

  auto b = good;
  b[0] = 'x';
  CHECK(has(parse_ids(b), "dex.bad_magic"));

  b = good;
  b[4] = '0', b[5] = '4', b[6] = '7';
  CHECK(has(parse_ids(b), "dex.unknown_version"));

  b = good;
  b[b.size() - 100] ^= 0xff;
  CHECK(has(parse_ids(b), "dex.bad_checksum"));

  b = good;
  b.resize(b.size() / 2);
  auto ids = parse_ids(b);
  CHECK(has(ids, "dex.truncated"));

  b = good;
  b.resize(50);
  CHECK(has(parse_ids(b), "dex.truncated_header"));

  b = good;
  put32(b, 40, 0x78563412);
  CHECK(has(parse_ids(b), "dex.big_endian"));

  b = good;
  put32(b, 36, 0x80);
  CHECK(has(parse_ids(b), "dex.bad_header_size"));

  b = good;
  put32(b, 52, 0xfffffff0);  // map_off
  CHECK(has(parse_ids(b), "dex.bad_map_list"));

  b = good;
  put32(b, 88, 0x7fffffff);  // method_ids_size
  CHECK(has(parse_ids(b), "dex.section_out_of_bounds"));

  b = good;
  b.insert(b.end(), 16, 0);
  CHECK(has(parse_ids(b), "dex.trailing_data"));

  // A class def whose class_data points outside the file.
  b = good;
  uint32_t class_defs_off = get32(b, 100);
  put32(b, class_defs_off + 24, 0xffffff00);
  CHECK(has(parse_ids(b), "dex.bad_class_data"));

  // Every id table at offset 0 (pointing into the header).
  b = good;
  for (size_t at = 56; at < 104; at += 8) put32(b, at + 4, 0);
  (void)parse_ids(b);

  // Random damage everywhere: no crash, the model stays within bounds (checked in parse_ids).
  uint32_t seed = 12345;
  for (int round = 0; round < 300; ++round) {
    b = good;
    for (int k = 0; k < 1 + round % 16; ++k) {
      seed = seed * 1103515245 + 12345;
      b[(seed >> 8) % b.size()] = static_cast<uint8_t>(seed >> 24);
    }
    (void)parse_ids(b);
  }
}

TEST_CASE("string ids pointing into one long unterminated run: every string located in one sweep, decoding bounded") {
  // 300,000 string ids, in reverse offset order, into a 3 MB run of ASCII letters with one two-byte
  // UTF-8 sequence in its middle and no NUL to the end of the file. Each string is the rest of the run
  // after its one-byte length. Searched string by string (as before), locating them read ~450 GB.
  auto b = slurp(generated("small.dex", "--classes 120"));
  constexpr uint32_t kIds = 300'000, kRun = 3u << 20;
  const size_t ids_at = b.size(), run_at = ids_at + size_t(kIds) * 4;
  b.resize(run_at + kRun, 'a');
  b[run_at + kRun / 2] = 0xC3, b[run_at + kRun / 2 + 1] = 0xA9;  // U+00E9
  for (uint32_t i = 0; i < kIds; ++i) put32(b, ids_at + 4ull * i, uint32_t(run_at + kRun - 1 - 10 * i));
  put32(b, 56, kIds);
  put32(b, 60, uint32_t(ids_at));
  AnomalySink sink;
  auto files = dex::DexFile::parse_all(Bytes(b), "classes.dex", sink);
  REQUIRE(files.size() == 1);
  const auto& f = *files[0];
  REQUIRE(f.string_count() == kIds);
  size_t wrong = 0;
  for (uint32_t i = 0; i < kIds; ++i) wrong += f.string_mutf8(i).size() != 10 * i;
  CHECK(wrong == 0);
  CHECK(f.string(0).empty());                    // the length byte is the run's last byte
  CHECK(f.string(5) == std::string(50, 'a'));    // ASCII: a view of the file
  uint32_t past_middle = (kRun / 2 + 2) / 10 + 1;  // starts before the two-byte sequence
  std::string_view text = f.string(past_middle);
  CHECK(text.size() == 10 * past_middle);
  CHECK(text.find("\xC3\xA9") != std::string_view::npos);
  // Decoding every string that crosses the two-byte sequence would make ~220 GB of text: a few are
  // decoded, within three times the file, the rest keep their raw bytes, and the overlap is reported.
  auto in_file = [&](std::string_view v) {
    return v.data() >= reinterpret_cast<const char*>(b.data()) && v.data() < reinterpret_cast<const char*>(b.data() + b.size());
  };
  CHECK(!in_file(text));  // the first of them: decoded
  CHECK(f.string(kIds - 1).size() == 10 * size_t(kIds - 1));
  CHECK(in_file(f.string(kIds - 1)));  // the last: past the budget, its raw bytes
  bool said = false;
  for (const auto& a : sink.all()) said |= a.id == "dex.strings_overlap";
  CHECK(said);
}

TEST_CASE("every corpus APK: DEX files parse, their number matches the corpus manifest") {
  std::map<std::string, int> expected;
  {
    std::ifstream in(test::corpus_dir() + "/manifest.tsv");
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> cols;
      std::stringstream ss(line);
      for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
      if (cols.size() > 9 && !cols[6].empty() && std::isdigit(static_cast<unsigned char>(cols[6][0])))
        expected[cols[9]] = std::stoi(cols[6]);
    }
  }
  REQUIRE(expected.size() > 100);
  size_t apps = 0, matched = 0, files = 0, classes = 0, calls = 0, nested = 0;
  for (const auto& p : test::corpus_apks()) {
    std::unique_ptr<AppPackage> app;
    try {
      app = std::make_unique<AppPackage>(p.string());
    } catch (const std::exception&) {
      continue;
    }
    ++apps;
    AnomalySink sink;
    auto corpus = dex::load_dex_corpus(*app, sink);
    int roots = 0;
    for (const auto& f : corpus->files()) {
      ++files;
      classes += f->classes().size();
      calls += f->call_sites().size();
      if (f->path().find('!') == std::string::npos && f->path().rfind("classes", 0) == 0 && f->section() == 0) ++roots;
    }
    nested += app->nested_dex().size();
    // Every nested DEX of the package is in the corpus.
    for (const auto& nd : app->nested_dex()) {
      bool found = false;
      for (const auto& f : corpus->files()) found |= f->path() == nd.path;
      CHECK_MESSAGE(found, nd.path);
    }
    auto it = expected.find(p.filename().string());
    if (it != expected.end() && app->container() == "apk") {
      CHECK_MESSAGE(roots == it->second, p.filename().string());
      matched += roots == it->second;
    }
    DexFacts facts = summarize_dex(*corpus);
    Json j = facts;
    CHECK(j["files"].size() == corpus->files().size());
  }
  MESSAGE(apps << " apps, " << files << " DEX files (" << nested << " nested), " << classes << " classes, " << calls
               << " call sites; root DEX count matches the manifest for " << matched);
  CHECK(apps >= 130);
  CHECK(classes > 40000);
}

TEST_CASE("Janus: a DEX in front of the ZIP is parsed and flagged") {
  fs::path apk = test::fixture("tampered/janus_dex_prefix.apk");
  if (!fs::exists(apk)) {
    MESSAGE("fixture not built: skipped");
    return;
  }
  AppPackage app(apk.string());
  AnomalySink sink;
  auto corpus = dex::load_dex_corpus(app, sink);
  REQUIRE(corpus->files().size() == 2);
  CHECK(corpus->files()[0]->path() == "classes.dex");
  CHECK(corpus->files()[1]->path() == "(bytes before the ZIP)");
  CHECK(corpus->files()[1]->classes().size() >= 1);
  CHECK(sink.has("dex.prepended_dex"));
}
