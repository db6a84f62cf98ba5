// apkvet command line: argument parsing and subcommands only; all work is in the library.
#include <openssl/crypto.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "axml/xmltree_printer.h"
#include "manifest/manifest_facts.h"
#include "cli/commands.h"
#include "scan/scan.h"
#include "version.h"

namespace {

using apkvet::cli::kExitOk;
using apkvet::cli::kExitUnreadableInput;
using apkvet::cli::kExitUsage;

void usage(std::ostream& out) {
  out << "apkvet " << APKVET_VERSION << " - vet Android apps before they reach government phones\n\n"
         "usage:\n"
         "  apkvet scan [--format text|json|html|sarif] [--output FILE] [--policy FILE] [--waivers FILE]\n"
         "              [--rules DIR] [--only AREA,...] [--date YYYY-MM-DD] [--geoip-db FILE.mmdb] FILE...\n"
         "                                             analyse APK / APKS / XAPK / AAB files and judge them\n"
         "  apkvet diff [--format text|json|html] [--output FILE] [--policy FILE] OLD NEW\n"
         "                                             what changed between two versions of an app\n"
         "  apkvet rules [--rules DIR] list | explain ID   the rules and what each one means\n"
         "  apkvet manifest [--xml|--json] FILE       print the decoded AndroidManifest.xml (default: the layout\n"
         "                                             of aapt dump xmltree; --xml; --json typed facts)\n"
         "  apkvet batch [--db FILE] [--jobs N] [--timeout S] [--memory MB] [--apks-per-worker N]\n"
         "               [--policy FILE] [--shard K/N] [--rescan] [--retry-failed] [--geoip-db FILE.mmdb]\n"
         "               DIR|FILE|@LIST|-...\n"
         "                                             analyse many apps into a catalogue store (SQLite)\n"
         "  apkvet catalogue report --db FILE --out DIR  HTML dashboard, CSV/JSONL, MDM allowlist\n"
         "  apkvet catalogue merge OUT.db SHARD.db...  merge shard stores (idempotent)\n"
         "  apkvet traffic --device DEVICE.json [--apk APP.apk] [--tls-keylog FILE] [--format text|json|html]\n"
         "                 [--policy FILE] CAPTURE...\n"
         "                                             find the test device's identifiers in pcap/pcapng/HAR traffic\n"
         "                                             (TLS read with the device's key log, or one inside the pcapng)\n"
         "  apkvet version\n\n"
         "--only limits a scan to some of: archive (libzip's second opinion of the ZIP structure), resources,\n"
         "manifest, signing, dex, code, native, strings.\n"
         "--policy takes a file or the name of a shipped policy (government-device, baseline). --geoip-db (or\n"
         "$APKVET_GEOIP_DB) names a MaxMind database for IP countries; without it Debian's GeoIP data is used.\n\n"
         "exit codes: 0 all inputs analysed (with --policy: all approved); 2 at least one input could not be\n"
         "read (the others are still reported); 3 with --policy: some app needs review; 4 with --policy: some\n"
         "app is rejected; 64 bad command line; 65 malformed rule, policy or waiver file.\n";
}

int run_manifest(const std::vector<std::string>& args) {
  // apkvet manifest [--xml|--json] FILE: the decoded AndroidManifest.xml, by default in the layout of
  // `aapt dump xmltree FILE AndroidManifest.xml` so the two can be diffed.
  std::string mode = "xmltree";
  std::vector<std::string> files;
  for (const auto& a : args) {
    if (a == "--xml") mode = "xml";
    else if (a == "--json") mode = "json";
    else if (a == "--xmltree") mode = "xmltree";
    else if (a.rfind("--", 0) == 0) {
      std::cerr << "apkvet manifest: unknown option " << a << "\n";
      return kExitUsage;
    } else files.push_back(a);
  }
  if (files.size() != 1) {
    usage(std::cerr);
    return kExitUsage;
  }
  std::unique_ptr<apkvet::AppPackage> app;
  try {
    app = std::make_unique<apkvet::AppPackage>(files[0]);
  } catch (const std::exception& e) {
    std::cerr << "apkvet: " << e.what() << "\n";
    return kExitUnreadableInput;
  }
  apkvet::AnomalySink& anomalies = app->anomalies();
  apkvet::ManifestFacts m;
  try {
    m = apkvet::analyze_manifest(*app, nullptr, anomalies);
  } catch (const std::exception& e) {
    std::cerr << "apkvet: " << files[0] << ": " << e.what() << "\n";
    return kExitUnreadableInput;
  }
  if (!m.decoded || !m.document) {
    std::cerr << "apkvet: " << files[0] << ": AndroidManifest.xml could not be decoded\n";
    return kExitUnreadableInput;
  }
  if (mode == "xml") {
    m.xml->save(std::cout, "  ");
  } else if (mode == "json") {
    apkvet::Json j;
    apkvet::to_json(j, m);
    apkvet::Json list = apkvet::Json::array();
    for (const auto& a : anomalies.all()) list.push_back(a);
    j["anomalies"] = std::move(list);
    std::cout << j.dump(1) << "\n";
  } else {
    apkvet::print_xmltree(std::cout, *m.document);
  }
  for (const auto& a : anomalies.all())
    if (a.id.rfind("axml.", 0) == 0 || a.id.rfind("manifest.", 0) == 0)
      std::cerr << "apkvet: " << a.id << ": " << a.message << " [" << a.evidence.file << " " << a.evidence.location
                << "]\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // OpenSSL without the machine's openssl.cnf: digests and signature checks must give the same
  // answer on every machine (a local config can load or drop providers), and reading the config
  // cost every run ~0.5 ms. Without the legacy table of cipher and digest names either: OpenSSL
  // copies it into its name map on the first digest (~2.7 M instructions, ~0.4 ms of every run),
  // and apkvet never looks an algorithm up by a legacy alias (EVP_get_digestbyname): it asks for
  // EVP_sha256() and friends, which the providers' own names resolve. The signing tests against
  // apksigner cover every algorithm we use. Must come before any other OpenSSL call.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS,
                      nullptr);
  // The machine's time zone, named once. With TZ unset glibc's tzset() stats /etc/localtime on every
  // call, and libzip's cross-check converts each entry's DOS time with mktime(): ~170 stat calls
  // per APK in a catalogue batch (2% of its CPU). Named, the zone is read once and each later
  // tzset() is a string compare. The same zone either way; apkvet's own dates are all UTC.
  if (!std::getenv("TZ")) setenv("TZ", ":/etc/localtime", 0);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "scan") return apkvet::cli::run_scan(args);
  if (cmd == "rules") return apkvet::cli::run_rules(args);
  if (cmd == "diff") return apkvet::cli::run_diff(args);
  if (cmd == "manifest") return run_manifest(args);
  if (cmd == "traffic") return apkvet::cli::run_traffic(args);
  if (cmd == "batch") return apkvet::cli::run_batch(args);
  if (cmd == "catalogue") return apkvet::cli::run_catalogue(args);
  if (cmd == "version" || cmd == "--version") {
    std::cout << "apkvet " << APKVET_VERSION << "\n";
    return kExitOk;
  }
  std::cerr << "apkvet: unknown command '" << cmd << "'\n";
  usage(std::cerr);
  return kExitUsage;
}
