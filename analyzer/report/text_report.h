// The terminal summary: what a security officer reads first — verdict, the four scores, the top
// findings one line each, then the app's identity and anomalies.
#pragma once
#include <ostream>

#include "report/app_report.h"

namespace apkvet {

struct TextStyle {
  bool color = false;  // the CLI sets it on a TTY unless NO_COLOR is set
  size_t max_findings = 15;
};

void write_text_report(std::ostream& out, const AppReport& report, const TextStyle& style = {});

}  // namespace apkvet
