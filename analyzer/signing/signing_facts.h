// Facts about the app's APK signatures (v1, v2, v3, v3.1) and certificates.
#pragma once
#include "archive/app_package.h"
#include "facts/evidence.h"

namespace apkvet {

struct SigningFacts {
  bool analyzed = false;
};
void to_json(Json& j, const SigningFacts& f);

SigningFacts analyze_signing(const AppPackage& app, AnomalySink& anomalies);

}  // namespace apkvet
