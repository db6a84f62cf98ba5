// One way through: open the input, run each parser once in dependency order, collect the facts.
#pragma once
#include <string>

#include "archive/app_package.h"
#include "scan/app_facts.h"

namespace apkvet {

struct ScanOptions {
  OpenLimits limits;
};

// Never throws: an input that cannot be read gives ok=false and a reason naming the file; a parser
// that fails on part of the input leaves an anomaly and the others still run.
ScanResult scan_file(const std::string& path, const ScanOptions& options = {});

}  // namespace apkvet
