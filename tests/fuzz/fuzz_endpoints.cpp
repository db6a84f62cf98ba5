// libFuzzer target: the strings area on arbitrary bytes. The input is read as a text asset, as a
// binary file (printable runs), as resources.arsc and as binary XML, then every string goes through the
// Hyperscan pass, endpoint extraction, owners, secrets and the JSON writer (which must stay valid UTF-8).
// And an oracle: the pattern scan's walked-back starts must equal Hyperscan's own start tracking.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "strings/pattern_scan.h"
#include "strings/strings_facts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace apkvet;
  Bytes bytes(data, size);
  AppStringPool pool;
  uint32_t text = pool.add_source(StringOrigin::text, "assets/fuzz.js");
  pool.add(text, std::string_view(reinterpret_cast<const char*>(data), size), 0);
  pool.add_printable_runs(pool.add_source(StringOrigin::binary, "assets/fuzz.bin"), bytes);
  add_arsc_strings("resources.arsc", bytes, pool);
  add_binary_xml_strings("res/xml/fuzz.xml", bytes, pool);
  add_dex_strings("classes.dex", bytes, pool);
  FirstPartyHints hints;
  hints.package = "com.example.fuzz";
  StringsFacts facts = analyze_string_pool(pool, hints);
  Json j = facts;
  (void)j.dump();  // throws on invalid UTF-8: a crash here is a finding

  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<PatternHit> walked = scan_text(input), tracked = scan_text_tracking_starts(input);
  bool same = walked.size() == tracked.size();
  for (size_t i = 0; same && i < walked.size(); ++i)
    same = walked[i].pos == tracked[i].pos && walked[i].len == tracked[i].len && walked[i].id == tracked[i].id;
  if (!same) std::abort();  // a start the walk back got wrong
  return 0;
}
