// The HTML report: one self-contained file a security officer can open offline or attach to a review,
// laid out like a national cyber-centre app review (verdict, scores, data reached, where data goes,
// what the code can do, platform hygiene, evidence). No network: no external CSS, scripts, fonts or
// images; a Content-Security-Policy forbids them anyway. There is no script at all, so app data can
// never land in a script context; every app-controlled string is HTML-escaped, in text and attributes.
// Rendered from the JSON documents only, so a stored report can be re-rendered without the APK.
#pragma once
#include <string>
#include <string_view>

#include "facts/evidence.h"

namespace apkvet {

// `scan_report` is the output of scan_report_json(). The bytes depend only on it (deterministic).
std::string html_report(const Json& scan_report);

// `diff` is the output of diff_app_reports().
std::string html_diff(const Json& diff);

// Escapes & < > " ' and replaces control characters and invalid UTF-8 with U+FFFD: safe in element
// text and in quoted attribute values.
std::string html_escape(std::string_view s);

}  // namespace apkvet
