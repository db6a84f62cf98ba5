// The HTML report: self-contained, every section present, app strings escaped. Checked twice: on
// the bytes apkvet writes, and on the DOM Chromium builds from them (truth tool: Debian's chromium,
// headless), which is what an officer's browser would run.
#include <doctest/doctest.h>

#include <algorithm>
#include <regex>

#include "report/html_report.h"
#include "report_test_util.h"

using namespace apkvet::test;

namespace {

const char* kSections[] = {"Verdict",           "Risk scores",      "Data the app can reach", "Where data can go",
                           "What the code can do", "Platform hygiene", "Findings",               "Evidence appendix"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::filesystem::path render(const std::string& apk, const std::string& name) {
  auto out = scratch_dir() / name;
  int rc = apkvet_to("scan --format html --policy " + sh_quote(policy()) + " " + sh_quote(fixture(apk)), out);
  CHECK((rc == 0 || rc == 3 || rc == 4));  // exit code is the verdict
  return out;
}

// Tags and attributes an app string would need to run anything. Text like "onerror=alert(2)" is
// fine as long as it is not inside a tag.
void check_nothing_injected(const std::string& html) {
  std::string l = lower(html);
  CHECK(l.find("<script") == std::string::npos);
  CHECK(l.find("<img") == std::string::npos);
  CHECK(l.find("<svg onload") == std::string::npos);
  CHECK(l.find("<textarea") == std::string::npos);
  static const std::regex event_attr(R"(<[a-z][^>]*\son[a-z]+\s*=)", std::regex::icase);
  CHECK_FALSE(std::regex_search(html, event_attr));
}

}  // namespace

TEST_CASE("html_escape escapes markup and quotes and control characters and invalid UTF-8") {
  CHECK(apkvet::html_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(apkvet::html_escape("a\x01" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(apkvet::html_escape("caf\xC3\xA9") == "caf\xC3\xA9");               // valid UTF-8 kept
  CHECK(apkvet::html_escape("\xC3<") == "\xEF\xBF\xBD&lt;");                // truncated sequence
  CHECK(apkvet::html_escape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST_CASE("HTML report of leaky has every section and the verdict and charts and no external resource") {
  std::string html = read_all(render("leaky.apk", "leaky.html"));
  for (const char* s : kSections)
    CHECK_MESSAGE(html.find(std::string("<h3>") + s + "</h3>") != std::string::npos, std::string(s));
  CHECK(html.find("<span class=\"verdict v-reject\">reject</span>") != std::string::npos);
  CHECK(html.find("a debuggable build is not a release build") != std::string::npos);
  CHECK(html.find("aria-label=\"Risk scores by axis") != std::string::npos);
  CHECK(html.find("aria-label=\"Number of hosts per jurisdiction\"") != std::string::npos);
  CHECK(html.find("AppsFlyer") != std::string::npos);
  CHECK(html.find("Lgov/test/leaky/AccountsReader;-&gt;readAccounts") != std::string::npos);  // caller method
  CHECK(html.find("gov.test.leaky.DataProvider") != std::string::npos);                       // exported provider
  // What opens each exported component: the deep link's URI, the provider's authority; and the
  // SDK configuration in the application's meta-data.
  CHECK(html.find("<td>VIEW: <code>leaky://open/item</code></td>") != std::string::npos);
  CHECK(html.find("<code>content://gov.test.leaky.data/</code>") != std::string::npos);
  CHECK(html.find("<tr><td><code>com.facebook.sdk.ApplicationId</code></td><td><code>fb000000000000000</code></td></tr>") !=
        std::string::npos);
  CHECK(html.find("in debug builds, and this build is debuggable") != std::string::npos);     // NSC debug-overrides
  CHECK(html.find("AndroidManifest.xml</code> at <code>manifest/uses-permission[11]") != std::string::npos);
  // Self-contained: no element that fetches, no attribute pointing elsewhere, nothing imported by the
  // style sheet. (The SVG xmlns is a namespace name, not a fetch; "url(" can occur in app text.)
  static const std::regex fetching_tag(R"(<(script|link|img|iframe|object|embed|audio|video|source|base)\b)",
                                       std::regex::icase);
  static const std::regex remote_attr(R"(\s(src|href|action|srcset|poster)\s*=\s*["']?(https?:|//))", std::regex::icase);
  CHECK_FALSE(std::regex_search(html, fetching_tag));
  CHECK_FALSE(std::regex_search(html, remote_attr));
  size_t style = html.find("<style>"), style_end = html.find("</style>");
  REQUIRE(style != std::string::npos);
  std::string css = lower(html.substr(style, style_end - style));
  CHECK(css.find("url(") == std::string::npos);
  CHECK(css.find("@import") == std::string::npos);
  CHECK(lower(html).find("content-security-policy") != std::string::npos);
}

TEST_CASE("HTML report shows what native code did under the emulator: registrations, lookups, calls, decoded strings") {
  std::string html = read_all(render("native/native-emulated.apk", "emulated.html"));
  CHECK(html.find("<h4>Native code run in an emulator (initialisers and JNI_OnLoad)</h4>") != std::string::npos);
  CHECK(html.find("<p><code>lib/arm64-v8a/libemulated.so</code>: completed; init_array[0] decode_url; JNI_OnLoad "
                  "returned 0x10006</p>") != std::string::npos);
  CHECK(html.find("<td>registers native</td><td><code>gov.test.vet.HiddenBridge.nativeUpload(Ljava/lang/String;)I"
                  "</code> &rarr; <code>upload_data</code>") != std::string::npos);
  CHECK(html.find("<td>GetStaticMethodID</td><td><code>gov.test.vet.HiddenBridge.getDeviceId ()Ljava/lang/String;"
                  "</code>") != std::string::npos);
  CHECK(html.find("<code>__system_property_get(&quot;ro.serialno&quot;)</code>") != std::string::npos);
  CHECK(html.find("<td>decoded string</td><td><code>https://mon.byteoversea.com/monitor/collect/hidden</code> (at "
                  "0x20000)") != std::string::npos);
  CHECK(html.find("<td>decoded string</td><td><code>libhidden-payload.so</code> (on the heap)") != std::string::npos);
  CHECK(html.find("<tr><td><code>Landroid/telephony/TelephonyManager;-&gt;getDeviceId()Ljava/lang/String;</code></td>"
                  "<td>device_identifiers</td>") != std::string::npos);
  check_nothing_injected(html);
}

TEST_CASE("HTML report of xss shows the hostile strings as text only") {
  std::string html = read_all(render("xss.apk", "xss.html"));
  check_nothing_injected(html);
  // The label and the WebView URL are there, escaped (so the officer sees what the app contains).
  CHECK(html.find("XSS &lt;script&gt;alert(1)&lt;/script&gt; &quot;dq&quot; &#39;sq&#39; &amp; &lt;img src=x "
                  "onerror=alert(2)&gt;") != std::string::npos);
  CHECK(html.find("1.0&quot;&gt;&lt;script&gt;alert(5)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("<td>&quot;&gt;&lt;script&gt;alert(4)&lt;/script&gt;</td>") != std::string::npos);  // activity label
  CHECK(html.find("<code>&lt;/textarea&gt;&lt;svg onload=alert(6)&gt;</code>") != std::string::npos);   // meta-data value
  // The WebView URLs use example.net, which the strings area sets aside as reserved example domains,
  // so they are not endpoints and do not appear.
}

TEST_CASE("HTML report of several inputs has one article each and an unreadable input says why") {
  auto out = scratch_dir() / "several.html";
  CHECK(apkvet_to("scan --format html " + sh_quote(fixture("clean.apk")) + " " +
                      sh_quote(corpus_dir() + "/apks/1e332dc0b473de5f.apk"),
                  out) == 2);
  std::string html = read_all(out);
  CHECK(html.find("<article class=\"app\" id=\"app-1\">") != std::string::npos);
  CHECK(html.find("<article class=\"app\" id=\"app-2\">") != std::string::npos);
  CHECK(html.find("Could not be analysed: ") != std::string::npos);
  CHECK(html.find("central directory lies outside the file") != std::string::npos);
  CHECK(html.find("no policy") != std::string::npos);  // no --policy: findings and scores only
  CHECK(html.find("id=\"a1-verdict\"") != std::string::npos);
}

TEST_CASE("browser check - chromium renders leaky and xss reports (skipped without chromium)") {
  std::string chromium;
  for (const char* c : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(c)) chromium = c;
  if (chromium.empty()) {
    MESSAGE("SKIPPED: chromium is not installed (tools/install-deps.sh installs it)");
    return;
  }
  auto dir = scratch_dir();
  std::string flags = " --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions "
                      "--user-data-dir=" + sh_quote((dir / "chromium-profile").string()) + " ";
  auto leaky = render("leaky.apk", "browser-leaky.html");
  auto xss = render("xss.apk", "browser-xss.html");
  auto png = dir / "leaky.png";
  std::filesystem::remove(png);
  int rc = run("timeout 120 " + chromium + flags + "--screenshot=" + sh_quote(png.string()) +
               " --window-size=1280,4000 " + sh_quote("file://" + leaky.string()) + " > /dev/null 2>&1");
  CHECK(rc == 0);
  REQUIRE(std::filesystem::exists(png));
  std::string bytes = read_all(png);
  REQUIRE(bytes.size() > 24);
  CHECK(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  // IHDR width and height (big-endian) are the window size; a blank page compresses to a few KB.
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) |
           (uint32_t(uint8_t(bytes[at + 2])) << 8) | uint32_t(uint8_t(bytes[at + 3]));
  };
  CHECK(be32(16) == 1280);
  CHECK(be32(20) == 4000);
  CHECK(bytes.size() > 50000);

  for (auto [file, name] : {std::pair{leaky, "leaky"}, std::pair{xss, "xss"}}) {
    auto dom = dir / (std::string(name) + ".dom.html");
    rc = run("timeout 120 " + chromium + flags + "--dump-dom " + sh_quote("file://" + file.string()) + " > " +
             sh_quote(dom.string()) + " 2> /dev/null");
    CHECK(rc == 0);
    std::string d = read_all(dom);
    REQUIRE(d.size() > 1000);
    for (const char* s : kSections)
      CHECK_MESSAGE(d.find(std::string("<h3>") + s + "</h3>") != std::string::npos, std::string(s));
    check_nothing_injected(d);
    if (std::string(name) == "xss") {
      // Parsed as text: the browser's own serialisation of the label's text node.
      CHECK(d.find("XSS &lt;script&gt;alert(1)&lt;/script&gt; \"dq\" 'sq' &amp; &lt;img src=x onerror=alert(2)&gt;") !=
            std::string::npos);
    }
  }
}
