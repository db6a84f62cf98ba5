// `apkvet catalogue report`: everything a review board and an MDM need from a store, rendered from the
// stored app reports only (never the APKs): a self-contained HTML dashboard, apps.csv, apps.jsonl, and
// allowlist.json/.csv of approved (package, signer certificate SHA-256) pairs.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "catalogue/store.h"

namespace apkvet::catalogue {

// One app as the catalogue shows it: a stored result with what the dashboard derives from its report.
struct CatalogueApp {
  ResultRow row;
  std::vector<std::string> paths;
  std::vector<std::string> top_reasons;    // verdict reasons, else the gravest findings' titles
  std::vector<std::string> trackers;       // tracker names found in code
  std::vector<std::string> data_categories;  // personal-data categories the app can reach
  std::vector<std::string> jurisdictions;  // of the endpoints' owners / hosting
  std::string label;                       // app label, if the manifest gave one
  // Set when another stored version of the same package + signer is older: the diff to it.
  std::string previous_sha256;
  Json diff;
  bool signer_changed = false;  // the same package is stored under another signer certificate set
  std::string report_link;      // relative link to the app's own page, if written
};

struct Catalogue {
  std::vector<CatalogueApp> apps;          // analysed apps: by package, signer, then version
  std::vector<CatalogueApp> failures;      // results that are errors or worker failures
  std::vector<Store::InputError> input_errors;
};

// What load_catalogue hands each analysed app's report to, once, after the app's diff is known: the
// stored text and its parse (discarded when it does not parse). The visitor may move from `report`
// only if it moves it back: the next version's diff is taken against it.
using ReportVisitor = std::function<void(CatalogueApp& app, const std::string& report_json, Json& report)>;

// Reads and groups a store: versions of the same package + signer are ordered by version code and
// each is diffed against the one before it. The apps' rows come without their reports (report_json
// empty): those are read from the store one at a time, parsed once, and given to `visit` if set.
Catalogue load_catalogue(Store& store, const ReportVisitor& visit = {});

struct ReportFiles {
  size_t apps = 0, failures = 0, approved_pairs = 0, app_pages = 0;
};

// Loads the catalogue of `store` and writes index.html, apps.csv, apps.jsonl, allowlist.json,
// allowlist.csv and apps/<sha256>.{html,json} into out_dir (created). Each app's own pages are
// written while it is loaded, so that its report is parsed once for everything. Throws
// std::runtime_error when a file cannot be written.
ReportFiles write_catalogue_report(Store& store, const std::string& out_dir);

// One CSV field (RFC 4180 quoting; a leading = + - @ is prefixed with ' so spreadsheets do not run it).
std::string csv_field(const std::string& s);

}  // namespace apkvet::catalogue
