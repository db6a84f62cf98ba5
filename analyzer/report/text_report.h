// The terminal summary: what a security officer reads first, one screen per app.
#pragma once
#include <ostream>

#include "scan/app_facts.h"

namespace apkvet {

void write_text_report(std::ostream& out, const ScanResult& result);

}  // namespace apkvet
