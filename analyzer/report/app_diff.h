// What changed between two versions of an app, computed from two stored app reports (the output of
// app_report_json()), so the catalogue can compare versions without keeping the APKs. The diff is a
// JSON document; text and HTML renderings of it live beside it.
#pragma once
#include <ostream>

#include "facts/evidence.h"

namespace apkvet {

// Diff of two app_report_json() documents. The result always has "old" and "new" (package, version,
// verdict) and "changed" (false when nothing below differs); every other key appears only when that
// part changed:
//   package, version: {old, new}
//   signer_changed: {old: [sha256...], new: [sha256...], grave: true}   (a different signing key)
//   permissions: {added: [...], removed: [...]}  (each {name, dangerous})
//   data_categories: {added: [...], removed: [...]}   (newly reachable, by permission or by code)
//   endpoints, owners, jurisdictions, trackers: {added: [...], removed: [...]}
//   findings: {added: [{rule, severity, title}], removed: [...]}
//   scores: {<axis>: {old, new, delta}}
//   verdict: {old, new}
// Either input may be an error report ("status": "error"); then only status is compared.
Json diff_app_reports(const Json& old_app_report, const Json& new_app_report);

// Terminal rendering of a diff (app strings stripped of control characters).
void write_text_diff(std::ostream& out, const Json& diff);

}  // namespace apkvet
