// What changed between two versions of an app, computed from two stored app reports (the output of
// app_report_json()), so the catalogue can compare versions without keeping the APKs. The diff is a
// JSON document; text and HTML renderings of it live beside it.
#pragma once
#include <ostream>

#include "facts/evidence.h"

namespace apkvet {

// Diff of two app_report_json() documents. The result always has "old" and "new" ({status, input,
// package, version, verdict}) and "changed" (false when nothing below differs); every other key
// appears only when that part changed. Lists are sorted.
//   package, version: {old, new}
//   signer_changed: {old: [sha256...], new: [sha256...], grave: true}   (a different signing key)
//   permissions: {added: [{name, dangerous}...], removed: [...]}
//   data_categories: {added: ["location (by permission)", "sms_mms (by code)", ...], removed: [...]}
//   endpoints, owners, jurisdictions, trackers: {added: [string...], removed: [string...]}
//   findings: {added: [{rule, severity, title}...], removed: [...]}
//   scores: {<axis>: {old, new, delta}}
//   verdict: {old, new}
// Either input may be an error report ("status": "error"); then only "status": {old, new} is added.
Json diff_app_reports(const Json& old_app_report, const Json& new_app_report);

// Terminal rendering of a diff (app strings stripped of control characters).
void write_text_diff(std::ostream& out, const Json& diff);

}  // namespace apkvet
