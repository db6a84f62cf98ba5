#include "report/app_diff.h"

namespace apkvet {

// Stub: the real comparison follows; the signature is fixed for the catalogue.
Json diff_app_reports(const Json& old_app_report, const Json& new_app_report) {
  Json d{{"changed", old_app_report != new_app_report}};
  return d;
}

void write_text_diff(std::ostream& out, const Json& diff) { out << diff.dump(2) << "\n"; }

}  // namespace apkvet
