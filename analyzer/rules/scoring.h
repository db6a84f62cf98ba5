// Axis scores that mean something: monotone (adding a finding never lowers a score; nothing "secure"
// cancels a risk) and saturating by severity tier (any number of low findings stays below one medium,
// any number of mediums below one high, ...). MobSF's ratio formula has neither property.
//
// score = tier_base(top severity) + tier_width * (1 - prod_i (1 - weight_i)), where weight_i is 0.5 for
// findings at the top severity and smaller for each tier below; the product term stays < 1, so a
// score never reaches the next tier's base.
#pragma once
#include <vector>

#include "facts/evidence.h"

namespace apkvet::rules {

struct TierBand {
  double base, width;
};
TierBand tier_band(Severity s);  // info: {0,0}; low: {5,20}; medium: {25,25}; high: {50,25}; critical: {75,25}

// Score (0..100) of one axis from the severities of its findings.
double axis_score(const std::vector<Severity>& severities);

}  // namespace apkvet::rules
