// Facts about the app's DEX bytecode: classes, methods, call sites and strings.
#pragma once
#include "archive/app_package.h"
#include "facts/evidence.h"

namespace apkvet {

struct DexFacts {
  bool analyzed = false;
};
void to_json(Json& j, const DexFacts& f);

DexFacts analyze_dex(const AppPackage& app, AnomalySink& anomalies);

}  // namespace apkvet
