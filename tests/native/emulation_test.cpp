// The emulated run of a JNI library's initialisers and JNI_OnLoad (elf/jni_emulation.cpp): what it
// registers, looks up, calls and decodes, on the fixtures built for it and on a corpus app checked
// against dexdump; its limits; and a library damaged so that the run faults.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <tuple>

#include "elf/elf_layout.h"
#include "native/elf_module.h"
#include "native_support.h"

using namespace apkvet;
using namespace apkvet::test;

namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string emulated_so(const std::string& abi) {
  return fixtures_dir() + "/built/native/so/emulated/lib/" + abi + "/libemulated.so";
}

const NativeFacts& emulated() {
  static NativeFacts f = native_of(fixture("native/native-emulated.apk"));
  return f;
}

bool has_call(const ElfEmulation& e, const std::string& callee, const std::vector<std::string>& args) {
  for (const auto& c : e.calls)
    if (c.callee == callee && c.args == args) return true;
  return false;
}

bool has_lookup(const ElfEmulation& e, const std::string& call, const std::string& cls, const std::string& name,
                const std::string& sig) {
  for (const auto& l : e.lookups)
    if (l.call == call && l.java_class == cls && l.name == name && l.signature == sig) return true;
  return false;
}

// (class "a/b/C", name, signature) of every method dexdump marks NATIVE.
std::set<std::tuple<std::string, std::string, std::string>> dexdump_native_methods(const std::string& apk) {
  std::set<std::tuple<std::string, std::string, std::string>> out;
  std::string text = run_command("dexdump '" + apk + "' 2>/dev/null");
  std::string cls, name, type;
  size_t pos = 0;
  auto quoted = [](const std::string& line) {
    auto a = line.find('\''), b = line.rfind('\'');
    return a == std::string::npos || b <= a ? std::string() : line.substr(a + 1, b - a - 1);
  };
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (auto in = line.find("(in L"); in != std::string::npos) cls = line.substr(in + 5, line.find(';', in) - in - 5);
    else if (line.find("      name          :") == 0) name = quoted(line);
    else if (line.find("      type          :") == 0) type = quoted(line);
    else if (line.find("      access        :") == 0 && line.find("NATIVE") != std::string::npos) out.insert({cls, name, type});
  }
  return out;
}

}  // namespace

TEST_CASE("emulation: native-emulated.apk's initialiser and JNI_OnLoad run, on arm64 and on ARM Thumb-2") {
  // In the APK the arm64 copy is emulated; the armeabi-v7a copy (the same source) is read on its own.
  const NativeLibrary* arm64 = library(emulated(), "lib/arm64-v8a/libemulated.so");
  REQUIRE(arm64);
  CHECK(contains(arm64->dlopen_names, "libhidden-payload.so"));
  std::vector<uint8_t> thumb_so = read_file(emulated_so("armeabi-v7a"));
  ElfScan thumb = scan_elf(Bytes(thumb_so.data(), thumb_so.size()));
  for (const ElfEmulation* run : std::vector<const ElfEmulation*>{&arm64->emulation, &thumb.emulation}) {
    const ElfEmulation& e = *run;
    CAPTURE((run == &arm64->emulation ? "arm64, in the APK" : "armeabi-v7a, the bare library"));
    CHECK(e.status == "completed");
    CHECK(e.detail.empty());
    CHECK(e.ran == std::vector<std::string>{"init_array[0] decode_url", "JNI_OnLoad returned 0x10006"});
    // The one native it registers, under the class name it decoded first.
    REQUIRE(e.registered.size() == 1);
    CHECK(e.registered[0].java_class == "gov/test/vet/HiddenBridge");
    CHECK(e.registered[0].name == "nativeUpload");
    CHECK(e.registered[0].signature == "(Ljava/lang/String;)I");
    CHECK(e.registered[0].function == "upload_data");
    // Looked up, asked, loaded and logged: all with names that only exist once decoded.
    CHECK(has_lookup(e, "FindClass", "gov/test/vet/HiddenBridge", "", ""));
    CHECK(has_lookup(e, "GetStaticMethodID", "gov/test/vet/HiddenBridge", "getDeviceId", "()Ljava/lang/String;"));
    CHECK(has_call(e, "__system_property_get", {"ro.serialno"}));
    CHECK(has_call(e, "dlopen", {"libhidden-payload.so"}));
    CHECK(has_call(e, "dlsym", {"hidden_entry"}));
    // svc #0, no libc: named from the ABI's syscall table by the native facts (the bare ARM read has its number).
    CHECK((run == &arm64->emulation ? has_call(e, "syscall ptrace", {}) : has_call(e, "syscall:26", {})));
    CHECK(has_call(e, "access", {"/system/xbin/su"}));  // answered -1: the run goes on as on an unrooted phone
    CHECK(has_call(e, "pthread_create", {"watchdog"}));  // the thread's function, not started
    CHECK(has_call(e, "hidden_entry", {}));  // called through the pointer dlsym returned
    CHECK(has_call(e, "__android_log_print", {"vet", "beacon https://mon.byteoversea.com/monitor/collect/hidden id=42"}));
    CHECK(e.java_strings == std::vector<std::string>{"https://mon.byteoversea.com/monitor/collect/hidden"});
    // Decoded text: the URL in place in .data (first), the rest on the heap.
    std::vector<std::string> heap;
    for (const auto& d : e.decoded_strings)
      if (d.heap) heap.push_back(d.value);
    CHECK(heap == std::vector<std::string>{"gov/test/vet/HiddenBridge", "ro.serialno", "libhidden-payload.so",
                                           "hidden_entry", "getDeviceId", "android/telephony/TelephonyManager",
                                           "nativeUpload"});
    REQUIRE(!e.decoded_strings.empty());
    CHECK(e.decoded_strings[0].value == "https://mon.byteoversea.com/monitor/collect/hidden");
    CHECK_FALSE(e.decoded_strings[0].heap);
  }
}

TEST_CASE("emulation: of a library shipped for arm64 and armeabi-v7a, the arm64 copy is emulated, the other says so") {
  const NativeLibrary* arm = library(emulated(), "lib/armeabi-v7a/libemulated.so");
  REQUIRE(arm);
  CHECK(arm->status == "analyzed");
  CHECK(arm->emulated_copy == "lib/arm64-v8a/libemulated.so");
  CHECK(arm->emulation.status == "skipped");
  CHECK(arm->emulation.detail == "its arm64-v8a copy is emulated: lib/arm64-v8a/libemulated.so");
  CHECK(arm->emulation.registered.empty());
  CHECK(arm->jni.onload);  // read as before: only the run is left to the arm64 copy
}

TEST_CASE("emulation: a decoded string's address holds its encoded bytes in the file, and the file has no plain copy") {
  for (std::string abi : {"arm64-v8a", "armeabi-v7a"}) {
    CAPTURE(abi);
    std::vector<uint8_t> so = read_file(emulated_so(abi));
    REQUIRE(!so.empty());
    ElfScan scan = scan_elf(Bytes(so.data(), so.size()));
    REQUIRE(scan.emulation.status == "completed");
    REQUIRE(!scan.emulation.decoded_strings.empty());
    const ElfDecodedString& url = scan.emulation.decoded_strings[0];
    REQUIRE_FALSE(url.heap);
    ElfLayout layout = read_elf_layout(Bytes(so.data(), so.size()));
    auto offset = layout.offset_of(url.address);
    REQUIRE(offset);
    REQUIRE(*offset + url.value.size() <= so.size());
    for (size_t i = 0; i < url.value.size(); ++i)
      CHECK_MESSAGE((so[*offset + i] ^ 0xA5) == static_cast<uint8_t>(url.value[i]), i);
    std::string_view file(reinterpret_cast<const char*>(so.data()), so.size());
    for (const auto& d : scan.emulation.decoded_strings) CHECK(file.find(d.value) == std::string_view::npos);
  }
}

TEST_CASE("emulation: natives registered by native-vet and native-packed (Android packed relocations and RELR)") {
  const std::set<std::tuple<std::string, std::string, std::string>> expected = {
      {"nativeBeacon", "()I", "beacon_rodata"}, {"nativeStack", "()I", "beacon_stack"}, {"nativeRaw", "()J", "raw_socket"}};
  for (std::string apk : {"native/native-vet.apk", "native/native-packed.apk", "native/native-weak.apk"}) {
    NativeFacts f = native_of(fixture(apk));
    size_t emulated_libs = 0;
    for (const auto& l : f.libraries) {
      CAPTURE(apk);
      CAPTURE(l.file);
      if (l.arch == "x86" || l.arch == "x86_64") {
        CHECK(l.emulation.status == "skipped");
        CHECK(l.emulation.detail == l.arch + " is not emulated (arm64 and ARM are)");
        continue;
      }
      if (l.status != "analyzed") continue;
      ElfEmulation e = l.emulation;
      if (l.arch == "arm") {  // left to the arm64 copy in the APK: read here on its own
        CHECK(l.emulation.status == "skipped");
        REQUIRE(!l.emulated_copy.empty());
        AppPackage app(fixture(apk));
        for (const auto& part : app.parts())
          if (const auto* entry = part.zip->find(l.file))
            if (auto bytes = part.zip->read(*entry)) e = scan_elf(*bytes).emulation;
      }
      ++emulated_libs;
      CHECK(e.status == "completed");
      std::set<std::tuple<std::string, std::string, std::string>> got;
      for (const auto& r : e.registered) {
        CHECK(r.java_class == "gov/test/vet/NativeBridge");
        got.insert({r.name, r.signature, r.function});
      }
      CHECK(got == expected);
    }
    CHECK(emulated_libs >= 2);
  }
}

TEST_CASE("emulation: a corpus app's registered natives are the native methods its DEX declares (dexdump)") {
  const std::string apk = corpus_dir() + "/apks/ae5e6857dd635ee7.apk";
  if (!std::ifstream(apk)) {
    MESSAGE("corpus APK missing: " << apk);
    return;
  }
  auto declared = dexdump_native_methods(apk);
  REQUIRE(declared.size() == 8);
  NativeFacts f = native_of(apk);
  const NativeLibrary* arm64 = library(f, "lib/arm64-v8a/libandroidx.graphics.path.so");
  REQUIRE(arm64);
  // The armeabi-v7a copy, left to the arm64 one in the APK, read on its own.
  ElfEmulation arm;
  AppPackage app(apk);
  for (const auto& part : app.parts())
    if (const auto* entry = part.zip->find("lib/armeabi-v7a/libandroidx.graphics.path.so"))
      if (auto bytes = part.zip->read(*entry)) arm = scan_elf(*bytes).emulation;
  for (const ElfEmulation* e : std::vector<const ElfEmulation*>{&arm64->emulation, &arm}) {
    CHECK(e->status == "completed");
    std::set<std::tuple<std::string, std::string, std::string>> registered;
    for (const auto& r : e->registered) registered.insert({r.java_class, r.name, r.signature});
    CHECK(registered == declared);
    CHECK(has_call(*e, "__system_property_get", {"ro.build.version.sdk"}));
    CHECK(has_lookup(*e, "GetFieldID", "android/graphics/Path", "mNativePath", "J"));
  }
}

TEST_CASE("emulation: the instruction limit stops a run, and what ran before it is kept") {
  std::vector<uint8_t> so = read_file(emulated_so("arm64-v8a"));
  ElfScanLimits limits;
  limits.max_emulated_instructions = 200;  // the initialiser needs ~500: it is cut short
  ElfScan scan = scan_elf(Bytes(so.data(), so.size()), limits);
  CHECK(scan.emulation.status == "stopped");
  CHECK(scan.emulation.detail == "init_array[0] decode_url: instruction limit (200) reached");
  REQUIRE(scan.emulation.ran.size() == 2);
  CHECK(scan.emulation.ran[1].rfind("JNI_OnLoad", 0) == 0);
  limits.emulate = false;
  CHECK(scan_elf(Bytes(so.data(), so.size()), limits).emulation.status.empty());
}

TEST_CASE("emulation: a JNI_OnLoad that faults is reported where it faulted, the initialiser's result stays") {
  std::vector<uint8_t> so = read_file(emulated_so("arm64-v8a"));
  ElfScan intact = scan_elf(Bytes(so.data(), so.size()));
  REQUIRE(intact.parsed);
  ElfLayout layout = read_elf_layout(Bytes(so.data(), so.size()));
  uint64_t onload = 0;
  for (const auto& f : intact.functions)
    if (f.name == "JNI_OnLoad") onload = f.address;
  REQUIRE(onload);
  auto offset = layout.offset_of(onload);
  REQUIRE(offset);
  for (int i = 0; i < 4; ++i) so[*offset + i] = 0;  // udf #0: an undefined instruction
  ElfScan damaged = scan_elf(Bytes(so.data(), so.size()));
  CHECK(damaged.emulation.status == "stopped");
  char where[32];
  std::snprintf(where, sizeof where, "0x%llx", static_cast<unsigned long long>(onload));
  CHECK(damaged.emulation.detail == std::string("JNI_OnLoad: undefined instruction at ") + where);
  CHECK(damaged.emulation.registered.empty());
  REQUIRE(!damaged.emulation.decoded_strings.empty());
  CHECK(damaged.emulation.decoded_strings[0].value == "https://mon.byteoversea.com/monitor/collect/hidden");
}

TEST_CASE("emulation: without the address space for Unicorn's code buffer the run is skipped, not the process ended") {
  if (built_with_asan()) {
    MESSAGE("skipped under AddressSanitizer: no address-space limit can be set");
    return;
  }
  std::vector<uint8_t> so = read_file(emulated_so("arm64-v8a"));
  IsolationLimits limits;
  limits.memory_bytes = 512ull << 20;  // enough to parse, not for the emulator's reservation
  WorkerResult w = run_in_worker([&] { return serialize_elf_scan(scan_elf(Bytes(so.data(), so.size()))); }, limits);
  REQUIRE(w.outcome == WorkerOutcome::ok);
  ElfScan scan = deserialize_elf_scan(w.payload);
  CHECK(scan.parsed);
  CHECK(scan.emulation.status == "skipped");
  CHECK(scan.emulation.detail == "not enough address space for the emulator");
}

TEST_CASE("emulation: hostile packed relocations: 2^60 of them reading no bytes each, an offset that wraps") {
  // native-packed's arm64 library keeps its APS2 table (DT_ANDROID_RELA) at 0x7b8, 34 bytes. In its
  // place: count 2^60, offset 0, one group of 2^60 sharing offset delta 8 and info RELATIVE. Without
  // the loader's bound the loop never ends (ctest's timeout fails the test).
  std::vector<uint8_t> so = read_file(fixtures_dir() + "/built/native/so/packed/lib/arm64-v8a/libvetpacked.so");
  REQUIRE(so.size() > 0x7b8 + 34);
  REQUIRE(std::string(so.begin() + 0x7b8, so.begin() + 0x7bc) == "APS2");
  auto sleb = [](uint64_t v) {
    std::vector<uint8_t> out;
    for (;;) {
      uint8_t b = v & 0x7f;
      v >>= 7;
      bool done = v == 0 && !(b & 0x40);
      out.push_back(done ? b : b | 0x80);
      if (done) return out;
    }
  };
  std::vector<uint8_t> table = {'A', 'P', 'S', '2'};
  for (uint64_t v : {uint64_t(1) << 60, uint64_t(0), uint64_t(1) << 60, uint64_t(3), uint64_t(8), uint64_t(1027)}) {
    auto b = sleb(v);
    table.insert(table.end(), b.begin(), b.end());
  }
  REQUIRE(table.size() <= 34);
  std::copy(table.begin(), table.end(), so.begin() + 0x7b8);
  ElfScan scan = scan_elf(Bytes(so.data(), so.size()));
  CHECK(scan.parsed);
  CHECK_FALSE(scan.emulation.status.empty());
  // The same with the first offset 4 bytes below 2^64: offset + 8 wraps, and a bounds check written
  // as "offset + 8 > end" lets it through to write before the image.
  table = {'A', 'P', 'S', '2'};
  for (uint64_t v : {uint64_t(4), uint64_t(0) - 4, uint64_t(4), uint64_t(3), uint64_t(0), uint64_t(1027)}) {
    auto b = sleb(v);
    table.insert(table.end(), b.begin(), b.end());
  }
  REQUIRE(table.size() <= 34);
  std::copy(table.begin(), table.end(), so.begin() + 0x7b8);
  scan = scan_elf(Bytes(so.data(), so.size()));
  CHECK(scan.parsed);
  CHECK_FALSE(scan.emulation.status.empty());
}
