#include "rules/scoring.h"

#include <algorithm>
#include <cmath>

namespace apkvet::rules {

TierBand tier_band(Severity s) {
  switch (s) {
    case Severity::info: return {0, 0};
    case Severity::low: return {5, 20};
    case Severity::medium: return {25, 25};
    case Severity::high: return {50, 25};
    case Severity::critical: return {75, 25};
  }
  return {0, 0};
}

double axis_score(const std::vector<Severity>& severities) {
  Severity top = Severity::info;
  for (Severity s : severities) top = std::max(top, s);
  if (top == Severity::info) return 0;
  double remaining = 1;  // prod (1 - weight)
  for (Severity s : severities) {
    int below = static_cast<int>(top) - static_cast<int>(s);
    if (s == Severity::info) continue;
    double weight = 0.5 / std::pow(4.0, below);  // 0.5, 0.125, 0.03125, ...
    remaining *= 1 - weight;
  }
  TierBand band = tier_band(top);
  double score = band.base + band.width * (1 - remaining);
  // Keep strictly inside the band: rounding for display must never reach the next tier.
  return std::min(score, band.base + band.width - 0.01);
}

}  // namespace apkvet::rules
